/**
 * Run with `--v8-flags=--expose-gc` by `camera_test.ts`: waits for 60 frames with
 * `CameraSystem.nextFrame` (the way `/ws` streams do), drops them, collects garbage, and prints how
 * many of those frames are still reachable. Only the camera's newest frame should be.
 */
import { CameraSystem } from "../../actors/cameras/camera_system.ts";
import { allocFrameData, type FrameSource } from "../../actors/frame_sources/frame.ts";
import { FileSnapshotStore } from "../../actors/runtime/mod.ts";

const source: FrameSource = {
  kind: "probe",
  async *frames(signal) {
    for (let seq = 1; !signal.aborted; seq++) {
      yield { width: 64, height: 64, data: allocFrameData(64, 64), seq, time: Date.now() };
      await new Promise((r) => setTimeout(r, 5));
    }
  },
};
const dir = await Deno.makeTempDir();
const cams = new CameraSystem({
  createSource: () => source,
  store: new FileSnapshotStore(`${dir}/.actors`),
});
const c = cams.register({ source: "probe" });
await cams.hold(c, "probe");
const refs: WeakRef<object>[] = [];
let seq = (await cams.frame(c, { timeoutMs: 10_000 }))?.seq ?? 0;
for (let i = 0; i < 60; i++) {
  const f = await cams.nextFrame(c, seq, 5_000);
  if (!f) throw new Error("no frame");
  seq = f.seq;
  refs.push(new WeakRef(f.data));
}
const gc = (globalThis as { gc?: () => void }).gc!;
for (let i = 0; i < 3; i++) {
  gc();
  await new Promise((r) => setTimeout(r, 10));
}
// Counted while the camera still runs: its exit would let go of whatever it kept.
console.log(JSON.stringify({ waited: refs.length, alive: refs.filter((r) => r.deref()).length }));
await cams.release(c, "probe");
await cams.stopAll();
await Deno.remove(dir, { recursive: true });
