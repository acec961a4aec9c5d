import assert from "node:assert/strict";
import { affectsRois, collectRoiSets, watchRoiChanges } from "./roi_sets.ts";

Deno.test("roi sets: saved sources first, then running jobs with their cam_id", async () => {
  const roi = { id: "1", type: "roi", module: "digits", points: [] };
  const sets = await collectRoiSets({
    sourceNames: () => Promise.resolve(["a"]),
    loadRois: (s) => Promise.resolve(s === "a" ? [roi] : []),
    jobs: {
      camIds: () => ["j1", "gone"],
      config: (id) =>
        id === "j1"
          ? {
            camId: "j1",
            cameraId: "a",
            source: "a",
            rois: [roi],
            group: null,
            interval: 1,
            resultTimeout: 10,
            drawPageBoxes: true,
          }
          : undefined,
    },
  });
  assert.deepEqual(sets, [{ source: "a", rois: [roi] }, { source: "a", camId: "j1", rois: [roi] }]);
});

Deno.test("roi watch: ROI files, source configs and folders, job configs count; logs do not", () => {
  const yes = [
    "/d/src/rois.json",
    "/d/src/config.json",
    "/d/src",
    "/d/.visionroi/.actors/job/j1.json",
  ];
  const no = [
    "/d/src/custom.log",
    "/d/src/rois.json.ab12.tmp",
    "/d/.visionroi/.actors/camera/a.json",
    "/d/.visionroi/.sessions.json",
    "/d/.visionroi/first_start.json",
    "/x/rois.json",
  ];
  assert.deepEqual(yes.map((p) => affectsRois("/d", p)), [true, true, true, true]);
  assert.deepEqual(no.map((p) => affectsRois("/d", p)), [false, false, false, false, false, false]);
});

Deno.test("roi watch: a rois.json write is noticed", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  await Deno.mkdir(`${dir}/src`);
  let changes = 0;
  let noticed!: () => void;
  const seen = new Promise<void>((r) => (noticed = r));
  const watcher = watchRoiChanges(dir, () => {
    changes++;
    noticed();
  });
  try {
    await Deno.writeTextFile(`${dir}/src/custom.log`, "a line\n");
    await Deno.writeTextFile(`${dir}/src/rois.json`, "[]\n");
    await seen;
    assert.ok(changes >= 1);
  } finally {
    watcher.close();
    await Deno.remove(dir, { recursive: true });
  }
});
