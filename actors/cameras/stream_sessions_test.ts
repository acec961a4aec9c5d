import assert from "node:assert/strict";
import { CameraSystem } from "./camera_system.ts";
import { type CamSettings, StreamSessions } from "./stream_sessions.ts";
import {
  allocFrameData,
  type Frame,
  type FrameSource,
  type SourceSpec,
} from "../frame_sources/frame.ts";
import { FileSnapshotStore, ManualClock } from "../runtime/mod.ts";
import { normalizeCamState, ServiceStateFile } from "../../storage/service_state.ts";
import { DesiredState } from "../state/desired_state.ts";
import { SourceStore } from "../../storage/source_store.ts";
import { waitFor } from "../../tests/helpers/wait.ts";

/** Frames of the spec's size every 20 ms of real time: the sessions' clock is the manual one. */
class TickingSource implements FrameSource {
  readonly kind = "test-ticking";
  constructor(readonly spec: SourceSpec) {}
  async *frames(signal: AbortSignal): AsyncGenerator<Frame> {
    const w = this.spec.width ?? 4;
    const h = this.spec.height ?? 4;
    for (let seq = 1; !signal.aborted; seq++) {
      yield { width: w, height: h, data: allocFrameData(w, h), seq, time: Date.now() };
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function setup(opts: { dir?: string } = {}) {
  const dir = opts.dir ?? await Deno.makeTempDir();
  const clock = new ManualClock();
  const cameras = new CameraSystem({
    createSource: (spec) => new TickingSource(spec),
    store: new FileSnapshotStore(`${dir}/.actors`),
  });
  const state = new ServiceStateFile(dir);
  const sources = new SourceStore(dir);
  const desired = new DesiredState({
    sources,
    jobs: new FileSnapshotStore(`${dir}/.actors`),
    service: state,
  });
  await desired.loadSessions();
  const sessions = new StreamSessions({
    cameras,
    sources,
    state: desired,
    clock,
    leaseMs: 60_000,
  });
  await sessions.start();
  return {
    dir,
    clock,
    cameras,
    sessions,
    state,
    desired,
    /** Every message sent before this one has been handled (the mailbox is FIFO). */
    settled: () => sessions.heartbeat("barrier"),
    async close(remove = true) {
      await sessions.stop();
      await cameras.stopAll();
      if (remove) await Deno.remove(dir, { recursive: true });
    },
  };
}

const A = { source: "/cams/a.png", width: 200, height: 150 };
const B = { source: "/cams/b.png", width: 320, height: 240 };

Deno.test("a roi_* preview no page holds is stopped after 60 s and not restored", async () => {
  const t = await setup();
  try {
    assert.equal((await t.sessions.startPreview("roi_tab1", A)).status, "started");
    const cam = t.sessions.cameraOf("roi_tab1")!;
    assert.deepEqual(t.cameras.holders(cam), ["preview:roi_tab1"]);
    await t.clock.advance(59_999);
    await t.settled();
    assert.equal(t.sessions.previewRunning("roi_tab1"), true, "59.999 s: still leased");
    await t.clock.advance(1);
    await t.settled();
    assert.equal(t.sessions.previewRunning("roi_tab1"), false);
    assert.deepEqual(t.cameras.holders(cam), [], "its camera is let go");
    assert.equal(t.cameras.view(cam)?.status, "stopped");
    assert.deepEqual((await t.state.load()).cameras, {}, "gone from service_state.json");
    assert.equal(t.sessions.snapshot().leasesExpired, 1);
    await t.close(false);
    const again = await setup({ dir: t.dir });
    try {
      assert.deepEqual(await again.sessions.restore(), []);
      assert.equal(again.sessions.previewRunning("roi_tab1"), false);
    } finally {
      await again.close();
    }
  } finally {
    await t.close().catch(() => {});
  }
});

Deno.test("a heartbeat or an open socket keeps a roi_* preview running", async () => {
  const t = await setup();
  try {
    await t.sessions.startPreview("roi_tab2", A);
    await t.clock.advance(30_000);
    const beat = await t.sessions.heartbeat("roi_tab2");
    assert.equal(beat?.expires_at, (t.clock.now() + 60_000) / 1000);
    await t.clock.advance(59_000);
    await t.settled();
    assert.equal(
      t.sessions.previewRunning("roi_tab2"),
      true,
      "89 s after start, 59 s after a beat",
    );
    const letGo = t.sessions.holdLease("roi_tab2", "ws:1");
    await t.clock.advance(10 * 60_000);
    await t.settled();
    assert.equal(t.sessions.previewRunning("roi_tab2"), true, "held by a socket for 10 min");
    assert.equal(t.sessions.lease("roi_tab2")?.expires_at, null);
    letGo();
    await t.settled();
    await t.clock.advance(59_999);
    await t.settled();
    assert.equal(t.sessions.previewRunning("roi_tab2"), true);
    await t.clock.advance(1);
    await t.settled();
    assert.equal(t.sessions.previewRunning("roi_tab2"), false, "60 s after the socket closed");
    assert.equal(await t.sessions.heartbeat("roi_tab2"), undefined, "a late beat finds nothing");
  } finally {
    await t.close();
  }
});

Deno.test("a preview that is not roi_* has no lease and is restored", async () => {
  const t = await setup();
  try {
    await t.sessions.startPreview("1", A);
    await t.clock.advance(3_600_000);
    await t.settled();
    assert.equal(t.sessions.previewRunning("1"), true);
    await t.close(false);
    const again = await setup({ dir: t.dir });
    try {
      assert.deepEqual(await again.sessions.restore(), ["1"]);
    } finally {
      await again.close();
    }
  } finally {
    await t.close().catch(() => {});
  }
});

Deno.test("two cam_ids with one name and different sources get their own cameras", async () => {
  const t = await setup();
  try {
    await t.sessions.startPreview("a", { name: "x", ...A });
    await t.sessions.startPreview("b", { name: "x", ...B });
    const camA = t.sessions.cameraOf("a")!;
    const camB = t.sessions.cameraOf("b")!;
    assert.notEqual(camA, camB);
    assert.equal((await t.cameras.frame(camA))?.width, 200);
    assert.equal((await t.cameras.frame(camB))?.width, 320);
    await t.sessions.startPreview("c", { name: "y", ...A });
    assert.equal(t.sessions.cameraOf("c"), camA, "the same capture is shared");
    assert.deepEqual(t.cameras.holders(camA).sort(), ["preview:a", "preview:c"]);
    await t.sessions.stopPreview("a");
    assert.deepEqual(t.cameras.holders(camA), ["preview:c"]);
  } finally {
    await t.close();
  }
});

Deno.test("concurrent starts and stops end with every camera held exactly by the previews on it", async () => {
  const t = await setup();
  try {
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      const camId = `cam${i % 3}`;
      ops.push(
        i % 4 === 3 ? t.sessions.stopPreview(camId) : t.sessions.startPreview(camId, i % 2 ? A : B),
      );
    }
    await Promise.all(ops);
    const state = (await t.state.load()).cameras;
    for (const camId of ["cam0", "cam1", "cam2"]) {
      const running = t.sessions.previewRunning(camId);
      assert.equal(state[camId]?.roi_running === true, running, `${camId} in service_state.json`);
    }
    for (const view of t.cameras.views()) {
      const expected = ["cam0", "cam1", "cam2"]
        .filter((c) => t.sessions.previewRunning(c) && t.sessions.cameraOf(c) === view.id)
        .map((c) => `preview:${c}`);
      assert.deepEqual(view.holders.sort(), expected, `holders of ${view.id}`);
    }
    for (const camId of ["cam0", "cam1", "cam2"]) await t.sessions.stopPreview(camId);
    assert.deepEqual(t.cameras.views().flatMap((v) => v.holders), []);
  } finally {
    await t.close();
  }
});

Deno.test("a question still queued when the sessions actor stops is answered with an error", async () => {
  const t = await setup();
  try {
    const first = t.sessions.startPreview("s1", A);
    const queued = t.sessions.startPreview("s2", B);
    await t.sessions.stop();
    await first.catch(() => undefined);
    await assert.rejects(queued, /stream sessions stopped|has stopped/);
    // The start under way when it stopped still finishes its write.
    await waitFor(async () => (await t.state.load()).cameras.s1?.roi_running);
  } finally {
    await t.close();
  }
});

Deno.test("previews follow the desired state: a stored stop releases the camera, a stored start holds it, one that cannot open is forgotten", async () => {
  const t = await setup();
  // As system.ts subscribes it: not awaited (the actor's own writes announce changes too).
  t.desired.subscribe((c) => void t.sessions.reconcilePreview(c.name), { kind: "preview" });
  try {
    assert.equal((await t.sessions.startPreview("s1", A)).status, "started");
    const cam = t.sessions.cameraOf("s1")!;
    const entry = t.desired.session("s1")!;
    assert.equal(entry.roi_running, true);
    assert.deepEqual(t.desired.previews(), ["s1"]);

    await t.desired.deletePreview("s1");
    await t.settled();
    assert.equal(t.sessions.previewRunning("s1"), false);
    assert.deepEqual(t.cameras.holders(cam), [], "the reconciler let the camera go");
    assert.deepEqual((await t.state.load()).cameras, {});

    await t.desired.putPreview("s1", entry);
    await t.settled();
    assert.equal(t.sessions.previewRunning("s1"), true);
    assert.deepEqual(t.cameras.holders(t.sessions.cameraOf("s1")!), ["preview:s1"]);
    assert.equal((await t.state.load()).cameras.s1?.roi_running, true);

    await t.desired.putPreview("nowhere", normalizeCamState({ source: null }));
    await t.settled();
    assert.equal(t.sessions.previewRunning("nowhere"), false);
    assert.equal(t.desired.session("nowhere"), undefined, "a start that failed is not kept");
    assert.deepEqual(t.desired.previews(), ["s1"]);

    assert.equal((await t.sessions.stopPreview("s1")).status, "stopped");
    await t.settled();
    assert.deepEqual(t.desired.previews(), []);
    assert.equal(t.sessions.snapshot().previews, 0);
  } finally {
    await t.close();
  }
});

Deno.test("service_state.json records backend ffmpeg for network sources and keeps low_latency across a restart", async () => {
  const t = await setup();
  const rtsp = { source: "rtsp://cam.local/live", width: 64, height: 48 };
  const http = { source: "http://cam.local/v.mjpg", width: 64, height: 48 };
  const specOf = (s: typeof t, camId: string) => s.cameras.view(s.sessions.cameraOf(camId)!)!.spec;
  const start = (s: typeof t, camId: string, settings: CamSettings) =>
    s.sessions.startPreview(camId, settings).then((a) => a.status);
  const stored = async () =>
    JSON.parse(await Deno.readTextFile(`${t.dir}/service_state.json`)).cameras;
  assert.equal(await start(t, "door", { ...rtsp, low_latency: false }), "started");
  assert.equal(await start(t, "yard", { ...http, stream_type: "opencv" }), "started");
  assert.equal(await start(t, "file", A), "started");
  const saved = await stored();
  assert.equal(saved.door.backend, "ffmpeg", "rtsp");
  assert.equal(saved.yard.backend, "ffmpeg", "http, though opencv was asked for");
  assert.equal(saved.file.backend, "opencv");
  assert.equal(saved.door.roi_low_latency, false, "as asked");
  assert.equal(saved.yard.roi_low_latency, true, "VisionROI's default for a preview");
  assert.equal(specOf(t, "door").lowLatency, undefined);
  assert.equal(specOf(t, "yard").lowLatency, true);
  await t.close(false);

  // A new process on the same data dir: the stored flags decide the captures again.
  const again = await setup({ dir: t.dir });
  assert.deepEqual((await again.sessions.restore()).sort(), ["door", "file", "yard"]);
  assert.equal(specOf(again, "door").lowLatency, undefined, "door restored in stable mode");
  assert.equal(specOf(again, "yard").lowLatency, true, "yard restored in low-latency mode");
  // Switching the mode moves the preview to the other capture and is written down.
  assert.equal(await start(again, "door", { low_latency: true }), "already_running");
  assert.equal((await stored()).door.roi_low_latency, true);
  assert.equal(specOf(again, "door").lowLatency, true);
  assert.deepEqual(again.cameras.holders(again.sessions.cameraOf("door")!), ["preview:door"]);
  await again.close();
});
