/**
 * A tiny RGBA painter for synthetic frames. Drawing happens in design coordinates (a fixed
 * reference size) and each shape's edges are rounded into the real canvas, so one layout
 * renders at any size without gaps between neighbouring cells.
 */

/** An opaque colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/** Where a painter draws: RGBA pixels, `width * height * 4` bytes. */
export interface Canvas {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** RGBA pixels; plain or shared memory. */
  readonly data: Uint8Array<ArrayBufferLike>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One RGBA pixel packed as the platform's 32-bit word, for `Uint32Array.fill`. */
function packRgba([r, g, b]: Rgb): number {
  return LITTLE_ENDIAN
    ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0
    : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
}

/** Paints filled shapes given in design coordinates onto a canvas of any size. */
export class Painter {
  #words: Uint32Array<ArrayBufferLike>;
  #width: number;
  #height: number;
  #sx: number;
  #sy: number;

  /** A painter for `canvas` whose design space is `design` (e.g. 1280×720). */
  constructor(canvas: Canvas, design: { width: number; height: number }) {
    if (canvas.data.byteLength !== canvas.width * canvas.height * 4) {
      throw new RangeError(
        `Canvas data must be ${canvas.width}×${canvas.height}×4 bytes, got ${canvas.data.byteLength}`,
      );
    }
    this.#words = new Uint32Array(
      canvas.data.buffer,
      canvas.data.byteOffset,
      canvas.width * canvas.height,
    );
    this.#width = canvas.width;
    this.#height = canvas.height;
    this.#sx = canvas.width / design.width;
    this.#sy = canvas.height / design.height;
  }

  /** Fills the whole canvas. */
  fill(color: Rgb): void {
    this.#words.fill(packRgba(color));
  }

  /** Fills the design-space rectangle (x, y, w, h), clipped to the canvas. */
  fillRect(x: number, y: number, size: { w: number; h: number; color: Rgb }): void {
    const x0 = this.#px(x), x1 = this.#px(x + size.w);
    const y0 = this.#py(y), y1 = this.#py(y + size.h);
    const word = packRgba(size.color);
    for (let row = y0; row < y1; row++) {
      this.#words.fill(word, row * this.#width + x0, row * this.#width + x1);
    }
  }

  /** Fills the design-space circle at (cx, cy) with radius r (an ellipse if the canvas is stretched). */
  fillCircle(cx: number, cy: number, shape: { r: number; color: Rgb }): void {
    const pcx = cx * this.#sx, pcy = cy * this.#sy;
    const rx = shape.r * this.#sx, ry = shape.r * this.#sy;
    const word = packRgba(shape.color);
    const y0 = this.#py(cy - shape.r), y1 = this.#py(cy + shape.r);
    for (let row = y0; row < y1; row++) {
      const dy = (row + 0.5 - pcy) / ry;
      if (dy * dy > 1) continue;
      const half = rx * Math.sqrt(1 - dy * dy);
      const x0 = clamp(Math.round(pcx - half), this.#width),
        x1 = clamp(Math.round(pcx + half), this.#width);
      this.#words.fill(word, row * this.#width + x0, row * this.#width + x1);
    }
  }

  #px(x: number): number {
    return clamp(Math.round(x * this.#sx), this.#width);
  }

  #py(y: number): number {
    return clamp(Math.round(y * this.#sy), this.#height);
  }
}

function clamp(v: number, max: number): number {
  return Math.min(max, Math.max(0, v));
}
