import assert from "node:assert/strict";
import { testApp, treeDigest } from "./helpers/app.ts";
import { appendLine, formatLogLine } from "../storage/result_log.ts";

function form(fields: Record<string, string>): RequestInit {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return { method: "POST", body };
}

function post(body: unknown): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

const square = (x = 10, y = 20) => [
  { x, y },
  { x: x + 30, y },
  { x: x + 30, y: y + 10 },
  { x, y: y + 10 },
];

const ROI = {
  id: "roi_1",
  group: "main",
  module: "tesseract_ocr",
  name: "",
  mqtt_config: "",
  points: square(),
  type: "roi",
};

Deno.test("ROI files: save, load, load_roi_file, groups and modules on VisionROI's paths", async () => {
  const t = await testApp();
  try {
    await t.app.request("/create_source", form({ name: "cam", source: "demo" }));
    const page = {
      id: "p",
      page: "p1",
      name: "p1",
      image: "/9j/4A",
      points: square(),
      type: "page",
    };
    const other = { id: "o", type: "note", extra: { any: true } };
    const legacy = { id: "old", x: 1, y: 2, width: 3, height: 4, group: "g2", module: "" };
    let r = await t.app.request(
      "/save_roi",
      post({ source: "cam", rois: [ROI, page, other, legacy] }),
    );
    assert.deepEqual(await r.json(), { status: "saved", filename: "cam/rois.json" });

    r = await t.app.request("/load_roi/cam");
    const loaded = await r.json();
    assert.equal(loaded.filename, "rois.json");
    assert.deepEqual(loaded.rois.slice(0, 3), [ROI, page, other]);
    assert.deepEqual(loaded.rois[3].points, [
      { x: 1, y: 2 },
      { x: 4, y: 2 },
      { x: 4, y: 6 },
      { x: 1, y: 6 },
    ]);

    for (
      const path of ["data_sources/cam/rois.json", "cam/rois.json", "./data_sources/cam/rois.json"]
    ) {
      r = await t.app.request(`/load_roi_file?path=${encodeURIComponent(path)}`);
      assert.deepEqual(await r.json(), { rois: loaded.rois, filename: "rois.json" }, path);
    }
    r = await t.app.request(
      "/save_roi?path=cam/variant.json",
      post({ rois: [{ points: square() }] }),
    );
    assert.deepEqual(await r.json(), { status: "saved", filename: "cam/variant.json" });
    r = await t.app.request("/load_roi_file?path=cam/variant.json");
    assert.deepEqual((await r.json()).rois, [{ points: square(), id: "1", type: "roi" }]);

    assert.deepEqual(await (await t.app.request("/groups")).json(), ["g2", "main", "p1"]);
    const modules = await (await t.app.request("/inference_modules")).json();
    assert.ok(Array.isArray(modules) && modules.includes("tesseract_ocr"), JSON.stringify(modules));
    assert.ok(modules.includes("digits"));

    r = await t.app.request("/load_roi/nobody");
    assert.equal(r.status, 404);
    await Deno.remove(`${t.dataDir}/cam/rois.json`);
    assert.deepEqual(await (await t.app.request("/load_roi/cam")).json(), {
      rois: [],
      filename: "rois.json",
    });
    await Deno.writeTextFile(`${t.dataDir}/cam/rois.json`, "[broken");
    r = await t.app.request("/load_roi/cam");
    assert.equal(r.status, 500);
    assert.match((await r.json()).message, /cam\/rois.json is not valid JSON/);
  } finally {
    await t.close();
  }
});

/** Each bad request must answer 4xx naming the problem and leave the data dir as it was. */
const BAD: [string, string, RequestInit | undefined, RegExp][] = [
  [
    "3 points",
    "/save_roi",
    post({ source: "cam", rois: [{ ...ROI, id: "3", points: square().slice(0, 3) }] }),
    /Cannot save ROI "3": points must have 4 corners, got 3/,
  ],
  [
    "null corner (NaN in JSON)",
    "/save_roi",
    post({ source: "cam", rois: [{ ...ROI, points: [{ x: NaN, y: 1 }, ...square().slice(1)] }] }),
    /ROI "roi_1": corner 1 x must be a finite number, got null/,
  ],
  [
    "1e999 corner",
    "/save_roi",
    post(
      `{"source":"cam","rois":[{"id":"i","points":[{"x":1e999,"y":0},{"x":1,"y":0},{"x":1,"y":1},{"x":0,"y":1}]}]}`,
    ),
    /ROI "i": corner 1 x must be a finite number, got Infinity/,
  ],
  [
    "unknown module",
    "/save_roi",
    post({ source: "cam", rois: [{ ...ROI, module: "../../evil" }] }),
    /ROI "roi_1": unknown module "..\/..\/evil"/,
  ],
  [
    "duplicate ids",
    "/save_roi",
    post({ source: "cam", rois: [ROI, ROI] }),
    /ROI "roi_1": duplicate id/,
  ],
  [
    "second entry broken",
    "/save_roi",
    post({ source: "cam", rois: [{ ...ROI, id: "a" }, { ...ROI, id: "b", points: [] }] }),
    /ROI "b": points must have 4 corners, got 0/,
  ],
  [
    "rois not an array",
    "/save_roi",
    post({ source: "cam", rois: { a: 1 } }),
    /rois must be an array/,
  ],
  ["rois missing", "/save_roi", post({ source: "cam" }), /missing rois/],
  ["source missing", "/save_roi", post({ rois: [] }), /missing source/],
  ["source unknown", "/save_roi", post({ source: "nobody", rois: [] }), /config not found/],
  ["source traversal", "/save_roi", post({ source: "../outside", rois: [] }), /invalid source/],
  ["malformed JSON", "/save_roi", post("{bad"), /malformed JSON/],
  ["form body", "/save_roi", form({ source: "cam", rois: "[]" }), /content-type/],
  ["?path=../x.json", "/save_roi?path=../x.json", post({ rois: [] }), /outside allowed directory/],
  [
    "?path=../outside/keep.json",
    "/save_roi?path=../outside/keep.json",
    post({ rois: [] }),
    /outside/,
  ],
  ["?path=/etc/x.json", "/save_roi?path=/etc/x.json", post({ rois: [] }), /must be relative/],
  ["?path=cam/config.json", "/save_roi?path=cam/config.json", post({ rois: [] }), /config.json/],
  [
    "?path=cam/sub/../config.json",
    "/save_roi?path=cam/sub/../config.json",
    post({ rois: [] }),
    /config.json/,
  ],
  ["?path=..%2Fx.json", "/save_roi?path=..%2Fx.json", post({ rois: [] }), /outside/],
  [
    "?path=cam%2F..%2F..%2Fx.json",
    "/save_roi?path=cam%2F..%2F..%2Fx.json",
    post({ rois: [] }),
    /outside/,
  ],
  ["?path NUL", "/save_roi?path=cam/a%00.json", post({ rois: [] }), /NUL/],
  ["?path non-json", "/save_roi?path=cam/custom.log", post({ rois: [] }), /only .json/],
  [
    "?path data dir file",
    "/save_roi?path=mqtt_configs.json",
    post({ rois: [] }),
    /inside a source folder/,
  ],
  ["?path hidden", "/save_roi?path=.actors/camera/x.json", post({ rois: [] }), /invalid path/],
  ["?path no source", "/save_roi?path=ghost/rois.json", post({ rois: [] }), /no source "ghost"/],
  ["?path empty", "/save_roi?path=", post({ rois: [] }), /must not be empty/],
  ["?path with bad rois", "/save_roi?path=cam/new.json", post({ rois: [ROI, ROI] }), /duplicate/],
  ["load_roi traversal", "/load_roi/..%2Foutside", undefined, /invalid source/],
  ["load_roi dot", "/load_roi/%2E", undefined, /no route|invalid/],
  [
    "load_roi_file config",
    "/load_roi_file?path=data_sources/cam/config.json",
    undefined,
    /config.json/,
  ],
  ["load_roi_file outside", "/load_roi_file?path=../outside/keep.txt", undefined, /outside/],
  ["load_roi_file absolute", "/load_roi_file?path=/etc/passwd", undefined, /must be relative/],
  ["load_roi_file missing path", "/load_roi_file", undefined, /missing path/],
  ["read_log lines=0", "/read_log?source=cam&lines=0", undefined, /invalid lines "0"/],
  ["read_log lines=-5", "/read_log?source=cam&lines=-5", undefined, /invalid lines "-5"/],
  ["read_log lines=1001", "/read_log?source=cam&lines=1001", undefined, /invalid lines "1001"/],
  ["read_log lines=abc", "/read_log?source=cam&lines=abc", undefined, /invalid lines "abc"/],
  ["read_log lines=2.5", "/read_log?source=cam&lines=2.5", undefined, /invalid lines/],
  ["read_log traversal", "/read_log?source=../outside", undefined, /invalid source/],
  ["read_log no source", "/read_log", undefined, /missing source/],
];

Deno.test("bad ROI and log requests get a 4xx naming the problem and change nothing", async (t) => {
  const app = await testApp();
  try {
    await app.app.request("/create_source", form({ name: "cam", source: "demo" }));
    const saved = await app.app.request("/save_roi", post({ source: "cam", rois: [ROI] }));
    assert.equal(saved.status, 200);
    const before = await treeDigest(app.dataDir);
    const outsideBefore = await treeDigest(app.outside);
    for (const [label, path, init, message] of BAD) {
      await t.step(label, async () => {
        const r = await app.app.request(path, init);
        const text = await r.text();
        assert.ok(r.status >= 400 && r.status < 500, `${label}: status ${r.status} ${text}`);
        assert.match(JSON.parse(text).message, message, label);
        assert.deepEqual(await treeDigest(app.dataDir), before, `${label} changed the data dir`);
        assert.deepEqual(await treeDigest(app.outside), outsideBefore, `${label} touched outside`);
      });
    }
  } finally {
    await app.close();
  }
});

Deno.test("read_log answers the tail of the source's custom.log", async () => {
  const t = await testApp();
  try {
    await t.app.request("/create_source", form({ name: "cam", source: "demo" }));
    assert.deepEqual(await (await t.app.request("/read_log?source=cam")).json(), { lines: [] });
    // An unknown source answers as VisionROI did: 200 with no lines.
    const unknown = await t.app.request("/read_log?source=nobody");
    assert.equal(unknown.status, 200);
    assert.deepEqual(await unknown.json(), { lines: [] });
    const path = `${t.dataDir}/cam/custom.log`;
    const lines: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const line = formatLogLine(new Date(i * 1000), "INFO", `AGGREGATED_ROI {"n":${i}}`);
      lines.push(line.trimEnd());
      await appendLine(path, line);
    }
    const read = async (q: string) => (await (await t.app.request(`/read_log?${q}`)).json()).lines;
    assert.deepEqual(await read("source=cam"), lines.slice(-40), "default 40");
    assert.deepEqual(await read("source=cam&lines=1"), lines.slice(-1));
    assert.deepEqual(await read("source=cam&lines=1000"), lines.slice(-1000));
  } finally {
    await t.close();
  }
});
