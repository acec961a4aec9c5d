/**
 * Small page templates (420×120 cuts of the HMI photo, text only): found where they were saved with
 * VisionROI's own score, and found again when the view zooms 0.8–1.25 or shifts a little.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import type { Frame } from "../actors/frame_sources/frame.ts";
import { loadCv } from "./cv_loader.ts";
import { createRegistry } from "./registry.ts";
import { makeTestDataDir } from "./testing/test_modules.ts";
import { explainSkip, FIXTURES_DIR, fixturesPresent } from "./testing/fixtures.ts";
import { decodeImageToFrame } from "./image_frame.ts";
import { WorkerPool } from "./worker_pool.ts";
import { createPageDetector, type PageEntry } from "./page_detector.ts";
import { mapPoint, placePage, rectPoints, templateBase64 } from "../tests/helpers/pages.ts";

explainSkip("small page template tests");

/** Three 420×120 cuts: the top values, the bottom-left value, the date and time. */
const CUTS = [{ x: 560, y: 200 }, { x: 450, y: 680 }, { x: 900, y: 780 }];
const SIZE = { width: 420, height: 120 };

let shared: Promise<{ pool: WorkerPool; frame: Frame }> | undefined;
function setup(): Promise<{ pool: WorkerPool; frame: Frame }> {
  shared ??= (async () => {
    const dataDir = await makeTestDataDir();
    const pool = new WorkerPool({
      registry: await createRegistry({ dataDir }),
      dataDir,
      workers: 1,
    });
    addEventListener("unload", () => {
      void pool.close();
      Deno.removeSync(dataDir, { recursive: true });
    });
    await pool.ready();
    const bytes = await Deno.readFile(new URL("hmi_screen/screen_ocr.jpg", FIXTURES_DIR));
    return { pool, frame: await decodeImageToFrame(bytes) };
  })();
  return shared;
}

const raw = (f: Frame) => ({ raw: { width: f.width, height: f.height, channels: 4 as const } });

/** A page entry whose template is the frame's box at `at`, stored as VisionROI's UI stores it. */
async function cutPage(frame: Frame, at: { x: number; y: number }): Promise<PageEntry> {
  const data = await sharp(frame.data, raw(frame))
    .extract({ left: at.x, top: at.y, ...SIZE })
    .raw()
    .toBuffer();
  const image = await templateBase64({ ...SIZE, data: new Uint8Array(data) });
  return { id: `p${at.x}`, page: `p${at.x}`, image, points: rectPoints(at.x, at.y, 420, 120) };
}

/**
 * VisionROI's score computed here as its app.py does (§3.4): the page polygon warped to
 * W×H with corners at 0 and W−1 / H−1, grey, TM_CCOEFF_NORMED against the decoded template.
 */
async function visionRoiScore(frame: Frame, page: PageEntry): Promise<number> {
  const { cv } = await loadCv();
  const tpl = await sharp(Uint8Array.from(atob(page.image!), (c) => c.charCodeAt(0)))
    .flatten().greyscale().raw().toBuffer();
  const pts = (page.points as { x: number; y: number }[]).flatMap((p) => [p.x, p.y]);
  const { width: w, height: h } = SIZE;
  const rgba = new cv.Mat(frame.height, frame.width, cv.CV_8UC4);
  const from = cv.matFromArray(4, 1, cv.CV_32FC2, pts);
  const to = cv.matFromArray(4, 1, cv.CV_32FC2, [0, 0, w - 1, 0, w - 1, h - 1, 0, h - 1]);
  const m = cv.getPerspectiveTransform(from, to);
  const warped = new cv.Mat(), gray = new cv.Mat(), t = new cv.Mat(h, w, cv.CV_8UC1);
  const r = new cv.Mat();
  try {
    rgba.data.set(frame.data);
    cv.warpPerspective(rgba, warped, m, new cv.Size(w, h));
    cv.cvtColor(warped, gray, cv.COLOR_RGBA2GRAY);
    t.data.set(tpl.subarray(0, w * h));
    cv.matchTemplate(gray, t, r, cv.TM_CCOEFF_NORMED);
    return r.data32F[0];
  } finally {
    [rgba, from, to, m, warped, gray, t, r].forEach((x) => x.delete());
  }
}

/** The whole photo zoomed by `scale` about its centre and moved by (dx, dy). */
function zoom(frame: Frame, scale: number, dx: number, dy: number): number[] {
  const cx = frame.width / 2, cy = frame.height / 2;
  return [scale, 0, cx - scale * cx + dx, 0, scale, cy - scale * cy + dy, 0, 0, 1];
}

const workerTest = { ignore: !fixturesPresent, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "a 420×120 template at its saved place scores exactly as VisionROI scores it",
  ...workerTest,
  fn: async () => {
    const { pool, frame } = await setup();
    const detect = createPageDetector(pool);
    for (const at of CUTS) {
      const page = await cutPage(frame, at);
      const found = await detect(frame, [page]);
      const [m] = found.matches;
      const expected = await visionRoiScore(frame, page);
      assert.equal(found.group, page.page, JSON.stringify(m));
      assert.equal(m.method, "template");
      assert.ok(m.score > 0.8, `score ${m.score}`);
      assert.ok(Math.abs(m.score - expected) < 0.005, `score ${m.score}, VisionROI ${expected}`);
    }
  },
});

Deno.test({
  name: "a 420×120 template is found when the view zooms 0.8–1.25 and shifts; corners within 4 px",
  ...workerTest,
  fn: async () => {
    const { pool, frame } = await setup();
    const detect = createPageDetector(pool);
    const image = { width: frame.width, height: frame.height, data: frame.data };
    for (
      const [scale, dx, dy] of [[0.8, 0, 0], [0.9, 14, -9], [1, 25, 12], [1.12, -18, 6], [
        1.25,
        0,
        0,
      ]]
    ) {
      const m = zoom(frame, scale, dx, dy);
      const view = await placePage(image, m, frame);
      for (const at of CUTS) {
        const page = await cutPage(frame, at);
        const found = await detect(view, [page]);
        const [match] = found.matches;
        const what = `scale ${scale} shift ${dx},${dy} page ${page.page}: ${JSON.stringify(match)}`;
        assert.equal(found.group, page.page, what);
        assert.ok(match.score > 0.85, what);
        const truth = (page.points as { x: number; y: number }[]).map((p) => mapPoint(m, p));
        found.outline!.forEach((p, i) => {
          const err = Math.hypot(p.x - truth[i].x, p.y - truth[i].y);
          assert.ok(err < 4, `corner ${i + 1} off by ${err.toFixed(1)} px; ${what}`);
        });
      }
    }
  },
});
