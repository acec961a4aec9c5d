import assert from "node:assert/strict";
import type { Frame } from "../actors/frame_sources/frame.ts";
import { createRegistry } from "./registry.ts";
import { makeTestDataDir } from "./testing/test_modules.ts";
import { WorkerPool } from "./worker_pool.ts";
import { createPageDetector, type PageEntry } from "./page_detector.ts";
import {
  alarmPage,
  demoPage,
  type Image,
  mapPoint,
  type Matrix3,
  placePage,
  rectPoints,
  similarity,
  templateBase64,
} from "../tests/helpers/pages.ts";

const FRAME = { width: 1600, height: 900 };
/** Where both pages were when they were captured: at (40, 40), full size. */
const CAPTURED = rectPoints(40, 40, 1280, 720);

let pool: WorkerPool | undefined;
async function sharedPool(): Promise<WorkerPool> {
  if (!pool) {
    const dataDir = await makeTestDataDir();
    const p = new WorkerPool({ registry: await createRegistry({ dataDir }), dataDir, workers: 1 });
    pool = p;
    addEventListener("unload", () => {
      void p.close();
      Deno.removeSync(dataDir, { recursive: true });
    });
    await p.ready();
  }
  return pool;
}

async function pageEntry(id: string, img: Image, points = CAPTURED): Promise<PageEntry> {
  return { id, page: id, name: id, image: await templateBase64(img), points };
}

/** Page pixels → frame pixels for a page shown with `m` (the page image's own corner at 0,0). */
function cornersUnder(m: Matrix3, img: Image) {
  return rectPoints(0, 0, img.width, img.height).map((p) => mapPoint(m, p));
}

// Workers live across tests; the unload handler closes the pool.
const workerTest = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "a page that shifted, turned 4° and shrank 10 % is found, its corners within 4 px",
  ...workerTest,
  fn: async () => {
    const p = await sharedPool();
    const detect = createPageDetector(p);
    const shown = similarity(4, 0.9, 200, 100);
    // The values on the panel changed since its template was captured.
    const frame = await placePage(demoPage(37), shown, FRAME);
    const panel = await pageEntry("panel", demoPage(0));
    const found = await detect(frame, [panel]);
    assert.equal(found.group, "panel");
    const [match] = found.matches;
    assert.equal(match.method, "features");
    assert.ok(match.score > 0.6, `score ${match.score} (${match.inliers} inliers)`);
    const expected = cornersUnder(shown, demoPage(0));
    found.outline!.forEach((p, i) => {
      const err = Math.hypot(p.x - expected[i].x, p.y - expected[i].y);
      assert.ok(err < 4, `corner ${i + 1} off by ${err.toFixed(1)} px`);
    });
    // A point drawn at capture time (panel pixel 100,200 → frame 140,240) follows the page.
    const moved = mapPoint(found.transform!, { x: 140, y: 240 });
    const truth = mapPoint(shown, { x: 100, y: 200 });
    assert.ok(Math.hypot(moved.x - truth.x, moved.y - truth.y) < 4, JSON.stringify(moved));
  },
});

Deno.test({
  name: "of two page templates the one shown wins; scores are sorted best first",
  ...workerTest,
  fn: async () => {
    const detect = createPageDetector(await sharedPool());
    const pages = [await pageEntry("panel", demoPage(0)), await pageEntry("alarms", alarmPage())];
    const alarms = await detect(
      await placePage(alarmPage(), similarity(-3, 1.05, 30, 60), FRAME),
      pages,
    );
    assert.equal(alarms.group, "alarms");
    assert.deepEqual(alarms.scores.map((s) => s.page), ["alarms", "panel"]);
    assert.ok(alarms.scores[0].score > 0.6 && alarms.scores[1].score < 0.4, JSON.stringify(alarms));
    const panel = await detect(
      await placePage(demoPage(5), similarity(2, 1, 150, 120), FRAME),
      pages,
    );
    assert.equal(panel.group, "panel");
    assert.deepEqual(panel.scores.map((s) => s.page), ["panel", "alarms"]);
  },
});

Deno.test({
  name: "a blank frame selects no page: every score is below the threshold",
  ...workerTest,
  fn: async () => {
    const detect = createPageDetector(await sharedPool());
    const pages = [await pageEntry("panel", demoPage(0)), await pageEntry("alarms", alarmPage())];
    const blank = await detect(await placePage(undefined, similarity(0, 1, 0, 0), FRAME), pages);
    assert.equal(blank.group, "");
    assert.equal(blank.scores.length, 2);
    assert.ok(blank.scores.every((s) => s.score < 0.4), JSON.stringify(blank.scores));
    assert.equal(blank.transform, undefined);
  },
});

/** A plain two-tone card: too few corners for ORB, so VisionROI's template match scores it. */
function plainCard(): Image {
  const width = 400, height = 300;
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const x = i % width, y = Math.floor(i / width);
    const v = Math.round(60 + 120 * (x / width) + 40 * (y / height));
    data.set([v, v, v, 255], i * 4);
  }
  return { width, height, data };
}

Deno.test({
  name: "a textureless template falls back to VisionROI's template match at its own polygon",
  ...workerTest,
  fn: async () => {
    const detect = createPageDetector(await sharedPool());
    const card = await pageEntry("card", plainCard(), rectPoints(100, 50, 400, 300));
    const inPlace = await detect(
      await placePage(plainCard(), similarity(0, 1, 100, 50), FRAME),
      [card],
    );
    assert.equal(inPlace.matches[0].method, "template");
    assert.ok(inPlace.matches[0].score > 0.9, JSON.stringify(inPlace.matches[0]));
    assert.equal(inPlace.group, "card");
    const gone = await detect(await placePage(undefined, similarity(0, 1, 0, 0), FRAME), [card]);
    assert.equal(gone.group, "");
  },
});

Deno.test({
  name: "page detection and the ROI reads of the same frame post its pixels to a worker once",
  ...workerTest,
  fn: async () => {
    const p = await sharedPool();
    const frame: Frame = await placePage(demoPage(0), similarity(0, 1, 40, 40), FRAME);
    const before = p.stats().framePosts;
    const [match] = await p.detectPages(frame, [{
      id: "panel",
      page: "panel",
      key: "k-panel",
      image: await templateBase64(demoPage(0)),
      points: rectPoints(40, 40, 1280, 720),
    }]);
    assert.ok(match.score > 0.6, JSON.stringify(match));
    const [read] = await p.readFrame(frame, [
      { id: "a", module: "testkit", points: rectPoints(100, 100, 30, 20) },
    ]);
    assert.equal(read.text, "30x20");
    assert.equal(p.stats().framePosts - before, 1);
  },
});

Deno.test({
  name: "a template that is not an image scores 0 with the reason; the other pages still score",
  ...workerTest,
  fn: async () => {
    const p = await sharedPool();
    const frame = await placePage(alarmPage(), similarity(0, 1, 40, 40), FRAME);
    const broken = { id: "x", page: "x", key: "k-x", image: btoa("no image"), points: CAPTURED };
    const alarms = { ...broken, id: "a", page: "a", key: "k-a" };
    alarms.image = await templateBase64(alarmPage());
    const [bad, good] = await p.detectPages(frame, [broken, alarms]);
    assert.equal(bad.score, 0);
    assert.match(bad.reason ?? "", /^template unusable: /);
    assert.ok(good.score > 0.6, JSON.stringify(good));
  },
});
