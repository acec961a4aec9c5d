import assert from "node:assert/strict";
import { type Change, DesiredState } from "./desired_state.ts";
import { SourceStore } from "../../storage/source_store.ts";
import { FileSnapshotStore } from "../runtime/mod.ts";

const square = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }];

Deno.test("desired state: writes land on disk before subscribers hear of them; filters; failures counted", async () => {
  const dir = await Deno.makeTempDir();
  const lines: string[] = [];
  const state = new DesiredState({
    sources: new SourceStore(dir),
    jobs: new FileSnapshotStore(`${dir}/.actors`),
    log: (l) => lines.push(l),
  });
  const all: Change[] = [];
  const seenOnDisk: unknown[] = [];
  state.subscribe((c) => void all.push(c));
  state.subscribe(async () => {
    seenOnDisk.push(JSON.parse(await Deno.readTextFile(`${dir}/a/rois.json`)));
  }, { kind: "rois", name: "a" });
  state.subscribe(() => {
    throw new Error("boom");
  }, { kind: "source", name: "b" });
  try {
    await state.createSource({ name: "a", source: "demo" });
    await state.createSource({ name: "b", source: "demo" });
    const filename = await state.saveRois("a", [{ id: "1", module: "", points: square }]);
    assert.equal(filename, "a/rois.json");
    assert.deepEqual(seenOnDisk, [[{ id: "1", module: "", points: square, type: "roi" }]]);
    await assert.rejects(
      () => state.saveRois("a", [{ id: "2", points: square.slice(0, 3) }]),
      /Cannot save ROI "2": points must have 4 corners/,
    );
    assert.equal(seenOnDisk.length, 1, "a refused write tells nobody");
    assert.equal(state.failures, 1, "the throwing subscriber of b was counted");
    assert.match(lines[0], /source b put: Error: boom/);
    assert.equal(await state.renameSource("a", "c"), "c");
    await state.deleteSource("c");
    assert.deepEqual(all.map((c) => `${c.kind} ${c.name} ${c.op}`), [
      "source a put",
      "source b put",
      "rois a put",
      "source a rename",
      "source c delete",
    ]);
    // A job that follows its source keeps no copy of the ROIs; an inline one does.
    const job = {
      camId: "j",
      cameraId: "b",
      source: "b",
      rois: [{ id: "1", type: "roi", points: square }],
      group: null,
      interval: 1,
      resultTimeout: 10,
      drawPageBoxes: true,
    };
    await state.putJob({ ...job, inlineRois: false });
    assert.deepEqual((await state.job("j"))?.rois, []);
    await state.putJob({ ...job, inlineRois: true });
    assert.deepEqual((await state.job("j"))?.rois, job.rois);
    await state.deleteJob("j");
    assert.equal(await state.job("j"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
