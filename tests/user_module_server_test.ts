/**
 * A user module that loops for ever inside a running job, on a real server process: each frame's
 * ROI gets a deadline error, its process is SIGKILLed (not left spinning), the module is disabled
 * after 3 kills with the reason on `/api/modules`, the healthy ROI beside it keeps being read, and
 * a stop leaves no module process behind.
 */
import assert from "node:assert/strict";
import { createSource, post } from "./helpers/http.ts";
import { startServer } from "./helpers/server.ts";
import { writePanelPng } from "./helpers/panel.ts";
import { waitFor } from "./helpers/wait.ts";
import { writeTestkit } from "../inference_modules/testing/test_modules.ts";

type Json = Record<string, unknown>;
type Entry = { id: string; text: string; error?: string };

/** Module processes (module_host.ts) whose command line names `needle`: `[pid, ppid]`. */
async function moduleHosts(needle: string): Promise<[number, number][]> {
  const out: [number, number][] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = await Deno.readTextFile(`/proc/${e.name}/cmdline`);
      if (!cmd.includes("module_host.ts") || !cmd.includes(needle)) continue;
      const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      out.push([Number(e.name), ppid]);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err; // ended meanwhile
    }
  }
  return out;
}

const square = (x: number) => [
  { x, y: 10 },
  { x: x + 20, y: 10 },
  { x: x + 20, y: 30 },
  { x, y: 30 },
];

Deno.test({
  name: "a looping user module in a job: deadline errors, real kills, disabled, job goes on",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "visionroi_user_module_" });
    const data = `${dir}/data`;
    await writeTestkit(data, "testkit");
    const spinnerDir = await writeTestkit(data, "spinner");
    await writePanelPng(`${dir}/panel.png`, 0);
    const server = await startServer(data, ["--no-demo", "--workers", "1"]);
    try {
      await createSource(server.url, "panel", `${dir}/panel.png`);
      const saved = await post(`${server.url}/save_roi`, {
        source: "panel",
        rois: [
          { id: "ok", name: "ok", module: "testkit", points: square(10) },
          {
            id: "spin",
            name: "spin",
            module: "spinner",
            points: square(50),
            params: { mode: "loop" },
          },
        ],
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.json));
      const start = await post(`${server.url}/start_inference/line1`, {
        name: "panel",
        interval: 0,
        result_timeout: 3,
      });
      assert.equal(start.status, 200, JSON.stringify(start.json));
      const ws = new WebSocket(server.url.replace("http", "ws") + "/ws_roi_result/line1");
      const frames: Entry[][] = [];
      ws.onmessage = (e) => {
        const msg = JSON.parse(e.data) as Json;
        if (Array.isArray(msg.results)) frames.push(msg.results as Entry[]);
      };
      const byId = (f: Entry[]) => Object.fromEntries(f.map((r) => [r.id, r]));
      const killed = await waitFor(
        () =>
          frames.map(byId).find((f) =>
            /deadline of 3000 ms passed while running in its module process \(killed\)/.test(
              f.spin?.error ?? "",
            )
          ),
        { timeoutMs: 60_000, what: "a frame whose looping ROI was killed at its deadline" },
      );
      assert.equal(killed.ok.text, "20x20", "the healthy ROI in the same frame is read");
      const disabled = await waitFor(async () => {
        const list = await (await fetch(`${server.url}/api/modules`)).json() as {
          name: string;
          process?: { state: string; disabled_reason?: string };
        }[];
        const spinner = list.find((m) => m.name === "spinner");
        return spinner?.process?.state === "disabled" && spinner.process;
      }, { timeoutMs: 60_000, what: "spinner disabled" });
      assert.match(
        disabled.disabled_reason ?? "",
        /^module "spinner" disabled: its process died 3 times in 60 s \(last: ROI "spin" passed its deadline of 3000 ms\)/,
      );
      // The job goes on: later frames read "ok" and say why "spin" has no reading.
      const after = frames.length;
      const later = await waitFor(
        () => frames.slice(after).map(byId).find((f) => /disabled/.test(f.spin?.error ?? "")),
        { timeoutMs: 30_000, what: "a frame after the disabling" },
      );
      assert.equal(later.ok.text, "20x20");
      assert.deepEqual(await moduleHosts(spinnerDir), [], "no spinner process is left running");
      const healthy = await moduleHosts(`${data}/inference_modules/testkit`);
      assert.equal(healthy.length, 1);
      assert.equal(healthy[0][1], server.pid);
      ws.close();
      server.child.kill("SIGTERM");
      await server.exited();
      assert.deepEqual(await moduleHosts(data), [], "the stop ends every module process");
    } finally {
      await server.kill9(); // no-op when the SIGTERM above already ended it
      await Deno.remove(dir, { recursive: true });
    }
  },
});
