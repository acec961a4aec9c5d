import assert from "node:assert/strict";
import { createSource, post } from "./helpers/http.ts";
import sharp from "sharp";
import { startServer } from "./helpers/server.ts";
import { panelRois } from "./helpers/panel.ts";
import { waitFor } from "./helpers/wait.ts";
import {
  alarmPage,
  demoPage,
  mapPoint,
  placePage,
  rectPoints,
  similarity,
  templateBase64,
} from "./helpers/pages.ts";
import { demoStateAt } from "../actors/frame_sources/demo.ts";
import { FIXTURES_DIR, fixturesPresent } from "../inference_modules/testing/fixtures.ts";

type Json = Record<string, unknown>;
type Pt = { x: number; y: number };

const FRAME = { width: 1600, height: 900 };
/** Page B was captured at (40, 40), full size, in a 1600×900 view; page A elsewhere. */
const AT = { x: 40, y: 40 };
const AT_A = { x: 300, y: 170 };
/** How page B is shown now: turned 2°, 95 % size, moved right and down. */
const SHOWN = similarity(2, 0.95, 180, 100);
/** Capture-time frame pixels → pixels in the view now. */
const nowOf = (p: Pt) => mapPoint(SHOWN, { x: p.x - AT.x, y: p.y - AT.y });

/** Page entries A (an alarm list) and B (the demo panel), and ROIs in both groups, as saved at capture. */
async function savedRois() {
  const at = (o: Pt) => rectPoints(o.x, o.y, 1280, 720);
  const alarms = await templateBase64(alarmPage());
  const pageA = { id: "pA", page: "A", name: "A", image: alarms, points: at(AT_A) };
  const pageB = { id: "pB", page: "B", name: "B", image: await templateBase64(demoPage(0)) };
  const shift = (pts: Pt[], o = AT) => pts.map((p) => ({ x: p.x + o.x, y: p.y + o.y }));
  const roisB = panelRois("B").map((r) => ({ ...r, points: shift(r.points) }));
  const roiA = {
    id: "a_value",
    type: "roi",
    name: "first alarm value",
    group: "A",
    module: "digits",
    points: shift(rectPoints(1000, 145, 220, 60), AT_A),
  };
  return [{ ...pageA, type: "page" }, { ...pageB, points: at(AT), type: "page" }, roiA, ...roisB];
}

/** Green-ness of the preview's page stroke around (x, y) in frame pixels (the preview is half size). */
function greenAt(img: { data: Uint8Array; width: number }, at: Pt): number {
  let best = -255;
  for (let dy = -2; dy <= 2; dy++) {
    for (let dx = -2; dx <= 2; dx++) {
      const i = ((Math.round(at.y / 2) + dy) * img.width + Math.round(at.x / 2) + dx) * 3;
      best = Math.max(best, img.data[i + 1] - (img.data[i] + img.data[i + 2]) / 2);
    }
  }
  return best;
}

Deno.test({
  name: "page detection picks page B on a shifted, turned view; B's ROIs follow it and read right",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const tick = 0;
    const view = await placePage(demoPage(tick), SHOWN, FRAME);
    await sharp(view.data, { raw: { ...FRAME, channels: 4 } }).png().toFile(`${dir}/view.png`);
    const state = demoStateAt(tick);
    const expected = { ...state.values, pump_lamp: state.lampOn ? "on" : "off" };
    const server = await startServer(`${dir}/data`, ["--no-demo", "--workers", "2"]);
    try {
      await createSource(server.url, "line", `${dir}/view.png`);
      const start = await post(`${server.url}/start_inference/line1`, {
        name: "line",
        rois: await savedRois(),
        interval: 0.5,
        draw_page_boxes: true,
      });
      assert.deepEqual(start.json, { status: "started", cam_id: "line1" });
      const ws = new WebSocket(server.url.replace("http", "ws") + "/ws_roi_result/line1");
      const messages: Json[] = [];
      ws.onmessage = (e) => messages.push(JSON.parse(e.data));
      await new Promise((resolve) => (ws.onopen = resolve));
      const scored = await waitFor(() => messages.find((m) => "scores" in m), {
        timeoutMs: 30_000,
        what: "a page scores message",
      });
      assert.deepEqual(Object.keys(scored).sort(), ["group", "scores"]);
      assert.equal(scored.group, "B");
      const scores = scored.scores as { page: string; score: number }[];
      assert.deepEqual(scores.map((s) => s.page), ["B", "A"]);
      assert.ok(scores[0].score > 0.4 && scores[1].score <= 0.4, JSON.stringify(scores));

      const result = await waitFor(() => messages.find((m) => m.results), {
        timeoutMs: 60_000,
        what: "a result of page B's ROIs",
      });
      assert.equal(result.group, "B");
      const results = result.results as { id: string; text: string; error?: string }[];
      const texts = Object.fromEntries(results.map((r) => [r.id, r.error ?? r.text]));
      assert.deepEqual(texts, expected, "B's ROIs read at the page's new place; A's are not read");

      const status = await (await fetch(`${server.url}/inference_status/line1`)).json();
      const found = status.job.detected_page;
      assert.equal(found.page, "B");
      found.points.forEach((p: Pt, i: number) => {
        const truth = nowOf(rectPoints(AT.x, AT.y, 1280, 720)[i]);
        assert.ok(Math.hypot(p.x - truth.x, p.y - truth.y) < 5, `corner ${i + 1}: ${p.x},${p.y}`);
      });
      await checkPreview(server.url.replace("http", "ws") + "/ws/line1");
      ws.close();
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** The preview draws page B's outline where the page is now, not where it was saved. */
async function checkPreview(url: string): Promise<void> {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const jpeg = await new Promise<Uint8Array>((resolve, reject) => {
    ws.onmessage = (e) => resolve(new Uint8Array(e.data as ArrayBuffer));
    ws.onerror = () => reject(new Error("preview socket failed"));
  });
  ws.close();
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({
    resolveWithObject: true,
  });
  const img = { data: new Uint8Array(data), width: info.width };
  const top = (t: number) => ({ x: AT.x + 1280 * t, y: AT.y });
  // Midpoints along the page's top edge: green where the page is now, plain grey where it was saved.
  for (const t of [0.3, 0.5, 0.7]) {
    assert.ok(greenAt(img, nowOf(top(t))) > 80, `no outline at the detected top edge (t=${t})`);
    assert.ok(greenAt(img, top(t)) < 40, `an outline at the saved top edge (t=${t})`);
  }
}

Deno.test({
  name: "a 420×120 page template cut from the HMI photo selects its page and the page's ROIs read",
  ignore: !fixturesPresent,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const photo = new URL("hmi_screen/screen_ocr.jpg", FIXTURES_DIR).pathname;
    // VisionROI's page Save: the bounding box cut from the shown frame, as a JPEG.
    const cut = await sharp(photo).extract({ left: 900, top: 780, width: 420, height: 120 })
      .jpeg({ quality: 92 }).toBuffer();
    const page = {
      id: "p1",
      type: "page",
      page: "status",
      name: "status",
      image: cut.toString("base64"),
      points: rectPoints(900, 780, 420, 120),
    };
    const roi = (id: string, module: string, points: Pt[], group = "status") => ({
      id,
      name: id,
      type: "roi",
      group,
      module,
      points,
    });
    const rois = [
      page,
      roi("date", "rapid_ocr", rectPoints(1155, 808, 110, 32)),
      roi("time", "easy_ocr", rectPoints(1155, 845, 90, 25)),
      roi("elsewhere", "rapid_ocr", rectPoints(457, 704, 102, 21), "other"),
    ];
    const server = await startServer(`${dir}/data`, ["--no-demo", "--workers", "2"]);
    try {
      await createSource(server.url, "hmi", photo);
      const start = await post(`${server.url}/start_inference/page_hmi`, {
        name: "hmi",
        rois,
        interval: 0.5,
        draw_page_boxes: true,
      });
      assert.deepEqual(start.json, { status: "started", cam_id: "page_hmi" });
      const ws = new WebSocket(server.url.replace("http", "ws") + "/ws_roi_result/page_hmi");
      const messages: Json[] = [];
      ws.onmessage = (e) => messages.push(JSON.parse(e.data));
      await new Promise((resolve) => (ws.onopen = resolve));
      const scored = await waitFor(() => messages.find((m) => "scores" in m), {
        timeoutMs: 30_000,
        what: "a page scores message",
      });
      assert.equal(scored.group, "status");
      const [score] = scored.scores as { page: string; score: number }[];
      assert.equal(score.page, "status");
      assert.ok(score.score > 0.9, `score ${score.score}`);
      const result = await waitFor(() => messages.find((m) => m.results), {
        timeoutMs: 60_000,
        what: "a result of the page's ROIs",
      });
      ws.close();
      assert.equal(result.group, "status");
      const results = result.results as { id: string; text: string; error?: string }[];
      const texts = Object.fromEntries(results.map((r) => [r.id, r.error ?? r.text]));
      assert.deepEqual(texts, { date: "15/09/2025", time: "11:26:06" });
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
