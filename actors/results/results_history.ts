/**
 * The live results history: every ROI reading a live job publishes becomes one row in the
 * database (a frame's rows in one transaction), and rows beyond the retention (age, count) are
 * pruned at start and then hourly.
 */
import type { FrameResult, ResultSink } from "../jobs/result_bus.ts";
import type { BatchDb, LiveRow } from "../../storage/batch_db.ts";
import { mainNumber } from "../../inference_modules/main_number.ts";
import { capText } from "../../storage/text_cap.ts";

/** Retention of the history. */
export interface RetentionOptions {
  /** Rows older than this many days go [30]. */
  maxAgeDays?: number;
  /** At most this many rows stay, newest kept [1,000,000]. */
  maxRows?: number;
  /** Milliseconds between prunes [1 hour]. */
  everyMs?: number;
}

/**
 * The rows of one published frame: errors are not readings and are left out, and so are repeats
 * that `on_change_only` holds back; a rejected reading is kept with its status and reason.
 */
export function liveRowsOf(result: FrameResult): LiveRow[] {
  return result.results.filter((e) => !e.error && !e.unchanged).map((e) => ({
    time: e.frame_time,
    cam_id: e.cam_id || result.cam_id,
    source: e.source || result.source,
    roi_id: e.id,
    name: e.name,
    module: e.module,
    // A module's text is capped in the pool already; the history never stores more either.
    text: capText(e.text).text,
    // A judged reading (plausibility rules) keeps the rules' value only: a text they found no
    // number in (`T 23`, rejected) must not gain one here.
    value: e.status !== undefined ? (e.value ?? null) : (e.value ?? mainNumber(e.text) ?? null),
    duration: e.duration,
    status: e.status ?? null,
    reason: e.reason ?? null,
  }));
}

/** A result-bus sink that stores every reading in `db`. */
export function historySink(db: BatchDb): ResultSink {
  return (result) => db.insertLive(liveRowsOf(result));
}

/** Prunes now and every `everyMs`; returns the stop function. */
export function startRetention(db: BatchDb, opts: RetentionOptions = {}): () => void {
  const { maxAgeDays = 30, maxRows = 1_000_000, everyMs = 3_600_000 } = opts;
  const prune = () => {
    const removed = db.pruneLive({ before: Date.now() / 1000 - maxAgeDays * 86_400, maxRows });
    if (removed > 0) console.log(`results history: pruned ${removed} rows`);
  };
  prune();
  const timer = setInterval(prune, everyMs);
  return () => clearInterval(timer);
}
