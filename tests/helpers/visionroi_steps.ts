/**
 * Steps of `tests/visionroi_client_test.ts` that check configuration routes, listings and the
 * dashboard against a running server whose base URL is `B`, as VisionROI's pages call them.
 */
import assert from "node:assert/strict";
import { type Any, assertShape, call } from "./visionroi_client.ts";

/** The contract's error answer: `{"status":"error","message":…}`. */
export function assertError(a: Any, status: number, message: string | RegExp, what: string): void {
  assert.equal(a.status, status, `${what}: ${a.text}`);
  assertShape(a.json, { status: "string", message: "string" }, what);
  assert.equal(a.json.status, "error", what);
  if (typeof message === "string") assert.equal(a.json.message, message, what);
  else assert.match(a.json.message, message, what);
}

/** A check that is a known difference (the test's `stillDiffers`). */
export type Differs<K extends string> = (key: K, check: () => unknown) => Promise<void>;

/** The MQTT config view of `GET /mqtt_configs` (§1.4); the password is never returned. */
const MQTT_VIEW = {
  name: "string",
  host: "string",
  port: "number",
  username: "string",
  has_password: "boolean",
  base_topic: "string",
  client_id: "string",
  qos: "number",
  retain: "boolean",
  tls: "boolean",
  keepalive: "number",
  publish_timeout: "number",
};

/** Pages (§1.1) redirect or render; `/_healthz` answers `ok` (§1.2). */
export async function checkPagesAndHealth(B: string): Promise<void> {
  for (const p of ["/", "/dashboard"]) {
    const a = await call(B, "GET", p);
    assert.equal(a.status, 302, p);
    assert.equal(a.location, "/home", p);
  }
  for (
    const p of ["/home", "/docs", "/roi", "/inference", "/inference_page", "/create_source"]
  ) {
    const a = await call(B, "GET", p);
    assert.equal(a.status, 200, p);
    assert.match(a.type, /^text\/html/, p);
  }
  const mqttPage = await call(B, "GET", "/create_mqtt");
  assert.equal(mqttPage.status, 200);
  const health = await call(B, "GET", "/_healthz");
  assert.equal(health.status, 200);
  assert.equal(health.text, "ok");
  // README: plain-text answers are text/plain (VisionROI's were text/html).
  assert.match(health.type, /^text\/plain/);
}

/** MQTT configs (§1.4) as the MQTT page sends them. */
export async function checkMqttConfigs(B: string): Promise<void> {
  let a = await call(B, "GET", "/mqtt_configs");
  assert.deepEqual(a.json, []);
  // The form's fields; the page sends the inputs' values, so numbers may come as strings.
  const form = {
    name: "plant",
    host: "127.0.0.1",
    port: "1",
    username: "vr",
    password: "secret",
    client_id: "",
    base_topic: "vision",
    keepalive: "60",
    qos: "1",
    publish_timeout: "5",
    retain: false,
    tls: false,
  };
  a = await call(B, "POST", "/mqtt_configs", { json: form });
  assert.equal(a.status, 201, a.text);
  assert.equal(a.json.status, "created");
  assertShape(a.json.config, MQTT_VIEW, "created config");
  assert.equal(a.json.config.port, 1);
  assert.equal(a.json.config.qos, 1);
  assert.equal(a.json.config.has_password, true);
  assert.ok(!("password" in a.json.config), "the password is never returned");
  // Truthy strings, clamped publish_timeout and non-int qos → 0, as VisionROI.
  a = await call(B, "POST", "/mqtt_configs", {
    json: { name: "second", host: "h", qos: "x", publish_timeout: 0.01, retain: "yes" },
  });
  assert.equal(a.status, 201, a.text);
  assert.equal(a.json.config.qos, 0);
  assert.equal(a.json.config.publish_timeout, 0.1);
  assert.equal(a.json.config.retain, true);
  assert.equal(a.json.config.port, 1883);
  assert.equal(a.json.config.keepalive, 60);
  a = await call(B, "GET", "/mqtt_configs");
  assert.deepEqual(a.json.map((c: Any) => c.name), ["plant", "second"], "sorted by name");
  for (const c of a.json) assertShape(c, MQTT_VIEW, "listed config");
  const bad: [Record<string, unknown>, string][] = [
    [{ name: "plant", host: "h" }, "name exists"],
    [{ name: "", host: "h" }, "missing data"],
    [{ name: "x" }, "missing data"],
    [{ name: "x", host: "h", port: 70000 }, "invalid port"],
    [{ name: "x", host: "h", qos: 3 }, "invalid qos"],
    [{ name: "x", host: "h", keepalive: 0 }, "invalid keepalive"],
    [{ name: "x", host: "h", publish_timeout: "soon" }, "invalid publish_timeout"],
  ];
  for (const [body, message] of bad) {
    a = await call(B, "POST", "/mqtt_configs", { json: body });
    // README: error messages name the field and the value after VisionROI's words.
    assertError(a, 400, new RegExp(`^${message}`), JSON.stringify(body));
  }
  a = await call(B, "DELETE", "/mqtt_configs/second");
  assert.deepEqual([a.status, a.json], [200, { status: "deleted" }]);
  a = await call(B, "DELETE", "/mqtt_configs/second");
  assertError(a, 404, "not found", "delete unknown config");
  a = await call(B, "DELETE", "/mqtt_configs/");
  assertError(a, 400, "invalid name", "delete without a name");
}

/** Source CRUD (§1.5) as the Source page sends it; leaves `line1` and `line3`. */
export async function checkSourceCrud(B: string): Promise<void> {
  let a = await call(B, "POST", "/create_source", {
    form: { name: "line1", source: "demo", stream_type: "opencv" },
  });
  assert.deepEqual([a.status, a.json], [200, { status: "created" }]);
  a = await call(B, "POST", "/create_source", {
    form: {
      name: "line2",
      source: "demo",
      stream_type: "ffmpeg",
      width: "640",
      height: "360",
    },
  });
  assert.deepEqual([a.status, a.json], [200, { status: "created" }]);
  a = await call(B, "POST", "/create_source", { form: { name: "line1", source: "demo" } });
  assertError(a, 400, "name exists", "duplicate");
  a = await call(B, "POST", "/create_source", { form: { name: "x" } });
  assertError(a, 400, /^missing data/, "no source");
  a = await call(B, "POST", "/create_source", { form: { name: ".", source: "demo" } });
  // README: names are confined (VisionROI's `.` resolved to the data folder itself).
  assertError(a, 400, /^invalid name/, "dot name");
  a = await call(B, "POST", "/create_source", {
    form: { name: "x", source: "demo", width: "wide" },
  });
  // README: width/height that are not integers 1..8192 are a 400 (VisionROI dropped them).
  assertError(a, 400, /^invalid width "wide"/, "bad width");

  a = await call(B, "GET", "/source_config?name=line2");
  assert.deepEqual(a.json, {
    name: "line2",
    source: "demo",
    rois: "rois.json",
    stream_type: "ffmpeg",
    width: 640,
    height: 360,
  });
  a = await call(B, "GET", "/source_config?name=nope");
  assert.deepEqual([a.status, a.json], [404, { status: "error", message: "not found" }]);

  a = await call(B, "PATCH", "/update_stream_type/line2", {
    json: { stream_type: "opencv" },
  });
  assert.deepEqual([a.status, a.json], [200, { status: "updated" }]);
  a = await call(B, "PATCH", "/update_stream_type/line2", { json: { stream_type: "gst" } });
  assertError(a, 400, /^invalid stream_type/, "bad stream_type");
  a = await call(B, "PATCH", "/update_stream_type/nope", { json: { stream_type: "opencv" } });
  assertError(a, 404, "not found", "update_stream_type unknown");
  a = await call(B, "PATCH", "/update_source/line2", { json: { source: "demo" } });
  assert.deepEqual([a.status, a.json], [200, { status: "updated" }]);
  a = await call(B, "PATCH", "/update_source/line2", { json: {} });
  assertError(a, 400, "missing source", "update_source without source");
  a = await call(B, "PATCH", "/update_source/nope", { json: { source: "demo" } });
  assertError(a, 404, "not found", "update_source unknown");
  a = await call(B, "PATCH", "/rename_source/line2", { json: { name: "line2" } });
  assert.deepEqual([a.status, a.json], [200, { status: "unchanged" }]);
  a = await call(B, "PATCH", "/rename_source/line2", { json: {} });
  assertError(a, 400, "missing name", "rename without name");
  a = await call(B, "PATCH", "/rename_source/line2", { json: { name: "line1" } });
  assertError(a, 400, "name exists", "rename onto another");
  a = await call(B, "PATCH", "/rename_source/nope", { json: { name: "zz" } });
  assertError(a, 404, "not found", "rename unknown");
  a = await call(B, "PATCH", "/rename_source/line2", { json: { name: "line9" } });
  assert.deepEqual([a.status, a.json], [200, { status: "renamed", name: "line9" }]);
  a = await call(B, "DELETE", "/delete_source/line9");
  assert.deepEqual([a.status, a.json], [200, { status: "deleted" }]);
  a = await call(B, "DELETE", "/delete_source/line9");
  assertError(a, 404, "not found", "delete unknown");
  a = await call(B, "POST", "/create_source", { form: { name: "line3", source: "demo" } });
  assert.equal(a.status, 200);
}

/** The dashboard (§2.8) while `inf_cam1` (interval 0.25) and `page_cam1` run. */
export async function checkDashboard(
  B: string,
): Promise<void> {
  const a = await call(B, "GET", "/api/dashboard");
  assert.equal(a.status, 200);
  const d = a.json;
  assertShape(d, {
    summary: "object",
    cameras: "array",
    alerts: "array",
    groups: "array",
    page_jobs: "array",
    roi_metrics: "object",
    generated_at: "string",
  }, "dashboard");
  assert.match(d.generated_at, /Z$/);
  const num = "number";
  assertShape(d.summary, {
    total_cameras: num,
    online_cameras: num,
    inference_running: num,
    alerts_last_hour: num,
    average_interval: num,
    average_fps: num,
    target_average_fps: num,
    total_groups: num,
    running_groups: num,
    page_jobs: num,
    page_jobs_running: num,
    total_roi: num,
    average_latency: num,
    latency_p95: num,
    latency_max: num,
    latency_samples: num,
    inference_queue_size: num,
    inference_queue_capacity: num,
    inference_queue_utilization: num,
  }, "summary");
  assert.equal(d.summary.inference_running, 2);
  const cam = d.cameras.find((c: Any) => c.cam_id === "inf_cam1");
  assertShape(cam, {
    cam_id: "string",
    source: "string",
    name: "string",
    backend: "string",
    group: "string|null",
    interval: num,
    fps: num,
    target_fps: num,
    actual_fps: "number|null",
    status: "string",
    last_output: "string|null",
    last_activity: "string|null",
    alerts_count: num,
    roi_count: num,
    inference_running: "boolean",
    roi_running: "boolean",
    resolution: "object",
    snapshot_url: "string|null",
  }, "camera row");
  // README: status words are English (VisionROI: Thai).
  assert.equal(cam.status, "inference");
  assert.equal(cam.target_fps, 4, "1 / interval after the reconfigure");
  assert.match(cam.snapshot_url, /^\/ws_snapshot\/inf_cam1\?ts=\d+$/);
  const snap = await fetch(B + cam.snapshot_url);
  assert.equal(snap.headers.get("content-type"), "image/jpeg");
  await snap.body?.cancel();
  for (const g of d.groups) {
    assertShape(g, {
      name: "string",
      cameras: num,
      running: num,
      online: num,
      roi: num,
      alerts: num,
      average_fps: num,
    }, "group row");
  }
  const pj = d.page_jobs.find((p: Any) => p.cam_id === "page_cam1");
  assertShape(pj, {
    cam_id: "string",
    group: "string|null",
    interval: num,
    fps: num,
    target_fps: num,
    status: "string",
    last_output: "string|null",
    last_activity: "string|null",
    alerts_count: num,
    inference_running: "boolean",
  }, "page job");
  assertShape(pj, { title: "string" }, "pj");
  assertShape(d.roi_metrics, {
    total_roi: num,
    unique_modules: num,
    sources_with_roi: num,
    module_details: "array",
  }, "roi_metrics");
  assertShape(d.roi_metrics.module_details[0], {
    name: "string",
    roi_count: num,
    source_count: num,
    sources: "array",
    average_duration: "number|null",
    min_duration: "number|null",
    max_duration: "number|null",
    sample_count: num,
  }, "module_details");
  assert.ok(d.alerts.length > 0, "results reached the alerts");
  assertShape(d.alerts[0], {
    cam_id: "string",
    group: "string",
    source: "string",
    results: "array",
    frame_time: num,
    result_time: num,
  }, "alert");
  assertShape(d.roi_metrics, {
    source_runs: "array",
    source_details: "array",
    module_performance: "object",
  }, "roi_metrics");
  assertShape(
    d.alerts[0],
    { timestamp: "string", timestamp_epoch: num, count: num },
    "alert",
  );
}

/**
 * Listings (§1.3), ROI files by path and the log tail (§1.6) after the ROI editor saved `lamp` in
 * `line3/alt.json` and entries of groups `main` and `home` in `line1`.
 */
export async function checkListings(
  B: string,
  lamp: unknown[],
): Promise<void> {
  let a = await call(B, "GET", "/data_sources");
  assert.deepEqual([...a.json].sort(), ["line1", "line3"]);
  a = await call(B, "GET", "/source_list");
  const line1 = a.json.find((r: Any) => r.name === "line1");
  assertShape(line1, {
    name: "string",
    source: "string",
    width: "number|null",
    height: "number|null",
    stream_type: "string",
  }, "source_list row");
  assert.deepEqual([line1.width, line1.height, line1.stream_type], [null, null, "opencv"]);
  a = await call(B, "GET", "/groups");
  assert.deepEqual(a.json, ["home", "main"]);
  a = await call(B, "GET", "/inference_modules");
  assert.ok(Array.isArray(a.json) && a.json.every((m: unknown) => typeof m === "string"));
  for (const m of ["rapid_ocr", "tesseract_ocr", "light_button", "yolo", "typhoon_ocr"]) {
    assert.ok(a.json.includes(m), `${m} listed`);
  }
  const modules = a.json;
  assert.ok(modules.includes("easy_ocr") && modules.includes("trocr"));

  // The Inference page's own call: data_sources/<name>/<cfg.rois>, relative to VisionROI's CWD.
  a = await call(B, "GET", "/load_roi_file?path=data_sources/line3/alt.json");
  assert.equal(a.status, 200);
  assert.deepEqual(a.json, { rois: lamp, filename: "alt.json" });
  a = await call(B, "GET", "/load_roi_file?path=data_sources/line3/missing.json");
  assert.deepEqual([a.status, a.json], [200, { rois: [], filename: "missing.json" }]);
  a = await call(B, "GET", "/load_roi_file?path=data_sources/nope/rois.json");
  // README: a path in no source is a 404 (VisionROI: 200 {"rois": [], "filename": "None"}).
  assertError(a, 404, /^not found/, "load_roi_file of no source");
  a = await call(B, "GET", "/load_roi/nope");
  // README: `/load_roi/<unknown>` is a 404 (VisionROI: 200 with "None").
  assertError(a, 404, /^config not found/, "load_roi unknown");
  a = await call(B, "GET", "/read_log?source=line1&lines=40");
  assert.deepEqual([a.status, a.json], [200, { lines: [] }]);
  // README: bad values are a 400. Requests without their parameter (the UI always sends
  // it; VisionROI answered 404, or 200 with nothing) and a `rois`/`group` of the wrong type
  // (VisionROI ran the job with no ROIs).
  const missing: [string, RegExp][] = [
    ["/source_config", /^invalid name ""/],
    ["/load_roi_file", /^missing path/],
    ["/read_log", /^missing source/],
  ];
  for (const [path, message] of missing) {
    assertError(await call(B, "GET", path), 400, message, `${path} without its parameter`);
  }
  const wrongTypes: [Record<string, unknown>, RegExp][] = [
    [{ rois: 5 }, /^invalid rois 5/],
    [{ rois: {} }, /^invalid rois \{\}/],
    [{ group: 5 }, /^invalid group 5/],
  ];
  for (const [extra, message] of wrongTypes) {
    a = await call(B, "POST", "/start_inference/inf_x", {
      json: { ...extra, name: "line1" },
    });
    assertError(a, 400, message, JSON.stringify(extra));
  }
  assert.equal((await call(B, "GET", "/inference_status/inf_x")).json.running, false);
  for (const lines of ["0", "-5", "abc"]) {
    a = await call(B, "GET", `/read_log?source=line1&lines=${lines}`);
    // README: `lines` is 1–1000, anything else a 400 (VisionROI: 0 = the whole file, abc = 40).
    assertError(a, 400, new RegExp(`^invalid lines "${lines}"`), `lines=${lines}`);
  }
  const unknown = await call(B, "GET", "/read_log?source=nope&lines=40");
  assert.deepEqual([unknown.status, unknown.json], [200, { lines: [] }]);
}
