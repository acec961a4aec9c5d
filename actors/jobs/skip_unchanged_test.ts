/**
 * `skip_unchanged` on real crops (the HMI panel photo from the shared fixtures): the same photo
 * re-encoded (JPEG noise) counts as unchanged for every text ROI; one ROI's digits replaced by
 * another's counts as changed for that ROI only; the job reuses readings (`cached: true`) for the
 * unchanged crops and reads the changed one again.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { difference, fingerprint, unchanged } from "./crop_fingerprint.ts";
import { InferenceJobActor, type JobCamera, type JobRoi } from "./inference_job_actor.ts";
import { ResultBus } from "./result_bus.ts";
import { flushMicrotasks, ManualClock } from "../runtime/clock.ts";
import type { Frame } from "../frame_sources/frame.ts";
import type { RoiResult, RoiTask } from "../../inference_modules/pool_types.ts";
import { validateRoiPolygon } from "../../inference_modules/roi_polygon.ts";

const DIR = new URL("../../../shared/fixtures/hmi_screen/", import.meta.url).pathname;
const present = await Deno.stat(`${DIR}screen_ocr.jpg`).then(() => true, () => false);
if (!present) console.warn(`skipped: ${DIR} (the shared HMI fixture) is not beside the checkout`);

interface FixtureRoi extends JobRoi {
  expected: string;
}

async function fixture() {
  const spec = JSON.parse(await Deno.readTextFile(`${DIR}screen_ocr.rois.json`));
  const rois = (spec.rois as FixtureRoi[]).filter((r) => r.module !== "light_button");
  const jpg = await Deno.readFile(`${DIR}screen_ocr.jpg`);
  const noisy = await sharp(jpg).jpeg({ quality: 70 }).toBuffer();
  // ROI 1 ("87") gets ROI 2's digits ("80"): one value changed on an otherwise still panel.
  const box = (r: JobRoi) => {
    const pts = r.points as { x: number; y: number }[];
    const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
    const left = Math.min(...xs), top = Math.min(...ys);
    return { left, top, width: Math.max(...xs) - left, height: Math.max(...ys) - top };
  };
  const b1 = box(rois[0]), b2 = box(rois[1]);
  const patch = await sharp(jpg).extract(b2).resize(b1.width, b1.height, { fit: "fill" })
    .toBuffer();
  const changed = await sharp(jpg).composite([{ input: patch, left: b1.left, top: b1.top }])
    .jpeg({ quality: 90 }).toBuffer();
  let seq = 0;
  const frame = async (bytes: Uint8Array): Promise<Frame> => {
    const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({
      resolveWithObject: true,
    });
    const shared = new Uint8Array(new SharedArrayBuffer(data.length));
    shared.set(data);
    return { width: info.width, height: info.height, data: shared, seq: ++seq, time: seq * 100 };
  };
  return {
    rois,
    original: await frame(jpg),
    noisy: await frame(noisy),
    changed: await frame(changed),
  };
}

Deno.test({
  name:
    "fingerprint: JPEG noise is unchanged for all 12 text ROIs; a changed value is changed, only there",
  ignore: !present,
  fn: async () => {
    const f = await fixture();
    for (const roi of f.rois) {
      const quad = validateRoiPolygon(roi.id, roi.points);
      const a = fingerprint(f.original, quad);
      const same = difference(a, fingerprint(f.noisy, quad));
      assert.ok(
        unchanged(a, fingerprint(f.noisy, quad)),
        `ROI ${roi.id}: noise ${JSON.stringify(same)}`,
      );
      const c = fingerprint(f.changed, quad);
      if (roi.id === "1") {
        assert.ok(!unchanged(a, c), `ROI 1 87→80: ${JSON.stringify(difference(a, c))}`);
      } else {assert.ok(
          unchanged(a, c),
          `ROI ${roi.id} untouched: ${JSON.stringify(difference(a, c))}`,
        );}
    }
  },
});

class Camera implements JobCamera {
  frames: Frame[] = [];
  hold() {
    return Promise.resolve(true);
  }
  release() {
    return Promise.resolve();
  }
  nextFrame() {
    return Promise.resolve(this.frames.shift());
  }
  view() {
    return { status: "live", lastError: null };
  }
}

/** Answers each ROI with its fixture text, and remembers which ROIs it was asked to read. */
class Reader {
  calls: string[][] = [];
  constructor(readonly expected: Map<string, string>) {}
  readFrame(_frame: Frame, tasks: RoiTask[]): Promise<RoiResult[]> {
    this.calls.push(tasks.map((t) => t.id));
    return Promise.resolve(tasks.map((t) => ({
      id: t.id,
      name: "",
      module: t.module,
      text: this.expected.get(t.id)!,
      duration: 0.2,
    })));
  }
}

Deno.test({
  name:
    "skip_unchanged: an unchanged crop reuses its reading (cached: true), a changed one is read again",
  ignore: !present,
  fn: async () => {
    const f = await fixture();
    const clock = new ManualClock();
    const camera = new Camera();
    const reader = new Reader(new Map(f.rois.map((r) => [r.id, r.expected])));
    const bus = new ResultBus();
    const rois = f.rois.map(({ expected: _e, ...r }) => ({ ...r, module: "rapid_ocr" }));
    const job = new InferenceJobActor({
      camId: "hmi",
      cameraId: "hmi",
      source: "hmi",
      rois,
      group: "all",
      interval: 1,
      resultTimeout: 10,
      drawPageBoxes: false,
      skipUnchanged: true,
    }, { cameras: camera, reader, bus, clock });
    camera.frames.push(f.original, f.noisy, f.changed);
    await job.start();
    for (let i = 0; i < 3; i++) {
      await flushMicrotasks();
      await clock.advance(1000);
    }
    await flushMicrotasks();
    assert.equal(reader.calls.length, 2, "the noisy frame needed no read at all");
    assert.equal(reader.calls[0].length, 12);
    assert.deepEqual(reader.calls[1], ["1"], "only the changed ROI is read again");
    const [first, second, third] = bus.recent();
    assert.ok(first.results.every((e) => !e.cached));
    assert.ok(second.results.every((e) => e.cached === true), "all reused");
    assert.deepEqual(
      second.results.map((e) => e.text),
      first.results.map((e) => e.text),
      "reused readings are the readings",
    );
    assert.equal(second.results[0].frame_time, f.noisy.time / 1000, "for the new frame");
    assert.deepEqual(third.results.filter((e) => !e.cached).map((e) => e.id), ["1"]);
    const s = job.snapshot();
    assert.equal(s.reads_cached, 23);
    assert.equal(s.reads_ok, 36);
    await job.stop();
  },
});

Deno.test({
  name: "skip_unchanged off (the default): every frame reads every ROI; a ROI can turn it on alone",
  ignore: !present,
  fn: async () => {
    const f = await fixture();
    const clock = new ManualClock();
    const camera = new Camera();
    const reader = new Reader(new Map(f.rois.map((r) => [r.id, r.expected])));
    const rois = f.rois.map(({ expected: _e, ...r }) => ({
      ...r,
      ...(r.id === "5" ? { skip_unchanged: true } : {}),
    }));
    const job = new InferenceJobActor({
      camId: "hmi",
      cameraId: "hmi",
      source: "hmi",
      rois,
      group: "all",
      interval: 1,
      resultTimeout: 10,
      drawPageBoxes: false,
    }, { cameras: camera, reader, bus: new ResultBus(), clock });
    camera.frames.push(f.original, f.noisy);
    await job.start();
    for (let i = 0; i < 2; i++) {
      await flushMicrotasks();
      await clock.advance(1000);
    }
    await flushMicrotasks();
    assert.equal(reader.calls.length, 2);
    assert.equal(reader.calls[1].length, 11, "all but ROI 5 read again");
    assert.ok(!reader.calls[1].includes("5"));
    await job.stop();
  },
});
