/**
 * Names and paths the file system or a reader would choke on are a 400 naming the field, and
 * nothing is written: more than 255 bytes (ENAMETOOLONG used to be a 500), bidi controls and
 * full-width dots (refused like `..`), and multipart part names with NUL.
 */
import assert from "node:assert/strict";
import { testApp, treeDigest } from "./helpers/app.ts";
import { call } from "./helpers/http.ts";
import { FileSnapshotStore, keySegment } from "../actors/runtime/snapshot_store.ts";

const LONG = "a".repeat(300);
const THAI_100 = "ห".repeat(100); // 100 characters, 300 bytes in UTF-8

/** A multipart body with one text part named `name` (raw, so NUL survives). */
function multipart(name: string, value: string, file = false): RequestInit {
  const disposition = file
    ? `form-data; name="${name}"; filename="x.png"`
    : `form-data; name="${name}"`;
  return {
    method: "POST",
    headers: { "content-type": "multipart/form-data; boundary=XX" },
    body: `--XX\r\nContent-Disposition: ${disposition}\r\n\r\n${value}\r\n--XX--\r\n`,
  };
}

Deno.test("names and paths over 255 bytes → 400 on every route that takes one, nothing written", async () => {
  const t = await testApp();
  try {
    const form = new FormData();
    form.set("name", "cam");
    form.set("source", "demo:");
    assert.equal(
      (await t.app.request("/create_source", { method: "POST", body: form })).status,
      200,
    );
    const before = await treeDigest(t.dataDir);
    const rois = { rois: [] };
    const cases: [string, string, unknown, RegExp][] = [
      ["GET", `/load_roi_file?path=${LONG}/rois.json`, undefined, /invalid path/],
      ["GET", `/load_roi_file?path=cam/${LONG}.json`, undefined, /invalid path/],
      ["GET", `/load_roi_file?path=${"a/".repeat(2000)}x.json`, undefined, /invalid path/],
      ["POST", `/save_roi?path=cam/${LONG}.json`, rois, /invalid path/],
      ["POST", `/save_roi?path=${encodeURIComponent(THAI_100)}/r.json`, rois, /invalid path/],
      ["POST", "/save_roi", { source: LONG, rois: [] }, /invalid source/],
      ["GET", `/load_roi/${LONG}`, undefined, /invalid source/],
      ["GET", `/source_config?name=${LONG}`, undefined, /invalid name/],
      ["GET", `/read_log?source=${LONG}`, undefined, /invalid source/],
      ["GET", `/static/ui/${LONG}.js`, undefined, /invalid name: longer than the file system/],
      ["DELETE", `/delete_source/${LONG}`, undefined, /invalid name/],
      ["PATCH", `/update_source/${LONG}`, { source: "demo:" }, /invalid name/],
      ["PATCH", "/rename_source/cam", { name: THAI_100 }, /invalid name.*255 bytes/],
      [
        "POST",
        "/mqtt_configs",
        { name: "m", host: "h", tls_ca_file: `${LONG}.pem` },
        /tls_ca_file/,
      ],
      ["POST", "/mqtt_configs", { name: "m", host: "h", tls_ca_file: `/x/${LONG}` }, /tls_ca_file/],
    ];
    for (const [method, path, body, message] of cases) {
      const res = await call(t.app, method, path, body);
      assert.equal(res.status, 400, `${method} ${path.slice(0, 60)}: ${JSON.stringify(res.json)}`);
      assert.match(res.json.message, message, path.slice(0, 60));
    }
    const created = new FormData();
    created.set("name", THAI_100);
    created.set("source", "demo:");
    const res = await t.app.request("/create_source", { method: "POST", body: created });
    assert.equal(res.status, 400);
    assert.match((await res.json()).message, /at most 255 bytes/);
    assert.deepEqual(await treeDigest(t.dataDir), before, "nothing written");
  } finally {
    await t.close();
  }
});

Deno.test("bidi controls and full-width dots in names and paths are refused like ..", async () => {
  const t = await testApp();
  try {
    const before = await treeDigest(t.dataDir);
    for (const name of ["．．", "．", "．hidden", "a\u202Eb", "x\u2066y", "a／b", "\u200Bcam"]) {
      const form = new FormData();
      form.set("name", name);
      form.set("source", "demo:");
      const res = await t.app.request("/create_source", { method: "POST", body: form });
      assert.equal(res.status, 400, JSON.stringify(name));
      assert.match((await res.json()).message, /invalid name/);
      const load = await call(
        t.app,
        "GET",
        `/load_roi_file?path=${encodeURIComponent(name)}/r.json`,
      );
      assert.equal(load.status, 400, `load_roi_file ${JSON.stringify(name)}`);
    }
    const save = await call(t.app, "POST", `/save_roi?path=${encodeURIComponent("．．/r.json")}`, {
      rois: [],
    });
    assert.equal(save.status, 400);
    const mqtt = await call(t.app, "POST", "/mqtt_configs", { name: "m\u202Ex", host: "h" });
    assert.equal(mqtt.status, 400);
    assert.match(mqtt.json.message, /invalid name/);
    assert.deepEqual(await treeDigest(t.dataDir), before, "nothing written");
    // Scripts that need joiners still work: ZWNJ in Persian, Thai marks.
    for (const name of ["می\u200Cخواهم", "ห้อง1"]) {
      const form = new FormData();
      form.set("name", name);
      form.set("source", "demo:");
      const res = await t.app.request("/create_source", { method: "POST", body: form });
      assert.equal(res.status, 200, name);
      await res.body?.cancel();
    }
  } finally {
    await t.close();
  }
});

Deno.test("a multipart part name with NUL → 400 on form routes and uploads", async () => {
  const t = await testApp();
  try {
    for (
      const [path, init] of [
        ["/create_source", multipart("na\0me", "cam")],
        ["/api/batch", multipart("na\0me", "x")],
        ["/api/batch", multipart("fi\0le", "x", true)],
      ] as const
    ) {
      const res = await t.app.request(path, init);
      const json = await res.json();
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(json)}`);
      assert.match(json.message, /NUL|invalid form body/);
    }
  } finally {
    await t.close();
  }
});

Deno.test("jobs of any valid cam_id persist: Thai, leading dash or dot, 100 letters", async () => {
  const t = await testApp();
  try {
    const form = new FormData();
    form.set("name", "ห้อง1");
    form.set("source", "demo:");
    assert.equal(
      (await t.app.request("/create_source", { method: "POST", body: form })).status,
      200,
    );
    const ids = ["ห้อง1", "-dash", ".x", "ห".repeat(100)];
    for (const id of ids) {
      const res = await call(t.app, "POST", `/start_inference/${encodeURIComponent(id)}`, {
        name: "ห้อง1",
      });
      assert.equal(res.status, 200, `${id}: ${JSON.stringify(res.json)}`);
      const key = `job/${keySegment(id)}`;
      const store = new FileSnapshotStore(`${t.dataDir}/.visionroi/.actors`);
      const saved = await store.load<{ camId: string }>(key);
      assert.equal(saved?.camId, id, `${id}: job config saved under ${key}`);
    }
    for (const id of ids) await call(t.app, "POST", `/stop_inference/${encodeURIComponent(id)}`);
  } finally {
    await t.close();
  }
});
