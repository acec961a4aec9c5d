/**
 * Telegram notifications for ROI results (what VisionROI's docs promise; its only use was a
 * hard-coded bot in one module). A rule names an ROI (or any) and fires when its text changed or
 * matches a pattern; each ROI is rate-limited; the message is a text, or the ROI crop as a photo
 * with the text as caption. Bot token and chat id come from `telegram.json` in the data dir or the
 * environment, never from source; the Bot API base URL is a setting so tests use a local server.
 */
import { join } from "node:path";
import type { FrameResult, RoiResultEntry } from "../jobs/result_bus.ts";
import { type Clock, systemClock } from "../runtime/mod.ts";

/** When a rule fires. */
export interface TelegramRule {
  /** ROI id it watches; absent = every ROI. */
  roi?: string;
  /** cam_id it watches; absent = every job. */
  cam_id?: string;
  /** `changed`: the text differs from the ROI's previous text; `match`: `pattern` matches. */
  when: "changed" | "match";
  /** Regular expression for `match`. */
  pattern?: string;
  /** Send the ROI crop as a photo (when the result carries it). */
  photo?: boolean;
}

/** Validated settings. */
export interface TelegramSettings {
  bot_token: string;
  chat_id: string;
  /** Bot API base URL (default `https://api.telegram.org`). */
  api_base: string;
  /** Least seconds between two messages of one ROI (default 5, VisionROI's `TG_TIME_INTERVAL`). */
  rate_limit_s: number;
  rules: TelegramRule[];
}

/** Counters for the API and tests. */
export interface TelegramStats {
  sent: number;
  rate_limited: number;
  failed: number;
  /** Messages dropped because 100 were already waiting. */
  dropped: number;
  last_error: string | null;
}

/** Environment variables read when `telegram.json` lacks the field. */
export const TELEGRAM_ENV = {
  bot_token: "VISIONROI_TELEGRAM_BOT_TOKEN",
  chat_id: "VISIONROI_TELEGRAM_CHAT_ID",
  api_base: "VISIONROI_TELEGRAM_API_BASE",
} as const;

/** Builds settings from a parsed `telegram.json` (or undefined) over the environment. */
export function telegramSettings(
  raw: unknown,
  env: (name: string) => string | undefined,
): TelegramSettings | undefined {
  const file = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const pick = (k: keyof typeof TELEGRAM_ENV) =>
    typeof file[k] === "string" && file[k] ? String(file[k]) : env(TELEGRAM_ENV[k]) ?? "";
  const bot_token = pick("bot_token");
  const chat_id = pick("chat_id");
  if (!bot_token || !chat_id) return undefined;
  const rate = file.rate_limit_s ?? 5;
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) {
    throw new RangeError(`invalid rate_limit_s ${JSON.stringify(rate)}: expected seconds ≥ 0`);
  }
  const rules = file.rules ?? [];
  if (!Array.isArray(rules)) throw new RangeError("invalid rules: expected an array");
  return {
    bot_token,
    chat_id,
    api_base: (pick("api_base") || "https://api.telegram.org").replace(/\/+$/, ""),
    rate_limit_s: rate,
    rules: rules.map(checkRule),
  };
}

function checkRule(raw: unknown, i: number): TelegramRule {
  const r = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  if (r.when !== "changed" && r.when !== "match") {
    throw new RangeError(
      `invalid rules[${i}].when ${JSON.stringify(r.when)}: "changed" or "match"`,
    );
  }
  if (r.when === "match") {
    if (typeof r.pattern !== "string") {
      throw new RangeError(`invalid rules[${i}].pattern: a "match" rule needs a pattern`);
    }
    try {
      new RegExp(r.pattern);
    } catch (err) {
      throw new RangeError(`invalid rules[${i}].pattern ${JSON.stringify(r.pattern)}: ${err}`);
    }
  }
  return {
    roi: r.roi === undefined ? undefined : String(r.roi),
    cam_id: r.cam_id === undefined ? undefined : String(r.cam_id),
    when: r.when,
    pattern: r.when === "match" ? String(r.pattern) : undefined,
    photo: r.photo === true,
  };
}

/** Reads `<dataDir>/telegram.json` (missing = env only); undefined when no bot is configured. */
export async function loadTelegramSettings(
  dataDir: string,
  env: (name: string) => string | undefined,
): Promise<TelegramSettings | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(join(dataDir, "telegram.json")));
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return telegramSettings(raw, env);
}

interface Outgoing {
  text: string;
  image?: string;
}

/** Sends notifications in order, one at a time, from a queue of at most 100. */
export class TelegramNotifier {
  readonly settings: TelegramSettings;
  #fetch: typeof fetch;
  #clock: Clock;
  #lastText = new Map<string, string>();
  #lastSent = new Map<string, number>();
  #patterns: (RegExp | undefined)[];
  #queue: Outgoing[] = [];
  #running: Promise<void> | undefined;
  #stats: TelegramStats = { sent: 0, rate_limited: 0, failed: 0, dropped: 0, last_error: null };

  constructor(settings: TelegramSettings, opts: { fetch?: typeof fetch; clock?: Clock } = {}) {
    this.settings = settings;
    this.#fetch = opts.fetch ?? fetch;
    this.#clock = opts.clock ?? systemClock;
    this.#patterns = settings.rules.map((r) => (r.pattern ? new RegExp(r.pattern) : undefined));
  }

  /** Whether a job's results should carry crops (a photo rule watches it). */
  wantsImages(camId: string): boolean {
    return this.settings.rules.some((r) => r.photo && (!r.cam_id || r.cam_id === camId));
  }

  /** The ResultBus sink. */
  readonly sink = (result: FrameResult): void => {
    for (const entry of result.results) {
      // Rejected readings (plausibility rules) and held-back repeats never notify.
      if (entry.status === "rejected" || entry.unchanged) continue;
      this.#consider(entry);
    }
  };

  /** Counters. */
  stats(): TelegramStats {
    return { ...this.#stats };
  }

  /** Resolves once every queued message was sent (or failed). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #consider(entry: RoiResultEntry): void {
    const key = `${entry.cam_id}\u0000${entry.id}`;
    const previous = this.#lastText.get(key);
    this.#lastText.set(key, entry.text);
    const rule = this.settings.rules.findIndex((r, i) =>
      (!r.roi || r.roi === entry.id) && (!r.cam_id || r.cam_id === entry.cam_id) &&
      (r.when === "changed"
        ? previous !== undefined && previous !== entry.text
        : this.#patterns[i]!.test(entry.text))
    );
    if (rule < 0) return;
    const now = this.#clock.now();
    const last = this.#lastSent.get(key);
    if (last !== undefined && now - last < this.settings.rate_limit_s * 1000) {
      this.#stats.rate_limited++;
      return;
    }
    this.#lastSent.set(key, now);
    const text = `${entry.name || entry.id} (${entry.cam_id}): ${entry.text}`;
    const photo = this.settings.rules[rule].photo && entry.image;
    this.#enqueue(photo ? { text, image: entry.image } : { text });
  }

  #enqueue(m: Outgoing): void {
    if (this.#queue.length >= 100) {
      this.#queue.shift();
      this.#stats.dropped++;
    }
    this.#queue.push(m);
    this.#running ??= this.#drain().finally(() => (this.#running = undefined));
  }

  async #drain(): Promise<void> {
    for (let m = this.#queue.shift(); m; m = this.#queue.shift()) {
      try {
        await this.#send(m);
        this.#stats.sent++;
      } catch (err) {
        this.#stats.failed++;
        this.#stats.last_error = (err as Error).message;
        console.error(`telegram: ${(err as Error).message}`);
      }
    }
  }

  async #send(m: Outgoing): Promise<void> {
    const { api_base, bot_token, chat_id } = this.settings;
    const method = m.image ? "sendPhoto" : "sendMessage";
    let body: BodyInit;
    const headers: Record<string, string> = {};
    if (m.image) {
      const form = new FormData();
      form.set("chat_id", chat_id);
      form.set("caption", m.text);
      const bytes = Uint8Array.from(atob(m.image), (c) => c.charCodeAt(0));
      form.set("photo", new Blob([bytes], { type: "image/jpeg" }), "roi.jpg");
      body = form;
    } else {
      headers["content-type"] = "application/json";
      body = JSON.stringify({ chat_id, text: m.text });
    }
    const res = await this.#fetch(`${api_base}/bot${bot_token}/${method}`, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(30_000),
    });
    const answer = await res.json().catch(() => ({ description: `HTTP ${res.status}` }));
    if (!res.ok || answer?.ok !== true) {
      // The token is part of the URL: never put the URL in the message.
      throw new Error(`${method} failed: ${answer?.description ?? `HTTP ${res.status}`}`);
    }
  }
}
