/** Concurrent /start_roi_stream and /stop_roi_stream requests end in one consistent state. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { testApp } from "./helpers/app.ts";
import { call } from "./helpers/http.ts";

Deno.test({
  name:
    "a storm of starts and stops over HTTP ends with status, service_state and cameras agreeing",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const t = await testApp();
    try {
      const files: string[] = [];
      for (const [i, w] of [[0, 120], [1, 160], [2, 200]]) {
        const f = `${t.outside}/storm${i}.png`;
        const bg = { r: 40 * i, g: 90, b: 200 };
        await sharp({ create: { width: w, height: 90, channels: 3, background: bg } }).png()
          .toFile(f);
        files.push(f);
      }
      const camIds = ["s0", "s1", "roi_s2", "s3"];
      const requests: Promise<{ status: number }>[] = [];
      for (let i = 0; i < 80; i++) {
        const camId = camIds[i % camIds.length];
        requests.push(
          i % 5 === 4
            ? call(t.app, "POST", `/stop_roi_stream/${camId}`)
            : call(t.app, "POST", `/start_roi_stream/${camId}`, {
              name: `src${(i * 7) % files.length}`,
              source: files[(i * 7) % files.length],
            }),
        );
      }
      const answers = await Promise.all(requests);
      assert.deepEqual(answers.filter((a) => a.status !== 200), []);

      const state = JSON.parse(await Deno.readTextFile(`${t.dataDir}/service_state.json`));
      const views = (await call(t.app, "GET", "/api/cameras")).json as {
        id: string;
        holders: string[];
      }[];
      const expected = new Map<string, string[]>();
      for (const camId of camIds) {
        const st = (await call(t.app, "GET", `/roi_stream_status/${camId}`)).json;
        assert.equal(state.cameras[camId]?.roi_running === true, st.running, camId);
        if (!st.running) continue;
        const list = expected.get(st.camera.id) ?? [];
        expected.set(st.camera.id, [...list, `preview:${camId}`].sort());
        const snap = await t.app.request(`/ws_snapshot/${camId}`);
        assert.equal(snap.status, 200);
        const { width } = await sharp(new Uint8Array(await snap.arrayBuffer())).metadata();
        assert.equal(width, st.camera.width, `${camId} reads the camera its status names`);
      }
      for (const v of views) {
        assert.deepEqual([...v.holders].sort(), expected.get(v.id) ?? [], `holders of ${v.id}`);
      }

      await Promise.all(camIds.map((c) => call(t.app, "POST", `/stop_roi_stream/${c}`)));
      const after = (await call(t.app, "GET", "/api/cameras")).json as { holders: string[] }[];
      assert.deepEqual(after.flatMap((v) => v.holders), []);
      const emptied = JSON.parse(await Deno.readTextFile(`${t.dataDir}/service_state.json`));
      assert.deepEqual(emptied.cameras, {});
    } finally {
      await t.close();
    }
  },
});
