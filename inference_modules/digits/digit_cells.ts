/** Digit windows: a counter or display crop split into equal columns, one digit each. */
import type { RgbaImage } from "../module_types.ts";

/** Splits `crop` into `n` equal-width columns, left to right (copies). */
export function splitCells(crop: RgbaImage, n: number): RgbaImage[] {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`params.cells: must be a positive integer, got ${n}`);
  }
  const cells: RgbaImage[] = [];
  for (let i = 0; i < n; i++) {
    const x0 = Math.round((i * crop.width) / n), x1 = Math.round(((i + 1) * crop.width) / n);
    const width = Math.max(1, x1 - x0);
    const data = new Uint8Array(width * crop.height * 4);
    for (let y = 0; y < crop.height; y++) {
      const from = (y * crop.width + x0) * 4;
      data.set(crop.data.subarray(from, from + width * 4), y * width * 4);
    }
    cells.push({ width, height: crop.height, data });
  }
  return cells;
}
