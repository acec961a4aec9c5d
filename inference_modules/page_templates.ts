/**
 * Page templates inside a worker: each base64 image is decoded to grey once and its ORB features
 * computed once, cached under the content hash the pool sends; the least recently used entry is
 * freed (Mats included) past the cache's capacity.
 */
import type { Cv } from "./cv_loader.ts";
import { decodeBase64 } from "./base64.ts";
import { type Features, freeFeatures, orbFeatures } from "./page_features.ts";

/** A decoded template: grey pixels (a Mat) and their features. */
export interface TemplateEntry {
  /** Single-channel template at its stored size. */
  gray: Cv;
  /** ORB features of `gray`. */
  features: Features;
  /** Template width in pixels. */
  width: number;
  /** Template height in pixels. */
  height: number;
}

/** An LRU cache of decoded templates keyed by content hash. */
export class TemplateCache {
  readonly #cv: Cv;
  readonly #capacity: number;
  readonly #entries = new Map<string, Promise<TemplateEntry>>();

  /** A cache holding at most `capacity` templates (default 16). */
  constructor(cv: Cv, capacity = 16) {
    this.#cv = cv;
    this.#capacity = capacity;
  }

  /** The entry for `key`, decoding `image` on a miss; a failed decode is not cached. */
  get(key: string, image: string, opts: { maxWidth: number }): Promise<TemplateEntry> {
    let entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key); // re-insert: Map order is the recency order
    } else {
      entry = this.#load(image, opts.maxWidth);
      entry.catch(() => this.#entries.delete(key));
    }
    this.#entries.set(key, entry);
    this.#evict();
    return entry;
  }

  /** Number of cached templates. */
  get size(): number {
    return this.#entries.size;
  }

  #evict(): void {
    while (this.#entries.size > this.#capacity) {
      const [oldest, entry] = this.#entries.entries().next().value!;
      this.#entries.delete(oldest);
      entry.then(freeEntry, () => undefined);
    }
  }

  async #load(image: string, maxWidth: number): Promise<TemplateEntry> {
    const { default: sharp } = await import("sharp");
    const { data, info } = await sharp(decodeBase64(image))
      .flatten()
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1) {
      throw new TypeError(`template decoded to ${info.channels} channels, expected 1`);
    }
    const cv = this.#cv;
    const gray = new cv.Mat(info.height, info.width, cv.CV_8UC1);
    try {
      gray.data.set(data.subarray(0, info.width * info.height));
      const features = orbFeatures(cv, gray, { maxWidth, nfeatures: 1000 });
      return { gray, features, width: info.width, height: info.height };
    } catch (e) {
      gray.delete();
      throw e;
    }
  }
}

function freeEntry(entry: TemplateEntry): void {
  entry.gray.delete();
  freeFeatures(entry.features);
}
