/**
 * The OpenAPI document is true: a generated request set (a valid example and many bad requests
 * for every operation, on a real server process) gets only answers whose status is declared for
 * the operation and whose JSON body matches the declared schema.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { startServer } from "./helpers/server.ts";
import { makeClip } from "./helpers/media.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";
import { SpecChecker } from "./helpers/openapi_check.ts";
import {
  type Example,
  fillPath,
  operationRequests,
  send,
  type SpecRequest,
} from "./helpers/spec_requests.ts";

type Json = Record<string, unknown>;

const ROIS = panelRois();
const ONE_ROI = ROIS.filter((r) => r.module === "light_button");
/** A port nothing listens on: the MQTT fixture's broker (it retries in the background). */
const CLOSED_PORT = "1";
/** A webhook receiver nobody runs (deliveries wait in the hook's queue). */
const HOOK_URL = "http://127.0.0.1:9/hook";

/** Valid examples by `method template`; an operation without one is sent with no input. */
function examples(fx: { taskId: string; png: Uint8Array }): Record<string, Example> {
  const image = () => {
    const f = new FormData();
    f.set("image", new Blob([fx.png as Uint8Array<ArrayBuffer>], { type: "image/png" }), "p.png");
    f.set("rois", JSON.stringify(ONE_ROI));
    return f;
  };
  const upload = () => {
    const f = new FormData();
    f.set("file", new Blob([fx.png as Uint8Array<ArrayBuffer>], { type: "image/png" }), "p.png");
    f.set("rois", JSON.stringify(ONE_ROI));
    return f;
  };
  const cam = { cam_id: "cam1" };
  return {
    "get /jobs/{id}": { params: { id: fx.taskId } },
    "get /static/{path}": { params: { path: "ui/missing.js" } },
    "get /source_config": { query: { name: "cam1" } },
    "post /create_source": { form: () => new URLSearchParams({ name: "src2", source: "demo" }) },
    "delete /delete_source/{name}": { params: { name: "src3" } },
    "patch /update_stream_type/{name}": {
      params: { name: "cam1" },
      json: { stream_type: "ffmpeg" },
    },
    "patch /update_source/{name}": { params: { name: "cam1" }, json: { source: "demo" } },
    "patch /rename_source/{name}": { params: { name: "src2" }, json: { name: "src3" } },
    "post /start_roi_stream/{cam_id}": { params: cam, json: { name: "cam1" } },
    "post /stop_roi_stream/{cam_id}": { params: cam },
    "post /roi_stream_heartbeat/{cam_id}": { params: { cam_id: "roi_hb" } },
    "get /roi_stream_status/{cam_id}": { params: cam },
    "get /ws_snapshot/{cam_id}": { params: cam },
    "get /api/cameras/{id}": { params: { id: "cam1" } },
    "post /start_inference/{cam_id}": { params: cam, json: { name: "cam1", interval: 5 } },
    "post /stop_inference/{cam_id}": { params: cam },
    "get /inference_status/{cam_id}": { params: cam },
    "post /api/read": { form: image },
    "post /save_roi": { json: { source: "cam1", rois: ROIS } },
    "get /load_roi/{name}": { params: { name: "cam1" } },
    "get /load_roi_file": { query: { path: "data_sources/cam1/rois.json" } },
    "get /read_log": { query: { source: "cam1", lines: "5" } },
    "get /api/rois/{source}/prevalues": { params: { source: "cam1" } },
    "get /api/rois/{source}/{roi_id}/prevalue": { params: { source: "cam1", roi_id: "counter" } },
    "post /api/rois/{source}/{roi_id}/prevalue": {
      params: { source: "cam1", roi_id: "counter" },
      json: { value: 1234.5 },
    },
    "post /api/batch": { form: upload },
    "get /api/batch": { query: { status: "completed" } },
    "get /api/batch/{id}": { params: { id: fx.taskId } },
    "delete /api/batch/{id}": { params: { id: fx.taskId } },
    "post /api/batch/{id}/cancel": { params: { id: fx.taskId } },
    "get /api/batch/{id}/results": { params: { id: fx.taskId }, query: { format: "csv" } },
    "get /api/results": { query: { format: "json", limit: "10" } },
    "post /mqtt_configs": { json: { name: "broker2", host: "127.0.0.1", port: CLOSED_PORT } },
    "put /mqtt_configs/{name}": {
      params: { name: "broker1" },
      json: { name: "broker1", host: "127.0.0.1", port: CLOSED_PORT, qos: 1 },
    },
    "delete /mqtt_configs/{name}": { params: { name: "broker2" } },
    "post /api/webhooks": { json: { name: "hook2", url: HOOK_URL } },
    "get /api/webhooks/{name}": { params: { name: "hook1" } },
    "put /api/webhooks/{name}": { params: { name: "hook1" }, json: { timeout_s: 2 } },
    "delete /api/webhooks/{name}": { params: { name: "hook2" } },
    "post /mqtt_configs/{name}/test": { params: { name: "broker1" } },
    "post /mqtt_configs/test": { json: { name: "probe", host: "127.0.0.1", port: CLOSED_PORT } },
    "post /mqtt_configs/{name}/assign": { params: { name: "broker1" }, json: { source: "cam1" } },
    "get /ws_roi_result/{cam_id}": { params: cam },
    "get /ws_roi/{cam_id}": { params: cam },
    "get /ws/{cam_id}": { params: cam },
    "get /login": { query: { next: "/home" } },
    "post /login": { json: { token: "anything", next: "/home" } },
    "post /logout": { headers: { accept: "application/json" } },
  };
}

/** Operations whose every answer is a refusal. */
const ALWAYS_REFUSED = new Set([
  "delete /mqtt_configs/",
  // No broker listens here: a 502 (tests/mqtt_page_api_test.ts tests against a real mosquitto).
  "post /mqtt_configs/{name}/test",
  "post /mqtt_configs/test",
]);

/** Deletes and the shutdown go last, so the other operations find their fixtures. */
function order(method: string, template: string): number {
  if (template === "/_quit") return 3;
  return method === "delete" ? 2 : 1;
}

/** Tallies answers and collects what does not conform. */
class Tally {
  readonly failures: string[] = [];
  readonly byStatus = new Map<number, number>();
  readonly covered = new Set<string>();
  readonly succeeded = new Set<string>();
  /** Requests answered 500, as `key [label]`. */
  readonly internal: string[] = [];
  constructor(readonly checker: SpecChecker) {}

  /** Sends `req`, checks the answer, and returns its status and JSON body (if any). */
  async run(base: string, req: SpecRequest): Promise<{ status: number; json?: Json }> {
    const answer = await send(base, req);
    const key = `${req.method} ${req.template}`;
    this.covered.add(key);
    if (answer.status < 400) this.succeeded.add(key);
    if (answer.status === 500) this.internal.push(`${key} [${req.label}]`);
    this.byStatus.set(answer.status, (this.byStatus.get(answer.status) ?? 0) + 1);
    for (const p of this.checker.problems({ ...req, ...answer })) {
      this.failures.push(`${key} [${req.label}]: ${p}`);
    }
    const json = /json/.test(answer.contentType) ? JSON.parse(answer.body || "null") : undefined;
    return { status: answer.status, json };
  }
}

Deno.test({
  name: "every answer to a generated request set is declared in /openapi.json with its schema",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const started = performance.now();
    const dir = await Deno.makeTempDir({ prefix: "visionroi-openapi-" });
    const pngPath = join(dir, "panel.png");
    await writePanelPng(pngPath, 3);
    const png = await Deno.readFile(pngPath);
    const clip = await makeClip(dir, { seconds: 4, width: 1280, height: 720 });
    const common = ["--no-demo", "--workers", "1", "--max-upload", "3000000"];
    const [open, locked] = await Promise.all([
      startServer(join(dir, "open"), common),
      startServer(join(dir, "locked"), [...common, "--auth", "required"]),
    ]);
    try {
      const doc = await (await fetch(`${open.url}/openapi.json`)).json() as Json;
      const checker = new SpecChecker(doc);
      const tally = new Tally(checker);
      const ajv = new Ajv2020({ strict: false });
      const ops = checker.operations();
      const req = (method: string, template: string, ex: Example, label = "setup") => {
        const r = operationRequests(method, template, {}, ex, { ajv })[0];
        return { ...r, label };
      };

      // Fixtures, made through the API (and checked like everything else).
      await tally.run(
        open.url,
        req("post", "/create_source", {
          form: () => new URLSearchParams({ name: "cam1", source: "demo" }),
        }),
      );
      await tally.run(open.url, req("post", "/save_roi", { json: { source: "cam1", rois: ROIS } }));
      await tally.run(
        open.url,
        req("post", "/mqtt_configs", {
          json: { name: "broker1", host: "127.0.0.1", port: CLOSED_PORT },
        }),
      );
      await tally.run(
        open.url,
        req("post", "/api/webhooks", { json: { name: "hook1", url: HOOK_URL } }),
      );
      const ex0 = examples({ taskId: "", png });
      const task = await tally.run(open.url, req("post", "/api/batch", ex0["post /api/batch"]));
      const taskId = String(task.json?.task_id);
      assert.match(taskId, /^[0-9a-f-]{36}$/, `batch upload answered ${JSON.stringify(task)}`);
      const ex = examples({ taskId, png });

      // A preview blocks a job on its cam_id and a job blocks a preview: both 400s are described.
      const cam2 = { params: { cam_id: "cam2" }, json: { name: "cam1" } };
      for (
        const [method, template, e, label] of [
          ["post", "/start_roi_stream/{cam_id}", cam2, "preview first"],
          ["post", "/start_inference/{cam_id}", cam2, "job while a preview runs"],
          ["post", "/stop_roi_stream/{cam_id}", cam2, "preview stop"],
          ["post", "/start_inference/{cam_id}", cam2, "job first"],
          ["post", "/start_roi_stream/{cam_id}", cam2, "preview while a job runs"],
          ["post", "/stop_inference/{cam_id}", cam2, "job stop"],
        ] as const
      ) await tally.run(open.url, req(method, template, e, label));

      const sorted = [...ops].sort((a, b) =>
        order(a.method, a.template) - order(b.method, b.template)
      );
      for (const { method, template, op } of sorted) {
        if (template === "/_quit") continue;
        const key = `${method} ${template}`;
        let first = false;
        if (key === "post /api/batch/{id}/cancel") {
          // A fresh video task, so the cancel finds it pending or processing.
          const f = new FormData();
          f.set("file", new Blob([await Deno.readFile(clip)], { type: "video/mp4" }), "c.mp4");
          f.set("rois", JSON.stringify(ONE_ROI));
          const up = await tally.run(open.url, req("post", "/api/batch", { form: () => f }));
          ex[key] = { params: { id: String(up.json?.task_id) } };
          first = true;
        }
        if (key === "post /roi_stream_heartbeat/{cam_id}") {
          // A leased preview of its own, so the heartbeat finds one running.
          const hb = { params: { cam_id: "roi_hb" }, json: { name: "cam1" } };
          await tally.run(
            open.url,
            req("post", "/start_roi_stream/{cam_id}", hb, "leased preview"),
          );
          first = true;
        }
        // The valid example goes last, so it restores what a bad request got through.
        let set = operationRequests(method, template, op, ex[key] ?? {}, {
          ajv,
          validLast: !first,
        });
        if (op["x-websocket"]) {
          set = set.map((r) => ({ ...r, websocket: true }));
          set.unshift({ ...set.at(-1)!, websocket: false, label: "GET without a handshake" });
        }
        for (const r of set) await tally.run(open.url, r);
      }

      // Without the token: 401 (302 to the login page for a browser's GET; 403 or 401 for a
      // foreign Host).
      for (const { method, template } of ops) {
        const path = fillPath(template, { ...ex[`${method} ${template}`]?.params, id: "x" });
        const base = { method, template, path };
        await tally.run(locked.url, { ...base, label: "no token", headers: { accept: "*/*" } });
        await tally.run(locked.url, {
          ...base,
          label: "no token, foreign Host",
          host: "evil.test",
        });
        if (method === "get") {
          await tally.run(locked.url, {
            ...base,
            label: "no token, browser",
            headers: {
              accept: "text/html",
            },
          });
        }
      }
      const token = (await Deno.readTextFile(join(dir, "locked", ".access_token"))).trim();
      const login = (t: string, label: string) =>
        tally.run(locked.url, req("post", "/login", { json: { token: t } }, label));
      assert.equal((await login(token, "right token")).json?.status, "logged_in");
      for (let i = 0; i < 12; i++) await login(`wrong-${i}`, "guessing");

      const quit = await tally.run(open.url, req("post", "/_quit", {}, "shutdown"));
      assert.equal(quit.status, 202);
      assert.equal((await open.exited()).code, 0);

      const counts = [...tally.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`);
      const total = [...tally.byStatus.values()].reduce((a, b) => a + b, 0);
      console.log(
        `${total} answers to ${ops.length} operations in ${
          ((performance.now() - started) / 1000).toFixed(1)
        } s; by status: ${counts.join(", ")}`,
      );
      assert.deepEqual(tally.failures.slice(0, 60), [], `${tally.failures.length} answers differ`);
      assert.deepEqual(tally.internal, [], "500 answers");
      const all = ops.map((o) => `${o.method} ${o.template}`);
      assert.deepEqual(all.filter((k) => !tally.covered.has(k)), [], "operations never called");
      assert.deepEqual(
        all.filter((k) => !tally.succeeded.has(k) && !ALWAYS_REFUSED.has(k)),
        [],
        "operations whose valid example did not succeed",
      );
    } finally {
      await open.kill9();
      await locked.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
