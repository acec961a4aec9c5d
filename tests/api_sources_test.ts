import assert from "node:assert/strict";
import { testApp, treeDigest } from "./helpers/app.ts";

function form(fields: Record<string, string>): RequestInit {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return { method: "POST", body };
}

function json(method: string, body: unknown): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

Deno.test("sources: create, list, config, update, rename, delete in VisionROI's layout", async () => {
  const t = await testApp();
  try {
    const created = await t.app.request(
      "/create_source",
      form({ name: "line1", source: "demo", width: "640", height: "360", stream_type: "ffmpeg" }),
    );
    assert.equal(created.status, 200);
    assert.deepEqual(await created.json(), { status: "created" });
    const cfg = JSON.parse(await Deno.readTextFile(`${t.dataDir}/line1/config.json`));
    assert.deepEqual(cfg, {
      name: "line1",
      source: "demo",
      rois: "rois.json",
      stream_type: "ffmpeg",
      width: 640,
      height: 360,
    });
    assert.equal(await Deno.readTextFile(`${t.dataDir}/line1/rois.json`), "[]\n");
    assert.deepEqual(await (await t.app.request("/data_sources")).json(), ["line1"]);
    const list = await (await t.app.request("/source_list")).json();
    assert.equal(list[0].name, "line1");
    assert.equal(list[0].width, 640);
    assert.equal(list[0].stream_type, "ffmpeg");
    assert.deepEqual(await (await t.app.request("/source_config?name=line1")).json(), cfg);

    const dup = await t.app.request("/create_source", form({ name: "line1", source: "demo" }));
    assert.equal(dup.status, 400);
    assert.equal((await dup.json()).message, "name exists");

    let r = await t.app.request(
      "/update_stream_type/line1",
      json("PATCH", { stream_type: "opencv" }),
    );
    assert.deepEqual(await r.json(), { status: "updated" });
    r = await t.app.request(
      "/update_source/line1",
      json("PATCH", { source: "rtsp://cam.local/1" }),
    );
    assert.deepEqual(await r.json(), { status: "updated" });
    r = await t.app.request("/rename_source/line1", json("PATCH", { name: "line2" }));
    assert.deepEqual(await r.json(), { status: "renamed", name: "line2" });
    const renamed = JSON.parse(await Deno.readTextFile(`${t.dataDir}/line2/config.json`));
    assert.equal(renamed.name, "line2");
    assert.equal(renamed.source, "rtsp://cam.local/1");
    assert.equal(renamed.stream_type, "opencv");
    r = await t.app.request("/rename_source/line2", json("PATCH", { name: "line2" }));
    assert.deepEqual(await r.json(), { status: "unchanged" });

    r = await t.app.request("/delete_source/line2", { method: "DELETE" });
    assert.deepEqual(await r.json(), { status: "deleted" });
    assert.deepEqual(await (await t.app.request("/data_sources")).json(), []);
    r = await t.app.request("/delete_source/line2", { method: "DELETE" });
    assert.equal(r.status, 404);
    r = await t.app.request("/source_config?name=line2");
    assert.equal(r.status, 404);
  } finally {
    await t.close();
  }
});

/**
 * Each request must answer 4xx, name the problem, and change nothing on disk. URL parsing turns
 * `%2E` path segments into dot segments before any handler runs, so those find no route (404).
 */
const BAD: [string, string, RequestInit | undefined, RegExp][] = [
  ["dot name", "/create_source", form({ name: ".", source: "demo" }), /invalid name/],
  ["dot-dot name", "/create_source", form({ name: "..", source: "demo" }), /invalid name/],
  ["slash name", "/create_source", form({ name: "../outside/x", source: "demo" }), /invalid name/],
  ["absolute name", "/create_source", form({ name: "/etc", source: "demo" }), /invalid name/],
  ["NUL name", "/create_source", form({ name: "a\0b", source: "demo" }), /invalid name/],
  ["hidden name", "/create_source", form({ name: ".actors", source: "demo" }), /invalid name/],
  ["reserved name", "/create_source", form({ name: "inference_modules", source: "x" }), /reserved/],
  ["missing name", "/create_source", form({ source: "demo" }), /missing data: name/],
  ["missing source", "/create_source", form({ name: "x" }), /missing data: source/],
  ["JSON body", "/create_source", json("POST", { name: "x", source: "demo" }), /missing data/],
  [
    "bad width",
    "/create_source",
    form({ name: "x", source: "demo", width: "wide" }),
    /width "wide"/,
  ],
  ["huge height", "/create_source", form({ name: "x", source: "demo", height: "99999" }), /height/],
  [
    "bad stream_type",
    "/create_source",
    form({ name: "x", source: "d", stream_type: "gst" }),
    /stream_type "gst"/,
  ],
  [
    "file: scheme",
    "/create_source",
    form({ name: "x", source: "file:///etc/passwd" }),
    /scheme "file:"/,
  ],
  [
    "concat: scheme",
    "/create_source",
    form({ name: "x", source: "concat:/a|/b" }),
    /scheme "concat:"/,
  ],
  ["delete %2E", "/delete_source/%2E", { method: "DELETE" }, /no route|invalid name/],
  ["delete %2E%2E", "/delete_source/%2E%2E", { method: "DELETE" }, /no route|invalid name/],
  ["delete encoded slash", "/delete_source/..%2Foutside", { method: "DELETE" }, /invalid name/],
  ["delete missing", "/delete_source/nothing", { method: "DELETE" }, /not found/],
  ["config traversal", "/source_config?name=../outside", undefined, /invalid name/],
  ["config dot", "/source_config?name=.", undefined, /invalid name/],
  ["rename to ..", "/rename_source/keep", json("PATCH", { name: ".." }), /invalid name/],
  ["rename to slash", "/rename_source/keep", json("PATCH", { name: "a/b" }), /invalid name/],
  ["rename onto other", "/rename_source/keep", json("PATCH", { name: "other" }), /name exists/],
  ["rename missing name", "/rename_source/keep", json("PATCH", {}), /missing name/],
  ["rename %2E", "/rename_source/%2E", json("PATCH", { name: "x" }), /no route|invalid name/],
  ["malformed JSON", "/update_source/keep", json("PATCH", "{bad"), /malformed JSON/],
  [
    "form to JSON route",
    "/update_source/keep",
    { ...form({ source: "demo" }), method: "PATCH" },
    /content-type/,
  ],
  [
    "update_source file:",
    "/update_source/keep",
    json("PATCH", { source: "file:/etc/x" }),
    /scheme/,
  ],
  ["update_source empty", "/update_source/keep", json("PATCH", { source: "" }), /missing source/],
  [
    "update_source number",
    "/update_source/keep",
    json("PATCH", { source: 5 }),
    /expected a string/,
  ],
  [
    "stream_type bad",
    "/update_stream_type/keep",
    json("PATCH", { stream_type: "x" }),
    /stream_type "x"/,
  ],
  ["stream_type absent", "/update_stream_type/keep", json("PATCH", {}), /stream_type/],
  ["update %2E%2E", "/update_source/%2E%2E", json("PATCH", { source: "demo" }), /no route|invalid/],
  ["preview bad width", "/start_roi_stream/c1", json("POST", { name: "keep", width: -3 }), /width/],
  ["preview bad type", "/start_roi_stream/c1", json("POST", { stream_type: "v" }), /stream_type/],
  ["preview file:", "/start_roi_stream/c1", json("POST", { source: "file:/etc/passwd" }), /scheme/],
  ["preview bad name", "/start_roi_stream/c1", json("POST", { name: "../x" }), /invalid name/],
  ["preview bad cam_id", "/start_roi_stream/a%20b", json("POST", {}), /invalid cam_id/],
  ["preview no source", "/start_roi_stream/c9", json("POST", {}), /open_failed/],
  ["snapshot unknown", "/ws_snapshot/nobody", undefined, /Camera not initialized/],
];

Deno.test("bad input gets a 4xx naming the problem and changes nothing", async (t) => {
  const app = await testApp();
  try {
    for (const name of ["keep", "other"]) {
      const r = await app.app.request("/create_source", form({ name, source: "demo" }));
      assert.equal(r.status, 200);
    }
    const before = await treeDigest(app.dataDir);
    const outsideBefore = await treeDigest(app.outside);
    for (const [label, path, init, message] of BAD) {
      await t.step(label, async () => {
        const r = await app.app.request(path, init);
        const text = await r.text();
        assert.ok(r.status >= 400 && r.status < 500, `${label}: status ${r.status} ${text}`);
        const shown = text.startsWith("{") ? JSON.parse(text).message : text;
        assert.match(shown, message, label);
        assert.deepEqual(await treeDigest(app.dataDir), before, `${label} changed the data dir`);
        assert.deepEqual(await treeDigest(app.outside), outsideBefore, `${label} touched outside`);
      });
    }
    const health = await app.app.request("/_healthz");
    assert.equal(await health.text(), "ok", "the server keeps serving");
  } finally {
    await app.close();
  }
});

Deno.test({
  name: "camera settings accept name: null as VisionROI did and keep the source name",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const t = await testApp();
    try {
      await t.app.request("/create_source", form({ name: "keep", source: "demo" }));
      let r = await t.app.request("/start_roi_stream/c1", json("POST", { name: "keep" }));
      assert.equal(r.status, 200);
      assert.equal((await r.json()).status, "started");
      r = await t.app.request("/start_roi_stream/c1", json("POST", { name: null }));
      const text = await r.text();
      assert.equal(r.status, 200, text);
      assert.equal(JSON.parse(text).status, "already_running");
      const status = await (await t.app.request("/roi_stream_status/c1")).json();
      assert.equal(status.source, "keep");
      r = await t.app.request(
        "/start_inference/j1",
        json("POST", { name: null, source: "demo", rois: [], group: null }),
      );
      assert.notEqual(r.status, 400, await r.text());
      await t.app.request("/stop_inference/j1", json("POST", {}));
      await t.app.request("/stop_roi_stream/c1", json("POST", {}));
    } finally {
      await t.close();
    }
  },
});
