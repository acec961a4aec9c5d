/**
 * Entry point of a user module's own process (`deno run` child started by module_process.ts): one
 * module, one read at a time, messages over stdin/stdout (stdio_codec.ts). The process has only
 * the permissions its parent gave it (read its own folder; net only when the module declares it),
 * and it can be killed for real, which a Web Worker stuck in a loop cannot.
 *
 * stdout carries the protocol, so console output goes to stderr; a module that writes to stdout
 * itself breaks the framing and its process is killed.
 */
import { loadCv } from "./cv_loader.ts";
import type { CreateEngine, ModuleEngine, ReadContext, RgbaImage } from "./module_types.ts";
import type { FromModuleProcess, ProcessInit, ProcessRead, ToModuleProcess } from "./protocol.ts";
import { limitOutput } from "./output_limits.ts";
import { encodePacket, readPackets } from "./stdio_codec.ts";

/** Largest message the parent may send: two frame-sized images plus JSON. */
const MAX_IN_BYTES = 256 * 1024 * 1024;

for (const name of ["log", "info", "debug", "dir", "table", "trace"] as const) {
  // deno-lint-ignore no-explicit-any
  (console as any)[name] = (...args: unknown[]) => console.error(...args);
}

const out = Deno.stdout.writable.getWriter();
let writing = Promise.resolve();

function send(message: FromModuleProcess): Promise<void> {
  const bytes = encodePacket(message);
  writing = writing.then(() => out.write(bytes));
  return writing;
}

let engine: ModuleEngine | undefined;

async function init(msg: ProcessInit): Promise<void> {
  const started = performance.now();
  try {
    const { cv } = await loadCv();
    const mod = await import(msg.engineUrl);
    const create = mod.createEngine as CreateEngine | undefined;
    if (typeof create !== "function") {
      throw new TypeError(`${msg.engineUrl} exports no createEngine`);
    }
    engine = await create({ cv, onnxBackend: msg.onnxBackend, dataDir: msg.dataDir, env: msg.env });
    await send({ type: "ready", initMs: performance.now() - started, problems: [] });
  } catch (e) {
    const message = `module "${msg.module}" failed to load: ${(e as Error)?.message ?? e}`;
    await send({ type: "init_failed", message });
  }
}

function image(header: { width: number; height: number }, bytes: Uint8Array): RgbaImage {
  return { width: header.width, height: header.height, data: bytes };
}

async function read(msg: ProcessRead, binary: Uint8Array): Promise<void> {
  const started = performance.now();
  try {
    if (!engine) throw new Error("read before the engine was ready");
    const cropBytes = msg.crop.width * msg.crop.height * 4;
    const ctx: ReadContext = {
      roiId: msg.roiId,
      surround: msg.surround ? image(msg.surround, binary.subarray(cropBytes)) : undefined,
      surroundRect: msg.surroundRect,
    };
    const answer = await engine.read(
      image(msg.crop, binary.subarray(0, cropBytes)),
      msg.params,
      ctx,
    );
    const { output, truncated } = limitOutput(answer);
    const workMs = performance.now() - started;
    await send({ type: "result", taskId: msg.taskId, ok: true, output, truncated, workMs });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await send({
      type: "result",
      taskId: msg.taskId,
      ok: false,
      message: message.slice(0, 1000),
      workMs: performance.now() - started,
    });
  }
}

for await (
  const { json, binary } of readPackets<ToModuleProcess>(Deno.stdin.readable, MAX_IN_BYTES)
) {
  switch (json.type) {
    case "init":
      await init(json);
      break;
    case "read":
      // Reads run one at a time; the parent sends the next only after this one's answer.
      void read(json, binary);
      break;
    case "ping":
      void send({ type: "pong", seq: json.seq });
      break;
  }
}
// stdin closed: the parent is gone or done with this module.
Deno.exit(0);
