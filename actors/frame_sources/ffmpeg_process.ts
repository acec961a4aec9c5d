/**
 * ffmpeg and ffprobe child processes: spawning, stderr capture, stopping, and the module-level
 * registry that lets the process kill every child on exit. A stalled child (a silent camera)
 * writes nothing, so it does not die of EPIPE when we exit; only this registry ends it.
 */

import { FrameSourceError } from "./frame.ts";

/** How long a child gets after SIGTERM before SIGKILL, in milliseconds. */
export const STOP_GRACE_MS = 1_000;

/** How many of the child's last stderr lines are kept for error messages. */
const STDERR_TAIL_LINES = 12;
/** Longest stderr line kept, so a binary spew cannot grow memory. */
const STDERR_LINE_MAX = 400;

const live = new Set<ChildHandle>();

/** A spawned child with its stdout left to the caller and its stderr tail kept for errors. */
export class ChildHandle {
  /** Process id. */
  readonly pid: number;
  /** Raw stdout; the caller reads it (a byte stream, so BYOB readers work). */
  readonly stdout: ReadableStream<Uint8Array<ArrayBuffer>>;
  /** Resolves with the exit status once the child ended and was reaped. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Resolves once stderr reached EOF, so {@linkcode ChildHandle.stderrTail} is complete. */
  readonly stderrDone: Promise<void>;
  #child: Deno.ChildProcess;
  #tail: string[] = [];
  #exited = false;
  #stopping: Promise<Deno.CommandStatus> | undefined;

  /** Wraps a just-spawned child, starts draining its stderr and registers it as live. */
  constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.pid = child.pid;
    this.stdout = child.stdout;
    this.status = child.status.then((s) => {
      this.#exited = true;
      live.delete(this);
      return s;
    });
    this.stderrDone = this.#drainStderr(child.stderr);
    live.add(this);
  }

  /** The child's last stderr lines, joined by "; " (empty when it printed nothing). */
  stderrTail(): string {
    return this.#tail.join("; ");
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status once stderr is drained too. Idempotent. */
  stop(graceMs: number = STOP_GRACE_MS): Promise<Deno.CommandStatus> {
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<Deno.CommandStatus> {
    this.#signal("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<"late">((resolve) =>
      timer = setTimeout(() => resolve("late"), graceMs)
    );
    const first = await Promise.race([this.status, grace]);
    clearTimeout(timer);
    if (first === "late") this.#signal("SIGKILL");
    const status = await this.status;
    await this.stderrDone;
    return status;
  }

  #signal(signal: Deno.Signal): void {
    if (this.#exited) return;
    try {
      this.#child.kill(signal);
    } catch (error) {
      // The child can exit between the check above and kill(); that race is the only expected failure.
      if (!(error instanceof TypeError && /already terminated/i.test(error.message))) throw error;
    }
  }

  async #drainStderr(stderr: ReadableStream<Uint8Array>): Promise<void> {
    let partial = "";
    const decoder = new TextDecoder();
    try {
      for await (const bytes of stderr) {
        const chunk = decoder.decode(bytes, { stream: true });
        const lines = (partial + chunk).split(/\r?\n|\r/);
        partial = lines.pop() ?? "";
        for (const line of lines) this.#keep(line);
      }
    } catch (error) {
      // The tail is only there to explain a failure; a broken stderr pipe becomes part of it.
      this.#keep(`(stderr unreadable: ${error instanceof Error ? error.message : String(error)})`);
    }
    this.#keep(partial);
  }

  #keep(line: string): void {
    const trimmed = line.trim();
    if (trimmed === "") return;
    this.#tail.push(trimmed.slice(0, STDERR_LINE_MAX));
    if (this.#tail.length > STDERR_TAIL_LINES) this.#tail.shift();
  }
}

/**
 * Spawns `program` with piped stdout/stderr and registers it. A missing binary becomes a
 * {@linkcode FrameSourceError} so the camera shows "ffmpeg is not installed" instead of a stack.
 */
export function spawnChild(program: string, args: readonly string[]): ChildHandle {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args: [...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new FrameSourceError(`${program} is not installed (not found on PATH)`, {
        cause: error,
      });
    }
    throw error;
  }
  return new ChildHandle(child);
}

/** Stops every live ffmpeg/ffprobe child (SIGTERM, SIGKILL after the grace); for SIGINT/SIGTERM and /_quit. */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...live].map((child) => child.stop()));
}

/** Pids of the ffmpeg/ffprobe children still running (for tests and diagnostics). */
export function ffmpegChildPids(): number[] {
  return [...live].map((child) => child.pid);
}

/** Whether `ffmpeg` can be run here (`ffmpeg -version` succeeds). */
export async function ffmpegAvailable(): Promise<boolean> {
  try {
    const out = await new Deno.Command("ffmpeg", {
      args: ["-version"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
