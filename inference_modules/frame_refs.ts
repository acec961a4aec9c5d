/**
 * Frames the pool has posted to workers, shared by every call on the same frame: page detection
 * and then the ROI reads of one frame post its pixels to a worker once. A frame is released (its
 * workers drop their Mat) when its last user is done, or a little later when that user asked the
 * frame to linger for a call that usually follows (the reads after a page detection); the next
 * new frame ends any lingering.
 */
import type { Frame } from "../actors/frame_sources/frame.ts";
import { sharedFrame } from "./shared_frame.ts";

/** One frame as the pool tracks it; `S` is the pool's worker slot. */
export interface FrameRef<S = unknown> {
  /** Pool-wide frame number the workers know it by. */
  id: number;
  /** The frame over shared memory. */
  frame: Frame;
  /** Workers the pixels were posted to. */
  holders: Set<S>;
  /** Calls using the frame now. */
  users: number;
  /** The frame object callers passed (the lookup key). */
  key: Frame;
  /** Pending delayed release. */
  linger?: ReturnType<typeof setTimeout>;
}

/** The pool's table of live frames. */
export class FrameRefs<S> {
  readonly #refs = new Map<Frame, FrameRef<S>>();
  readonly #release: (ref: FrameRef<S>) => void;

  /** `release` tells the holders of a frame to drop it. */
  constructor(release: (ref: FrameRef<S>) => void) {
    this.#release = release;
  }

  /** The frame's ref (created with `nextId()` on first use), counted as used until {@linkcode unuse}. */
  acquire(frame: Frame, nextId: () => number): FrameRef<S> {
    let ref = this.#refs.get(frame);
    if (!ref) {
      // A new frame supersedes lingering ones: at most one frame waits in the workers unused.
      for (const old of [...this.#refs.values()]) if (old.users === 0) this.#drop(old);
      ref = { id: nextId(), frame: sharedFrame(frame), holders: new Set(), users: 0, key: frame };
      this.#refs.set(frame, ref);
    }
    clearTimeout(ref.linger);
    ref.linger = undefined;
    ref.users++;
    return ref;
  }

  /** One user is done; the last one releases the frame now, or after `lingerMs` unless reused. */
  unuse(ref: FrameRef<S>, lingerMs = 0): void {
    if (--ref.users > 0) return;
    if (lingerMs <= 0) return this.#drop(ref);
    ref.linger = setTimeout(() => this.#drop(ref), lingerMs);
  }

  /** Forgets every frame without telling workers (the pool is closing them). */
  clear(): void {
    for (const ref of this.#refs.values()) clearTimeout(ref.linger);
    this.#refs.clear();
  }

  #drop(ref: FrameRef<S>): void {
    if (ref.users > 0 || this.#refs.get(ref.key) !== ref) return;
    clearTimeout(ref.linger);
    this.#refs.delete(ref.key);
    this.#release(ref);
  }
}
