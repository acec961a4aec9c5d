import assert from "node:assert/strict";
import sharp from "sharp";
import { encodeBase64 } from "../inference_modules/base64.ts";
import { createRegistry } from "../inference_modules/registry.ts";
import {
  explainSkip,
  FIXTURES_DIR,
  fixturesPresent,
} from "../inference_modules/testing/fixtures.ts";
import { WorkerPool } from "../inference_modules/worker_pool.ts";
import { readRoutes } from "./read.ts";

explainSkip("/api/read fixture test (the bad-input tests still run)");

/** Serves the read routes on a real socket (port 0) over a real one-worker pool. */
async function withServer(body: (url: string) => Promise<void>): Promise<void> {
  const registry = await createRegistry();
  const pool = new WorkerPool({ registry, workers: 1 });
  const app = readRoutes({ pool, registry, maxBodyBytes: 2_000_000 });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  try {
    await body(`http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/api/read`);
  } finally {
    await server.shutdown();
    await pool.close();
  }
}

const square = (x: number, y: number, s: number) => [
  { x, y },
  { x: x + s, y },
  { x: x + s, y: y + s },
  { x, y: y + s },
];

/** A 64×48 PNG: white left half, black right half. */
function testPng(): Promise<Uint8Array> {
  const raw = new Uint8Array(64 * 48 * 3);
  for (let i = 0; i < 64 * 48; i++) raw.fill(i % 64 < 32 ? 255 : 0, i * 3, i * 3 + 3);
  return sharp(raw, { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer().then((b) =>
    new Uint8Array(b)
  );
}

function multipart(image: Uint8Array | null, rois: string | null): FormData {
  const form = new FormData();
  if (image) {
    form.set(
      "image",
      new File([image as Uint8Array<ArrayBuffer>], "frame.png", { type: "image/png" }),
    );
  }
  if (rois !== null) form.set("rois", rois);
  return form;
}

const workerTest = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "POST /api/read reads a real lamp photo (multipart and JSON) in the order of rois",
  ...workerTest,
  ignore: !fixturesPresent,
  fn: () =>
    withServer(async (url) => {
      const image = await Deno.readFile(new URL("lamps/led_button2.png", FIXTURES_DIR));
      const fixture = JSON.parse(
        await Deno.readTextFile(new URL("lamps/led_button2.rois.json", FIXTURES_DIR)),
      );
      const rois = [...fixture.rois].reverse();
      rois.push({ id: "tpl", type: "page", page: "p", points: square(0, 0, 10) });
      const viaForm = await fetch(url, {
        method: "POST",
        body: multipart(image, JSON.stringify(rois)),
      });
      assert.equal(viaForm.status, 200);
      const form = await viaForm.json();
      assert.deepEqual([form.width, form.height], [594, 412]);
      assert.ok(form.duration >= 0);
      const expected = rois.filter((r) => r.type === "roi").map((r) => `${r.id}:${r.expected}`);
      assert.deepEqual(
        form.results.map((r: { id: string; text: string }) => `${r.id}:${r.text}`),
        expected,
      );
      assert.deepEqual(Object.keys(form.results[0]).sort(), [
        "confidence",
        "duration",
        "id",
        "module",
        "name",
        "text",
        "value",
      ]);
      const viaJson = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ image: encodeBase64(image), rois }),
      });
      assert.equal(viaJson.status, 200);
      const json = await viaJson.json();
      assert.deepEqual(
        json.results.map((r: { text: string }) => r.text),
        form.results.map((r: { text: string }) => r.text),
      );
    }),
});

Deno.test({
  name: "POST /api/read answers every bad input with its 4xx and a message naming the field",
  ...workerTest,
  fn: () =>
    withServer(async (url) => {
      const png = await testPng();
      const ok = [{ id: "1", module: "light_button", points: square(2, 2, 20) }];
      const post = (body: BodyInit, headers: Record<string, string> = {}) =>
        fetch(url, { method: "POST", body, headers });
      const json = (v: unknown) => post(JSON.stringify(v), { "content-type": "application/json" });
      const cases: [string, Promise<Response>, number, RegExp][] = [
        ["baseline", post(multipart(png, JSON.stringify(ok))), 200, /"results"/],
        [
          "unknown module",
          post(multipart(png, JSON.stringify([{ ...ok[0], module: "nope" }]))),
          422,
          /rois\[0\]\.module: unknown module \\"nope\\"/,
        ],
        [
          "bad polygon",
          post(
            multipart(png, JSON.stringify([{ ...ok[0], points: square(2, 2, 20).slice(0, 2) }])),
          ),
          422,
          /rois\[0\]\.points: ROI \\"1\\": points must have 4 corners, got 2/,
        ],
        [
          "polygon outside the image",
          json({ image: encodeBase64(png), rois: [{ ...ok[0], points: square(50, 40, 30) }] }),
          422,
          /rois\[0\]\.points: ROI \\"1\\": corner 2 \(x=80, y=40\) lies outside the 64×48 frame/,
        ],
        [
          "bad params",
          json({
            image: encodeBase64(png),
            rois: [{ ...ok[0], module: "tesseract_ocr", params: { psm: "page" } }],
          }),
          422,
          /rois\[0\]\.params: module \\"tesseract_ocr\\": params\.psm/,
        ],
        [
          "undecodable image",
          post(multipart(new TextEncoder().encode("not an image"), JSON.stringify(ok))),
          422,
          /image: cannot decode image/,
        ],
        ["image not base64", json({ image: "%%%", rois: ok }), 422, /image: not base64/],
        [
          "missing image (multipart)",
          post(multipart(null, JSON.stringify(ok))),
          400,
          /missing field \\"image\\"/,
        ],
        ["missing rois (multipart)", post(multipart(png, null)), 400, /missing field \\"rois\\"/],
        ["missing image (JSON)", json({ rois: ok }), 400, /missing field \\"image\\"/],
        [
          "missing rois (JSON)",
          json({ image: encodeBase64(png) }),
          400,
          /missing field \\"rois\\"/,
        ],
        ["rois not JSON", post(multipart(png, "[{")), 400, /field \\"rois\\" is not JSON/],
        [
          "rois not a list",
          json({ image: encodeBase64(png), rois: 5 }),
          422,
          /rois: must be an array/,
        ],
        [
          "body not JSON",
          post("{", { "content-type": "application/json" }),
          400,
          /body is not JSON/,
        ],
        [
          "wrong content type",
          post("x", { "content-type": "text/plain" }),
          415,
          /content-type must be/,
        ],
        [
          "body too large",
          post(new Uint8Array(2_000_001), { "content-type": "application/json" }),
          413,
          /larger than 2000000 bytes/,
        ],
      ];
      for (const [what, response, status, message] of cases) {
        const res = await response;
        const text = await res.text();
        assert.equal(res.status, status, `${what}: ${text}`);
        assert.match(text, message, what);
        if (status !== 200) assert.equal(JSON.parse(text).status, "error", what);
      }
    }),
});
