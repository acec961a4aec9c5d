/**
 * Frame rate per source: `fps` on `/create_source` and `PATCH /update_source` is checked (0.1..60,
 * a 400 naming field and value, nothing written), kept in `config.json`, and honoured by a running
 * camera: the rate is measured from the frames the camera delivers, before and after an edit.
 */
import assert from "node:assert/strict";
import { testApp, treeDigest } from "./helpers/app.ts";
import type { System } from "../system.ts";

function form(fields: Record<string, string>): RequestInit {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return { method: "POST", body };
}

function json(method: string, body: unknown): RequestInit {
  return { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** Frames per second delivered by the cam_id's camera, from `n` consecutive frames' times. */
async function measuredFps(system: System, camId: string, n: number): Promise<number> {
  const times: number[] = [];
  let seq = -1;
  const deadline = Date.now() + 30_000;
  while (times.length < n) {
    if (Date.now() > deadline) throw new Error(`only ${times.length} frames in 30 s`);
    const cameraId = system.sessions.cameraOf(camId);
    assert.ok(cameraId, "the cam_id has a camera");
    const frame = await system.cameras.nextFrame(cameraId, seq, 5_000);
    if (!frame || frame.seq === seq) continue;
    // A frame of another camera (after an edit) starts the count again.
    if (frame.seq < seq) times.length = 0;
    seq = frame.seq;
    times.push(frame.time);
  }
  return ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
}

Deno.test("fps: out-of-range values answer 400 naming fps and the value, nothing changes", async () => {
  const t = await testApp();
  try {
    const ok = await t.app.request(
      "/create_source",
      form({ name: "a", source: "demo", fps: "12.5" }),
    );
    assert.equal(ok.status, 200);
    const cfg = JSON.parse(await Deno.readTextFile(`${t.dataDir}/a/config.json`));
    assert.equal(cfg.fps, 12.5);
    const row = (await (await t.app.request("/source_list")).json())[0];
    assert.equal(row.fps, 12.5);

    const before = await treeDigest(t.dataDir);
    for (const bad of ["0", "0.05", "61", "abc", "-1"]) {
      const r = await t.app.request(
        "/create_source",
        form({ name: "b", source: "demo", fps: bad }),
      );
      assert.equal(r.status, 400, `create fps=${bad}`);
      const msg = (await r.json()).message as string;
      assert.match(msg, /fps/);
      assert.ok(msg.includes(JSON.stringify(bad)), `${msg} names ${bad}`);
    }
    for (const bad of [0, 60.5, "x", true]) {
      const r = await t.app.request("/update_source/a", json("PATCH", { fps: bad }));
      assert.equal(r.status, 400, `update fps=${bad}`);
      const msg = (await r.json()).message as string;
      assert.match(msg, /fps/);
      assert.ok(msg.includes(JSON.stringify(bad)), `${msg} names ${bad}`);
    }
    assert.deepEqual(await treeDigest(t.dataDir), before, "nothing written");

    let r = await t.app.request("/update_source/a", json("PATCH", { fps: 0.1 }));
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(await Deno.readTextFile(`${t.dataDir}/a/config.json`)).fps, 0.1);
    r = await t.app.request("/update_source/a", json("PATCH", { fps: null }));
    assert.equal(r.status, 200);
    const cleared = JSON.parse(await Deno.readTextFile(`${t.dataDir}/a/config.json`));
    assert.equal("fps" in cleared, false, "null goes back to the default");
    assert.equal(cleared.source, "demo", "the source is kept");
  } finally {
    await t.close();
  }
});

Deno.test("fps: a running job's camera delivers the configured rate, and an edit reaches it", async () => {
  const t = await testApp();
  try {
    const created = await t.app.request(
      "/create_source",
      form({ name: "cam", source: "demo", width: "320", height: "180", fps: "4" }),
    );
    assert.equal(created.status, 200);
    const start = await t.app.request(
      "/start_inference/j1",
      json("POST", { name: "cam", rois: [], interval: 0 }),
    );
    assert.equal(start.status, 200, await start.clone().text());
    const slow = await measuredFps(t.system, "j1", 6);
    assert.ok(slow > 3 && slow < 5, `4 fps configured, ${slow.toFixed(2)} delivered`);

    const r = await t.app.request("/update_source/cam", json("PATCH", { fps: 20 }));
    assert.equal(r.status, 200);
    const fast = await measuredFps(t.system, "j1", 30);
    assert.ok(fast > 15 && fast < 25, `20 fps after the edit, ${fast.toFixed(2)} delivered`);
    const status = await (await t.app.request("/inference_status/j1")).json();
    assert.equal(status.running, true, "the job kept running on the new camera");
  } finally {
    await t.close();
  }
});
