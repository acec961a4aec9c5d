import assert from "node:assert/strict";
import { lampState } from "./lamp_state.ts";

const t = { clipLevel: 250, minClipShare: 0.1, minExcess: 15, minCoreLevel: 200 };

function solid(w: number, h: number, rgb: [number, number, number]) {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
  return { width: w, height: h, data };
}

Deno.test("a grey box as bright as its surroundings is off (a plain mean would say on)", () => {
  const crop = solid(40, 40, [200, 200, 200]);
  const surround = solid(80, 80, [205, 205, 205]);
  const ring = { surround, surroundRect: { x: 20, y: 20, width: 40, height: 40 } };
  const m = lampState(crop, { ring, thresholds: t });
  assert.equal(m.state, "off");
});

Deno.test("a clipped white core is on, and a coloured core outshining the panel is on", () => {
  assert.equal(lampState(solid(40, 40, [255, 255, 255]), { thresholds: t }).state, "on");
  const crop = solid(40, 40, [60, 240, 20]);
  const surround = solid(80, 80, [190, 190, 190]);
  const ring = { surround, surroundRect: { x: 20, y: 20, width: 40, height: 40 } };
  const m = lampState(crop, { ring, thresholds: t });
  assert.equal(m.state, "on");
  assert.equal(m.coreP90, 240);
  assert.equal(m.ringP90, 190);
});
