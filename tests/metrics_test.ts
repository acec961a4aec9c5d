/** `/metrics` parses as Prometheus text, and its values move with cameras and ROI reads. */
import assert from "node:assert/strict";
import { countingReader, Metrics, metrics } from "../actors/results/metrics.ts";
import type { CameraSnapshot } from "../actors/cameras/camera_actor.ts";
import { testApp } from "./helpers/app.ts";
import { waitFor } from "./helpers/wait.ts";

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*"`;
const VALUE = "-?(?:\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?|NaN|\\+Inf|-Inf)";
const SAMPLE = new RegExp(`^(${NAME})(\\{(?:${LABEL}(?:,${LABEL})*)?\\})? (${VALUE})(?: -?\\d+)?$`);

/**
 * Parses the text exposition format strictly: every sample line is `name{labels} value`, and
 * every sample's family has HELP and TYPE lines before it. Returns `name{labels}` → value.
 */
function parseExposition(text: string): Map<string, number> {
  const help = new Set<string>();
  const types = new Map<string, string>();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) (\S+) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === "HELP") help.add(meta[2]);
      else {
        assert.match(meta[3], /^(counter|gauge|histogram|summary|untyped)$/, line);
        types.set(meta[2], meta[3]);
      }
      continue;
    }
    assert.ok(!line.startsWith("#"), `unknown comment line: ${line}`);
    const m = SAMPLE.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const family = types.has(m[1]) ? m[1] : m[1].replace(/_(bucket|sum|count)$/, "");
    assert.ok(types.has(family), `no TYPE for ${m[1]}`);
    assert.ok(help.has(family), `no HELP for ${m[1]}`);
    out.set(m[1] + (m[2] ?? ""), Number(m[3]));
  }
  return out;
}

function camera(id: string, over: Partial<CameraSnapshot> = {}): CameraSnapshot {
  return {
    status: "live",
    id,
    spec: { kind: "demo" } as unknown as CameraSnapshot["spec"],
    kind: "demo",
    width: 640,
    height: 360,
    targetFps: 10,
    fps: 9.5,
    lastFrameTime: 1_700_000_000_000,
    frames: 120,
    droppedFrames: 3,
    restarts: 1,
    stalls: 2,
    lastError: null,
    startedAt: 1_699_999_990_000,
    ...over,
  };
}

Deno.test("roiRead moves the read counter by outcome and the latency histogram", async () => {
  const m = new Metrics();
  m.roiRead("digits", true, 0.02);
  m.roiRead("digits", true, 0.2);
  m.roiRead("digits", false, 3);
  const s = parseExposition(await m.scrape());
  assert.equal(s.get('visionroi_roi_reads_total{module="digits",outcome="ok"}'), 2);
  assert.equal(s.get('visionroi_roi_reads_total{module="digits",outcome="error"}'), 1);
  assert.equal(s.get('visionroi_roi_read_duration_seconds_count{module="digits"}'), 3);
  assert.equal(s.get('visionroi_roi_read_duration_seconds_bucket{le="0.025",module="digits"}'), 1);
  assert.equal(s.get('visionroi_roi_read_duration_seconds_bucket{le="0.25",module="digits"}'), 2);
  assert.equal(s.get('visionroi_roi_read_duration_seconds_bucket{le="+Inf",module="digits"}'), 3);
  assert.ok(
    Math.abs(s.get('visionroi_roi_read_duration_seconds_sum{module="digits"}')! - 3.22) < 1e-9,
  );
});

Deno.test("labels stay bounded: odd module names count as other, never as themselves", async () => {
  const m = new Metrics();
  m.roiRead('12.5 °C"} 1\n#', true, 0.1);
  for (let i = 0; i < 100; i++) m.roiRead(`mod_${i}`, true, 0.1);
  const s = parseExposition(await m.scrape());
  const modules = new Set(
    [...s.keys()].filter((k) => k.startsWith("visionroi_roi_reads_total"))
      .map((k) => /module="([^"]*)"/.exec(k)![1]),
  );
  assert.ok(modules.has("other"));
  assert.ok(modules.size <= 65, `at most 64 modules + other, got ${modules.size}`);
});

Deno.test("scrape fills camera, job, pool and stream gauges from snapshots", async () => {
  const m = new Metrics();
  m.wsOpened("ws");
  m.wsOpened("ws");
  m.wsClosed("ws");
  m.wsMessagesDropped("ws_roi", 4);
  const text = await m.scrape({
    cameras: [
      camera("demo"),
      camera("door", { status: "restarting", fps: 0, lastFrameTime: null }),
    ],
    jobs: [
      { source: "line1", framesProcessed: 50, ticksSkipped: 7 },
      { source: "line1", framesProcessed: 5, ticksSkipped: 1 },
    ],
    pool: {
      workers: 2,
      ready: 2,
      busy: 1,
      queued: 3,
      queuedLive: 3,
      tasksDone: 10,
      failures: 1,
      restarts: 4,
      framePosts: 9,
    },
    results: { subscribers: 2, dropped: 5 },
  });
  const s = parseExposition(text);
  assert.equal(s.get('visionroi_camera_fps{camera="demo"}'), 9.5);
  assert.equal(s.get('visionroi_camera_frames_total{camera="demo"}'), 120);
  assert.equal(s.get('visionroi_camera_dropped_frames_total{camera="demo"}'), 3);
  assert.equal(s.get('visionroi_camera_restarts_total{camera="demo"}'), 1);
  assert.equal(s.get('visionroi_camera_stalls_total{camera="demo"}'), 2);
  assert.equal(s.get('visionroi_camera_up{camera="demo"}'), 1);
  assert.equal(s.get('visionroi_camera_up{camera="door"}'), 0);
  assert.equal(s.get('visionroi_camera_status{camera="door",status="restarting"}'), 1);
  assert.equal(s.get('visionroi_camera_status{camera="door",status="live"}'), 0);
  assert.equal(
    s.get('visionroi_camera_last_frame_timestamp_seconds{camera="demo"}'),
    1_700_000_000,
  );
  assert.equal(s.has('visionroi_camera_last_frame_timestamp_seconds{camera="door"}'), false);
  assert.equal(s.get("visionroi_jobs_running"), 2);
  // Jobs are labelled by source (bounded), never by cam_id (UI panels make random ones).
  assert.equal(s.get('visionroi_job_ticks_skipped_total{source="line1"}'), 8);
  assert.equal(s.get('visionroi_job_frames_total{source="line1"}'), 55);
  assert.deepEqual([...s.keys()].filter((k) => k.includes("cam_id=")), []);
  assert.equal(s.get("visionroi_pool_workers"), 2);
  assert.equal(s.get("visionroi_pool_busy"), 1);
  assert.equal(s.get("visionroi_pool_queued"), 3);
  assert.equal(s.get("visionroi_pool_restarts_total"), 4);
  assert.equal(s.get('visionroi_ws_clients{stream="ws"}'), 1);
  assert.equal(s.get('visionroi_ws_messages_dropped_total{stream="ws_roi"}'), 4);
  assert.equal(s.get("visionroi_ws_result_clients"), 2);
  assert.equal(s.get("visionroi_ws_result_messages_dropped_total"), 5);
  // A camera that went away leaves no series behind.
  const later = parseExposition(await m.scrape({ cameras: [camera("demo")] }));
  assert.equal(later.has('visionroi_camera_fps{camera="door"}'), false);
});

Deno.test("GET /metrics parses and moves while a preview stream runs and ROIs are read", async () => {
  const t = await testApp();
  try {
    const scrape = async () => {
      const res = await t.app.request("/metrics");
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      return parseExposition(await res.text());
    };
    const before = await scrape();
    const start = await t.app.request("/start_roi_stream/m1", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ source: "demo" }),
    });
    assert.equal(start.status, 200, await start.clone().text());
    await start.body?.cancel();
    const frames = (s: Map<string, number>) =>
      [...s].find(([k]) => k.startsWith("visionroi_camera_frames_total{"))?.[1] ?? 0;
    const first = await waitFor(async () => {
      const s = await scrape();
      return frames(s) > 0 && s;
    }, { what: "camera frames in /metrics", timeoutMs: 20_000 });
    await waitFor(async () => frames(await scrape()) > frames(first), {
      what: "camera frames to move",
      timeoutMs: 20_000,
    });
    const live = await waitFor(async () => {
      const s = await scrape();
      const fps = [...s].find(([k]) => k.startsWith("visionroi_camera_fps{"))?.[1] ?? 0;
      return fps > 0 && s;
    }, { what: "camera fps > 0", timeoutMs: 20_000 });
    assert.equal([...live].find(([k]) => k.startsWith("visionroi_camera_up{"))?.[1], 1);

    const key = 'visionroi_roi_reads_total{module="metrics_test",outcome="ok"}';
    const count = 'visionroi_roi_read_duration_seconds_count{module="metrics_test"}';
    metrics.roiRead("metrics_test", true, 0.05);
    const after = await scrape();
    assert.equal(after.get(key), (before.get(key) ?? 0) + 1);
    assert.equal(after.get(count), (before.get(count) ?? 0) + 1);
    assert.ok(after.has("visionroi_pool_workers"), "worker pool gauges are scraped");
    assert.ok(after.has("visionroi_jobs_running"), "job gauge is scraped");
  } finally {
    await t.close();
  }
});

Deno.test("GET /metrics counts a running job's ROI reads by module (the demo job)", async () => {
  const t = await testApp({ demo: true });
  try {
    const scrape = async () => parseExposition(await (await t.app.request("/metrics")).text());
    const reads = (s: Map<string, number>, module: string) =>
      s.get(`visionroi_roi_reads_total{module="${module}",outcome="ok"}`) ?? 0;
    const first = await waitFor(async () => {
      const s = await scrape();
      return reads(s, "sevenseg") > 0 && s;
    }, { what: "sevenseg reads in /metrics", timeoutMs: 120_000, everyMs: 250 });
    assert.equal(first.get("visionroi_jobs_running"), 1);
    await waitFor(async () => reads(await scrape(), "sevenseg") > reads(first, "sevenseg"), {
      what: "sevenseg reads to move",
      timeoutMs: 30_000,
      everyMs: 250,
    });
    const s = await scrape();
    assert.ok((s.get('visionroi_roi_read_duration_seconds_count{module="sevenseg"}') ?? 0) > 0);
    assert.ok((s.get('visionroi_job_frames_total{source="demo"}') ?? 0) > 0);
  } finally {
    await t.close();
  }
});

Deno.test("countingReader counts every result of the wrapped reader", async () => {
  const m = new Metrics();
  const reader = countingReader({
    readFrame: (n: number) =>
      Promise.resolve(Array.from({ length: n }, (_, i) => ({
        id: String(i),
        name: "",
        module: "light_button",
        text: i ? "on" : "",
        duration: 0.01,
        ...(i ? {} : { error: "deadline passed" }),
      }))),
  }, m);
  assert.equal((await reader.readFrame(3)).length, 3);
  const s = parseExposition(await m.scrape());
  assert.equal(s.get('visionroi_roi_reads_total{module="light_button",outcome="ok"}'), 2);
  assert.equal(s.get('visionroi_roi_reads_total{module="light_button",outcome="error"}'), 1);
});
