/**
 * The plausibility stage of live results: every entry of a ROI with `rules` is judged against
 * the ROI's PreValue before the result is published (the job calls {@linkcode Plausibility.judge}
 * with the rules of its current desired state, so an ROI edit applies to the next frame). The
 * PreValues (last accepted value, its time, a pending level) and each ROI's last status are kept
 * in `.visionroi/prevalues.json`: written atomically, coalesced (at most one write per `flushMs`),
 * flushed on stop and at once when set by hand, and bounded to `maxRois` ROIs (least recently
 * judged go first).
 */
import { type Clock, systemClock, type TimerId } from "../runtime/mod.ts";
import { writeFileAtomic } from "../runtime/snapshot_store.ts";
import type { FrameResult } from "../jobs/result_bus.ts";
import {
  effectiveRules,
  judge,
  type PreValueState,
  type RejectKind,
  type RoiRules,
} from "./plausibility_rules.ts";

/** The file's name inside the data dir's own folder. */
export const PREVALUES_FILE = "prevalues.json";

/** What a ROI's PreValue looks like to the API and the UI (times in seconds since the epoch). */
export interface PreValueView {
  source: string;
  roi_id: string;
  /** The last accepted value; null when none (text ROIs, or nothing accepted yet). */
  value: number | null;
  /** The text of the last accepted reading (absent when set by hand). */
  text?: string;
  /** When the value was accepted or set; null when never. */
  time: number | null;
  /** A jump waiting for `confirm_after`: its value and how many agreeing readings so far. */
  pending: { value: number; count: number } | null;
  /** The last judged reading. */
  last: LastStatus | null;
}

/** The last judged reading of a ROI. */
export interface LastStatus {
  status: "accepted" | "rejected";
  reason?: string;
  text: string;
  value?: number;
  /** Seconds since the epoch. */
  time: number;
}

interface Entry {
  source: string;
  roi_id: string;
  state?: PreValueState;
  last?: LastStatus;
}

/** Options; defaults in brackets. */
export interface PlausibilityOptions {
  /** The JSON file (`<dataDir>/.visionroi/prevalues.json`). */
  path: string;
  /** [systemClock] */
  clock?: Clock;
  /** Most ms between a change and its write [1000]. */
  flushMs?: number;
  /** Most ROIs kept; the least recently judged go [10000]. */
  maxRois?: number;
  /** Told of each rejected reading (the metrics counter). */
  onReject?: (module: string, kind: RejectKind) => void;
  /** [console.error] */
  log?: (line: string) => void;
}

/** The rules of a ROI by id, as the job's current desired state has them. */
export type RulesOf = (roiId: string) => RoiRules | null | undefined;

const keyOf = (source: string, roiId: string) => `${source}\u0000${roiId}`;

/** PreValues and the judging of live results. */
export class Plausibility {
  #o: Required<Omit<PlausibilityOptions, "onReject">> & Pick<PlausibilityOptions, "onReject">;
  #entries = new Map<string, Entry>();
  #dirty = false;
  #timer: TimerId | undefined;
  #writing: Promise<void> = Promise.resolve();
  /** Writes that failed (each logged); the next change tries again. */
  writeFailures = 0;
  /** ROIs forgotten because more than `maxRois` were kept. */
  evicted = 0;

  constructor(opts: PlausibilityOptions) {
    this.#o = {
      clock: systemClock,
      flushMs: 1000,
      maxRois: 10_000,
      log: (line) => console.error(line),
      ...opts,
    };
  }

  /** Reads the file; a missing one is empty, a damaged one is logged and replaced on next write. */
  async load(): Promise<void> {
    let raw: string;
    try {
      raw = await Deno.readTextFile(this.#o.path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      throw err;
    }
    try {
      const doc = JSON.parse(raw) as { rois?: Entry[] };
      for (const e of doc.rois ?? []) {
        if (typeof e?.source !== "string" || typeof e?.roi_id !== "string") continue;
        this.#entries.set(keyOf(e.source, e.roi_id), e);
      }
    } catch (err) {
      this.#o.log(
        `prevalues: ${this.#o.path} not read (${(err as Error).message}); starting empty`,
      );
    }
  }

  /**
   * Judges every entry of `result` whose ROI has rules, in place (a failed read is rejected): `status`,
   * `reason` when rejected, `value`, and `unchanged` when `on_change_only` holds it back.
   */
  judge(result: FrameResult, rulesOf: RulesOf): void {
    const now = this.#o.clock.now();
    for (const e of result.results) {
      const roiRules = rulesOf(e.id);
      if (!roiRules) continue;
      const source = e.source || result.source || `cam:${e.cam_id || result.cam_id}`;
      const entry = this.#touch(source, e.id);
      if (e.error) {
        // A failed read is not a value: it must not reach the state topics or the accepted
        // history, and the PreValue stays as it was.
        e.status = "rejected";
        e.reason = `read failed: ${e.error.slice(0, 200)}`;
        delete e.value;
        entry.last = { status: "rejected", reason: e.reason, text: e.text, time: now / 1000 };
        this.#o.onReject?.(e.module, "error");
        this.#changed();
        continue;
      }
      const rules = effectiveRules(roiRules, e.engine ?? e.module);
      const j = judge(rules, entry.state, { text: e.text, value: e.value }, now);
      e.status = j.status;
      if (j.reason) e.reason = j.reason;
      if (j.value !== undefined) e.value = j.value;
      else delete e.value;
      if (j.unchanged) e.unchanged = true;
      entry.state = j.state;
      entry.last = {
        status: j.status,
        ...(j.reason ? { reason: j.reason } : {}),
        text: e.text,
        ...(j.value !== undefined ? { value: j.value } : {}),
        time: now / 1000,
      };
      if (j.status === "rejected" && j.kind) this.#o.onReject?.(e.module, j.kind);
      this.#changed();
    }
  }

  /** One ROI's PreValue and last status, or undefined when it has none. */
  get(source: string, roiId: string): PreValueView | undefined {
    const e = this.#entries.get(keyOf(source, roiId));
    return e && view(e);
  }

  /** Every ROI of a source that has a PreValue or a status. */
  list(source: string): PreValueView[] {
    return [...this.#entries.values()].filter((e) => e.source === source).map(view);
  }

  /** Sets a ROI's PreValue by hand (now, no pending level) and writes it before answering. */
  async setPreValue(source: string, roiId: string, value: number): Promise<PreValueView> {
    if (!Number.isFinite(value)) throw new RangeError(`invalid value ${value}: must be finite`);
    const entry = this.#touch(source, roiId);
    const before = entry.state;
    entry.state = { value, time: this.#o.clock.now() };
    this.#dirty = true;
    try {
      await this.flush({ throwOnError: true });
    } catch (err) {
      // Not written (a full disk): nothing changed.
      entry.state = before;
      throw err;
    }
    return view(entry);
  }

  /** Writes pending changes now. */
  async flush(opts: { throwOnError?: boolean } = {}): Promise<void> {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const run = this.#writing.then(() => this.#write());
    this.#writing = run.catch(() => {});
    try {
      await run;
    } catch (err) {
      if (opts.throwOnError) throw err;
    }
  }

  #touch(source: string, roiId: string): Entry {
    const key = keyOf(source, roiId);
    const entry = this.#entries.get(key) ?? { source, roi_id: roiId };
    // Map order is recency: the least recently judged ROI is first and goes first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#o.maxRois) {
      this.#entries.delete(this.#entries.keys().next().value!);
      this.evicted++;
    }
    return entry;
  }

  #changed(): void {
    this.#dirty = true;
    this.#timer ??= this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#o.flushMs);
  }

  async #write(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const doc = { version: 1, rois: [...this.#entries.values()] };
    try {
      await writeFileAtomic(this.#o.path, JSON.stringify(doc) + "\n");
    } catch (err) {
      this.#dirty = true;
      this.writeFailures++;
      this.#o.log(`prevalues: not written: ${(err as Error).message}`);
      throw err;
    }
  }
}

function view(e: Entry): PreValueView {
  const s = e.state;
  return {
    source: e.source,
    roi_id: e.roi_id,
    value: s?.value ?? null,
    ...(s?.text !== undefined ? { text: s.text } : {}),
    time: s ? s.time / 1000 : null,
    pending: s?.pending ? { value: s.pending.value, count: s.pending.count } : null,
    last: e.last ?? null,
  };
}
