/**
 * A VisionROI-shaped client against a real server process: every route and WebSocket of
 * `../shared/reference/visionroi-contract.md` (§1), called with the original UI's exact requests
 * (form bodies for `/create_source`, JSON elsewhere, its query strings, its cam_ids `1`, `inf_*`,
 * `page_*`), and the original's answer shapes asserted: status code, keys and value types, exact
 * strings where the contract gives them. Where this server differs on purpose the README's
 * "Compatibility with VisionROI" list says so, and the assertion cites that line. A difference
 * that is neither is listed in {@linkcode KNOWN_DIFFERENCES} until its fix lands.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { startServer } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";
import { panelRois } from "./helpers/panel.ts";
import { alarmPage, rectPoints, templateBase64 } from "./helpers/pages.ts";
import {
  type Any,
  assertShape,
  call,
  type ClientSocket,
  jpegSize,
  openSocket,
} from "./helpers/visionroi_client.ts";
import {
  assertError,
  checkDashboard,
  checkListings,
  checkMqttConfigs,
  checkPagesAndHealth,
  checkSourceCrud,
} from "./helpers/visionroi_steps.ts";

/**
 * Differences from VisionROI that the README does not list, each fixed by another part of issue 12
 * (the item number); empty since issue 12 landed. The test asserts the contract's behaviour for each and expects it to fail;
 * once a fix makes it pass, the test fails and asks for the entry to be deleted.
 */
export const KNOWN_DIFFERENCES: Record<
  string,
  { item: string; contract: string; here: string }
> = {};

type Known = string;
const exercised = new Set<Known>();

/** Runs a contract assertion that is a known difference: it must still fail (see above). */
export async function stillDiffers(key: Known, check: () => unknown): Promise<void> {
  exercised.add(key);
  try {
    await check();
  } catch (err) {
    if (err instanceof assert.AssertionError) return;
    throw err;
  }
  throw new Error(
    `KNOWN_DIFFERENCES.${key} (issue ${KNOWN_DIFFERENCES[key].item}) now matches VisionROI: ` +
      "delete the entry so the test asserts it",
  );
}

/** A per-ROI entry of an aggregated `/ws_roi_result` message (§3.8). */
const WS_RESULT = {
  id: "string",
  image: "string",
  text: "string",
  frame_time: "number",
  result_time: "number",
  name: "string",
  group: "string",
  module: "string",
  cam_id: "string",
  source: "string",
  "duration?": "number",
};

/** An aggregated `/ws_roi_result` message (§3.8). */
const WS_FRAME = {
  frame_time: "number",
  result_time: "number",
  results: "array",
  cam_id: "string",
  "frame_duration?": "number",
  "group?": "string",
  "source?": "string",
};

const isFrame = (m: Any) => typeof m === "object" && !(m instanceof ArrayBuffer) && "results" in m;
const isGroupMsg = (m: Any) =>
  typeof m === "object" && !(m instanceof ArrayBuffer) && "scores" in m && !("results" in m);

Deno.test({
  name: "VisionROI-shaped clients: every route and WebSocket with the original UI's calls",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir();
    const data = `${dir}/data`;
    const server = await startServer(data, ["--no-demo"]);
    const B = server.url;
    const sockets: ClientSocket[] = [];
    const lamp = panelRois("main").filter((r) => r.module === "light_button");
    let failed = false;
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) failed = true;
    };
    try {
      await step("pages (§1.1) and health (§1.2)", async () => {
        await checkPagesAndHealth(B);
      });

      await step("MQTT configs (§1.4) as the MQTT page sends them", async () => {
        await checkMqttConfigs(B);
      });

      await step("source CRUD (§1.5) as the Source page sends it", async () => {
        await checkSourceCrud(B);
      });

      let template = "";
      await step("ROI editor session on cam_id 1 (§1.6, §1.7, §6.4)", async () => {
        // Start: source_config, then start_roi_stream/1 with the config minus `rois`.
        const cfg = (await call(B, "GET", "/source_config?name=line1")).json;
        delete cfg.rois;
        let a = await call(B, "POST", "/start_roi_stream/1", {
          json: { ...cfg, low_latency: false },
        });
        assert.equal(a.status, 200, a.text);
        assert.equal(a.json.status, "started");
        assert.equal(a.json.cam_id, "1");
        a = await call(B, "POST", "/start_roi_stream/1", { json: cfg });
        assert.deepEqual([a.status, a.json.status, a.json.cam_id], [200, "already_running", "1"]);
        const state = await waitFor(async () => {
          const saved = JSON.parse(await Deno.readTextFile(`${data}/service_state.json`));
          return saved.cameras?.["1"] ? saved : undefined;
        }, { what: "cam_id 1 in service_state.json" });
        assert.equal(state.cameras["1"]?.roi_low_latency, false);
        a = await call(B, "GET", "/roi_stream_status/1");
        assertShape(a.json, { running: "boolean", cam_id: "string", source: "string" }, "status");
        assert.deepEqual([a.json.running, a.json.cam_id, a.json.source], [true, "1", "line1"]);

        // ws://<host>/ws_roi/1: raw full-size JPEG frames.
        const roiWs = await openSocket(B, "/ws_roi/1");
        const frame = await roiWs.next((m) => m instanceof ArrayBuffer, { what: "a frame" });
        assert.deepEqual(jpegSize(new Uint8Array(frame)), { width: 1280, height: 720 });

        a = await call(B, "GET", "/load_roi/line1");
        assert.deepEqual([a.status, a.json], [200, { rois: [], filename: "rois.json" }]);

        // The Page Rect "Save" button: the bbox of the shown frame as a JPEG data URL's base64.
        const snap = await fetch(`${B}/ws_snapshot/1?ts=${Date.now()}`);
        assert.equal(snap.status, 200);
        assert.equal(snap.headers.get("content-type"), "image/jpeg");
        const jpeg = new Uint8Array(await snap.arrayBuffer());
        assert.deepEqual(jpegSize(jpeg), { width: 1280, height: 720 }, "full size, no overlays");
        template = (await sharp(jpeg).extract({ left: 0, top: 0, width: 1280, height: 720 })
          .jpeg({ quality: 92 }).toBuffer()).toString("base64");

        // Every edit POSTs the whole list; entries without an id get str(index + 1).
        const unnamed = { ...lamp[0] } as Record<string, unknown>;
        delete unnamed.id;
        a = await call(B, "POST", "/save_roi", { json: { rois: [unnamed], source: "line3" } });
        assertShape(a.json, { status: "string", filename: "string" }, "save_roi");
        // README: `filename` is relative to the data dir (VisionROI leaked the absolute path).
        assert.deepEqual([a.status, a.json], [200, {
          status: "saved",
          filename: "line3/rois.json",
        }]);
        a = await call(B, "GET", "/load_roi/line3");
        assert.equal(a.json.rois[0].id, "1");
        const other = { id: "note_1", type: "note", text: "kept as it is" };
        const entries = [
          ...lamp,
          {
            id: "roi_1",
            page: "home",
            name: "home",
            image: template,
            points: rectPoints(0, 0, 1280, 720),
            type: "page",
          },
          other,
        ];
        a = await call(B, "POST", "/save_roi", { json: { rois: entries, source: "line1" } });
        assert.deepEqual([a.status, a.json], [200, {
          status: "saved",
          filename: "line1/rois.json",
        }]);
        a = await call(B, "POST", "/save_roi?path=line3/alt.json", { json: { rois: lamp } });
        assert.deepEqual([a.status, a.json], [200, {
          status: "saved",
          filename: "line3/alt.json",
        }]);
        a = await call(B, "POST", "/save_roi?path=../outside.json", { json: { rois: lamp } });
        assertError(a, 400, /path outside allowed directory/, "save outside");
        a = await call(B, "POST", "/save_roi", { json: { rois: lamp } });
        assertError(a, 400, "missing source", "save without source");
        a = await call(B, "POST", "/save_roi", { json: { rois: lamp, source: "nope" } });
        assertError(a, 404, /^config not found/, "save to unknown source");
        a = await call(B, "GET", "/load_roi/line1");
        assert.equal(a.json.filename, "rois.json");
        assert.deepEqual(a.json.rois.map((r: Any) => r.id), ["pump_lamp", "roi_1", "note_1"]);
        assert.deepEqual(a.json.rois[2], other, "other entry types are kept");
        assert.equal(a.json.rois[1].image, template);

        // The ROI page is the only user of cam_id 1; an inference start there is refused.
        a = await call(B, "POST", "/start_inference/1", {
          json: { ...cfg, rois: lamp, group: "main" },
        });
        assert.equal(a.status, 400);
        assert.deepEqual([a.json.status, a.json.cam_id], ["roi_running", "1"]);

        // Stop: close the socket, then stop_roi_stream/1 (a second tab's socket stays open).
        const otherTab = await openSocket(B, "/ws_roi/1");
        sockets.push(otherTab);
        roiWs.close();
        a = await call(B, "POST", "/stop_roi_stream/1");
        assert.deepEqual([a.status, a.json], [200, { status: "stopped", cam_id: "1" }]);
        a = await call(B, "POST", "/stop_roi_stream/1");
        assert.deepEqual([a.status, a.json], [200, { status: "no_task", cam_id: "1" }]);
        a = await call(B, "GET", "/roi_stream_status/1");
        assert.deepEqual([a.json.running, a.json.cam_id], [false, "1"]);
        const otherClose = await otherTab.closed;
        assert.deepEqual(otherClose, [1000, "stopped"]);
      });

      await step("listings (§1.3) and ROI files by path (§1.6)", async () => {
        await checkListings(B, lamp);
      });

      const cfg = (await call(B, "GET", "/source_config?name=line1")).json;
      delete cfg.rois;
      let groupWs: ClientSocket, groupVideo: ClientSocket;
      await step("Inference Group job inf_cam1 (§1.7, §1.8, §6.5)", async () => {
        // Its start body: the config without rois/module, the group's type-roi entries, the group.
        const rois = [...lamp, { ...lamp[0], id: "a_lamp", name: "" }];
        const body = { ...cfg, rois, group: "main", interval: 0.2, draw_page_boxes: false };
        let a = await call(B, "POST", "/start_inference/inf_cam1", { json: body });
        assert.deepEqual([a.status, a.json], [200, { status: "started", cam_id: "inf_cam1" }]);
        a = await call(B, "POST", "/start_inference/inf_cam1", { json: body });
        assert.deepEqual([a.status, a.json], [200, {
          status: "already_running",
          cam_id: "inf_cam1",
        }]);
        groupVideo = await openSocket(B, "/ws/inf_cam1");
        groupWs = await openSocket(B, "/ws_roi_result/inf_cam1");
        const listening = Date.now() / 1000;
        sockets.push(groupVideo, groupWs);
        const video = await groupVideo.next((m) => m instanceof ArrayBuffer, { what: "a frame" });
        assert.deepEqual(jpegSize(new Uint8Array(video)), { width: 640, height: 360 }, "½ size");
        // README: `image` is sent only while a client listens, so a frame read before the socket
        // opened comes without it; every frame captured after has it.
        const msg = await groupWs.next((m) => isFrame(m) && m.frame_time > listening, {
          what: "a result of a frame captured after the socket opened",
        });
        assertShape(msg, WS_FRAME, "aggregated message");
        assert.deepEqual([msg.cam_id, msg.group, msg.source], ["inf_cam1", "main", "line1"]);
        assert.deepEqual(msg.results.map((r: Any) => r.id), ["a_lamp", "pump_lamp"], "by id");
        for (const r of msg.results) {
          assertShape(r, WS_RESULT, "result");
          assert.match(r.text, /^(on|off)$/);
          assert.equal(r.module, "light_button");
        }
        assert.equal(msg.results[0].name, "");
        await groupWs.next((m) => isFrame(m) && m !== msg, { what: "a second result" });
        assert.ok(groupWs.messages.some((m: Any) => isGroupMsg(m) && m.group === "main"));

        a = await call(B, "GET", "/inference_status/inf_cam1");
        assertShape(a.json, {
          running: "boolean",
          cam_id: "string",
          source: "string",
          group: "string",
          stream_health: "object",
        }, "inference_status");
        assert.deepEqual([a.json.running, a.json.source, a.json.group], [true, "line1", "main"]);
        assertShape(a.json.stream_health, { state: "string", updated_at: "number" }, "health");
        assert.equal(a.json.stream_health.state, "active");
        a = await call(B, "POST", "/start_roi_stream/inf_cam1", { json: cfg });
        assert.equal(a.status, 400);
        assert.deepEqual([a.json.status, a.json.cam_id], ["inference_running", "inf_cam1"]);

        // README: a preview stop leaves the job alone (VisionROI wiped the job's ROIs and queues).
        a = await call(B, "POST", "/stop_roi_stream/inf_cam1");
        assert.deepEqual([a.status, a.json], [200, { status: "no_task", cam_id: "inf_cam1" }]);
        // A repeated start reconfigures the running job (group, interval), as VisionROI did.
        a = await call(B, "POST", "/start_inference/inf_cam1", {
          json: { ...body, group: "all", interval: 0.25 },
        });
        assert.deepEqual([a.status, a.json.status], [200, "already_running"]);
        a = await call(B, "GET", "/inference_status/inf_cam1");
        assert.deepEqual([a.json.running, a.json.group], [true, "all"]);
        await groupWs.next((m) => isFrame(m) && m.group === "all", {
          what: "a result of group all",
        });

        // The log panel: /read_log?source=<name>&lines=40 every second, AGGREGATED_ROI lines.
        const line: string = await waitFor(async () => {
          const log = await call(B, "GET", "/read_log?source=line1&lines=40");
          assert.equal(log.status, 200, log.text);
          return log.json.lines.find((l: string) => l.includes("AGGREGATED_ROI"));
        }, { what: "an AGGREGATED_ROI line in /read_log" });
        // README: the log has UTC times (VisionROI: local `YYYY-MM-DD hh:mm:ss,mmm`).
        const m = /^\S+ - INFO - AGGREGATED_ROI (\{.*\})$/.exec(line);
        assert.ok(m, line);
        const logged = JSON.parse(m[1]);
        assertShape(logged, {
          frame_time: "number",
          result_time: "number",
          cam_id: "string",
          group: "string",
          source: "string",
          results: "array",
          "frame_duration?": "number",
        }, "AGGREGATED_ROI");
        assertShape(
          logged.results[0],
          { id: "string", name: "string", text: "string", module: "string", "duration?": "number" },
          "logged result",
        );
        // README: the log leaves the crop out.
        assert.ok(!("image" in logged.results[0]));
        assert.match(m[1], /^\{"frame_time": \d/);

        assert.deepEqual(Object.keys(logged), [
          "frame_time",
          "result_time",
          "cam_id",
          "group",
          "source",
          "results",
          "frame_duration",
        ]);

        // A job started with the ROIs as a JSON string, and one that reads the source's rois.json.
        a = await call(B, "POST", "/start_inference/inf_cam2", {
          json: { ...cfg, rois: JSON.stringify(lamp), group: "all" },
        });
        assert.deepEqual([a.status, a.json], [200, { status: "started", cam_id: "inf_cam2" }]);
        a = await call(B, "POST", "/stop_inference/inf_cam2");
        assert.deepEqual([a.status, a.json], [200, { status: "stopped", cam_id: "inf_cam2" }]);
        // Only the ROI file: the job reads the source's rois.json (its `main` ROI).
        a = await call(B, "POST", "/start_inference/inf_cam4", {
          json: { name: "line3", group: "main" },
        });
        assert.deepEqual([a.status, a.json], [200, { status: "started", cam_id: "inf_cam4" }]);
        a = await call(B, "GET", "/inference_status/inf_cam4");
        assert.deepEqual([a.json.running, a.json.source, a.json.group], [true, "line3", "main"]);
        a = await call(B, "POST", "/stop_inference/inf_cam4");
        assert.deepEqual([a.status, a.json], [200, { status: "stopped", cam_id: "inf_cam4" }]);
        // README: bad values are a 400 naming them (VisionROI: interval "abc" ran at 1 s, and
        // draw_page_boxes "false" meant true); a body that is not JSON is a 400.
        const badStarts: [Record<string, unknown>, RegExp][] = [
          [{ interval: "abc" }, /^invalid interval "abc"/],
          [{ result_timeout: "soon" }, /^invalid result_timeout "soon"/],
          [{ draw_page_boxes: "false" }, /^invalid draw_page_boxes "false"/],
        ];
        for (const [extra, message] of badStarts) {
          a = await call(B, "POST", "/start_inference/inf_bad", {
            json: { ...cfg, rois: lamp, group: "main", ...extra },
          });
          assertError(a, 400, message, JSON.stringify(extra));
        }
        const formStart = await fetch(`${B}/start_inference/inf_bad`, {
          method: "POST",
          body: "x",
        });
        assert.equal(formStart.status, 400);
        assert.match((await formStart.json()).message, /^invalid content-type/);
        assert.equal((await call(B, "GET", "/inference_status/inf_bad")).json.running, false);
        const nullName = await call(B, "POST", "/start_inference/inf_cam3", {
          json: { ...cfg, name: null, rois: lamp, group: "main" },
        });
        assert.deepEqual([nullName.status, nullName.json.status], [200, "started"]);

        await call(B, "POST", "/stop_inference/inf_cam3");
      });

      await step(
        "Inference Page job page_cam1: pages detected, {group, scores} (§3.4, §6.6)",
        async () => {
          const page = await call(B, "GET", "/load_roi_file?path=data_sources/line1/rois.json");
          const alarm = {
            id: "roi_2",
            page: "alarm",
            name: "alarm",
            image: await templateBase64(alarmPage()),
            points: rectPoints(0, 0, 1280, 720),
            type: "page",
          };
          const rois = [
            ...page.json.rois.map((r: Any) => r.type === "roi" ? { ...r, group: "home" } : r),
            alarm,
          ];
          const ws = await openSocket(B, "/ws_roi_result/page_cam1");
          sockets.push(ws);
          // All entries (ROIs and pages with templates), no group, draw_page_boxes: true.
          const a = await call(B, "POST", "/start_inference/page_cam1", {
            json: { ...cfg, rois, interval: 0.5, draw_page_boxes: true },
          });
          assert.deepEqual([a.status, a.json], [200, { status: "started", cam_id: "page_cam1" }]);
          const g = await ws.next(isGroupMsg, { what: "a {group, scores} message" });
          assert.deepEqual(Object.keys(g).sort(), ["group", "scores"]);
          assert.equal(g.group, "home");
          assert.deepEqual(g.scores.map((s: Any) => s.page), ["home", "alarm"], "best first");
          for (const s of g.scores) assertShape(s, { page: "string", score: "number" }, "score");
          assert.ok(g.scores[0].score > 0.4, `home scores ${g.scores[0].score}`);
          const r = await ws.next(isFrame, { what: "a page result" });
          assert.equal(r.group, "home");
          assert.deepEqual(r.results.map((x: Any) => [x.id, x.group]), [["pump_lamp", "home"]]);
          const status = await call(B, "GET", "/inference_status/page_cam1");
          assert.equal(status.json.group, "", "no forced group");
        },
      );

      await step(
        "service_state.json (§2.4) and config.json (§2.1) as VisionROI wrote them",
        async () => {
          // README: service_state.json lives in the data dir.
          const state = JSON.parse(await Deno.readTextFile(`${data}/service_state.json`));
          const job = state.cameras.inf_cam1;
          assertShape(job, {
            source: "string|number|null",
            resolution: "array",
            backend: "string",
            active_source: "string",
            inference_running: "boolean",
            inference_group: "string|null",
            interval: "number",
            result_timeout: "number",
            draw_page_boxes: "boolean|null",
            roi_low_latency: "boolean|null",
          }, "service_state camera");
          assert.deepEqual(
            [
              job.source,
              job.active_source,
              job.inference_running,
              job.inference_group,
              job.interval,
            ],
            ["demo", "line1", true, "all", 0.25],
          );
          assert.equal(state.cameras.page_cam1.inference_group, null, "automatic page detection");
          const cfgFile = JSON.parse(await Deno.readTextFile(`${data}/line1/config.json`));
          assert.deepEqual(cfgFile, {
            name: "line1",
            source: "demo",
            rois: "rois.json",
            stream_type: "opencv",
          });
        },
      );

      await step("dashboard (§2.8) with the jobs running", async () => {
        await checkDashboard(B);
      });

      await step("stops close the sockets; unknown cam_ids (§1.7, §1.8)", async () => {
        let a = await call(B, "POST", "/stop_inference/inf_cam1");
        assert.deepEqual([a.status, a.json], [200, { status: "stopped", cam_id: "inf_cam1" }]);
        // README: a stop closes with code 1000 `stopped` (VisionROI: 1012 `stream_outage`).
        assert.deepEqual(await groupWs.closed, [1000, "stopped"]);
        const videoClose = await groupVideo.closed;
        assert.deepEqual(videoClose, [1000, "stopped"]);
        a = await call(B, "POST", "/stop_inference/inf_cam1");
        assert.deepEqual([a.status, a.json], [200, { status: "no_task", cam_id: "inf_cam1" }]);
        a = await call(B, "POST", "/stop_inference/page_cam1");
        assert.deepEqual([a.status, a.json], [200, { status: "stopped", cam_id: "page_cam1" }]);
        a = await call(B, "GET", "/inference_status/inf_cam1");
        assert.deepEqual([a.json.running, a.json.source, a.json.group], [false, "", ""]);
        assert.equal(a.json.stream_health.state, "unknown");

        const lost = await openSocket(B, "/ws/inf_unknown");
        const lostClose = await lost.closed;
        assert.deepEqual(lostClose, [1012, "stream_outage"]);

        const snap = await call(B, "GET", "/ws_snapshot/inf_unknown");
        assert.deepEqual([snap.status, snap.text], [400, "Camera not initialized"]);

        // A source that cannot be opened: README: 400 `open_failed: <reason>`.
        await call(B, "POST", "/create_source", {
          form: { name: "gone", source: `${dir}/missing.mp4`, stream_type: "ffmpeg" },
        });
        const gone = (await call(B, "GET", "/source_config?name=gone")).json;
        delete gone.rois;
        a = await call(B, "POST", "/start_inference/inf_gone", {
          json: { ...gone, rois: lamp, group: "main", interval: 1, draw_page_boxes: false },
        });
        assert.equal(a.status, 400, a.text);
        assert.deepEqual([a.json.status, a.json.cam_id], ["error", "inf_gone"]);
        assert.match(a.json.message, /^open_failed/);
        a = await call(B, "POST", "/start_roi_stream/1", { json: gone });
        // README: `/start_roi_stream` answers `open_failed` with the reason.
        assert.equal(a.status, 400, a.text);
        assert.deepEqual([a.json.status, a.json.cam_id], ["error", "1"]);
        assert.match(a.json.message, /^open_failed/);
        // A saved source's snapshot wakes its camera; this one never gives a frame.
        const dark = await call(B, "GET", "/ws_snapshot/gone");
        assert.equal(dark.status, 503);
        assert.match(dark.text, /^Camera not ready/);
        assert.equal(dark.text, "Camera not ready");
      });

      await step("POST /_quit (§1.2)", async () => {
        // Two at once, as a double click: one starts the stop, the other is told so. On a loaded
        // machine the second may find the server already gone, which is not an answer to check.
        const sent = await Promise.all([
          call(B, "POST", "/_quit").catch((err: Error) => err),
          call(B, "POST", "/_quit").catch((err: Error) => err),
        ]);
        const answers = sent.filter((a): a is Awaited<ReturnType<typeof call>> =>
          !(a instanceof Error)
        );
        assert.ok(answers.length >= 1, `no answer: ${sent.join("; ")}`);
        for (const a of answers) {
          assert.equal(a.status, 202);
          assert.equal(a.type.split(";")[0], "text/plain");
        }
        const texts = answers.map((a) => a.text).sort();
        assert.deepEqual(
          texts,
          ["already shutting down", "shutting down"].slice(2 - answers.length),
          `answers ${JSON.stringify(texts)}`,
        );
        assert.equal((await server.exited()).code, 0);
      });

      // A failed step may have skipped some: only a clean run proves an entry is unused.
      if (!failed) {
        assert.deepEqual(
          Object.keys(KNOWN_DIFFERENCES).filter((k) => !exercised.has(k as Known)),
          [],
          "every known difference is exercised",
        );
      }
    } finally {
      for (const s of sockets) s.close();
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
