import assert from "node:assert/strict";
import {
  DEMO_LAMP_COLORS,
  DEMO_LAYOUT,
  demoLayoutFor,
  type DemoRegion,
  DemoSource,
  demoStateAt,
  renderDemoPanel,
} from "./demo.ts";
import type { Frame } from "./frame.ts";

function render(tick: number, width = 1280, height = 720) {
  const data = new Uint8Array(width * height * 4);
  renderDemoPanel(demoStateAt(tick), { width, height, data });
  return { width, height, data };
}

function pixel(img: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const i = (y * img.width + x) * 4;
  return [...img.data.subarray(i, i + 4)];
}

function region(id: string, size = { width: 1280, height: 720 }): DemoRegion {
  const r = demoLayoutFor(size).find((r) => r.id === id);
  assert.ok(r, `no demo region ${id}`);
  return r;
}

/** Bounding box of pixels brighter than `min` (sum of RGB) inside `r`. */
function brightBox(img: { width: number; data: Uint8Array }, r: DemoRegion, min = 450) {
  let top = Infinity, bottom = -Infinity, left = Infinity, right = -Infinity;
  for (let y = r.y; y < r.y + r.height; y++) {
    for (let x = r.x; x < r.x + r.width; x++) {
      const [red, green, blue] = pixel(img, x, y);
      if (red + green + blue < min) continue;
      top = Math.min(top, y), bottom = Math.max(bottom, y);
      left = Math.min(left, x), right = Math.max(right, x);
    }
  }
  return { top, bottom, left, right, height: bottom - top + 1 };
}

Deno.test("the demo panel shows 23.7, 1.013 and 01200 with the lamp on at tick 0", () => {
  assert.deepEqual(demoStateAt(0), {
    tick: 0,
    values: { temperature: "23.7", pressure: "1.013", counter: "01200" },
    lampOn: true,
  });
});

Deno.test("demo values are a pure function of the tick and the counter counts seconds", () => {
  assert.deepEqual(demoStateAt(42), demoStateAt(42));
  assert.equal(demoStateAt(42).values.counter, "01242");
  const temps = new Set(Array.from({ length: 30 }, (_, t) => demoStateAt(t).values.temperature));
  assert.ok(temps.size > 5, "the temperature moves");
  for (let t = 0; t < 200; t++) {
    const { temperature, pressure } = demoStateAt(t).values;
    assert.match(temperature, /^\d\d\.\d$/);
    assert.match(pressure, /^1\.0\d\d$/);
  }
});

Deno.test("the demo lamp is on for 3 s, then off for 3 s", () => {
  assert.deepEqual(
    Array.from({ length: 8 }, (_, t) => demoStateAt(t).lampOn),
    [true, true, true, false, false, false, true, true],
  );
});

Deno.test("the rendered lamp is saturated green when on and dark grey when off", () => {
  const lamp = region("pump_lamp");
  const cx = lamp.x + (lamp.width >> 1), cy = lamp.y + (lamp.height >> 1);
  assert.deepEqual(pixel(render(0), cx, cy), [...DEMO_LAMP_COLORS.on, 255]);
  assert.deepEqual(pixel(render(3), cx, cy), [...DEMO_LAMP_COLORS.off, 255]);
  const [r, g, b] = DEMO_LAMP_COLORS.on;
  assert.ok(g > 200 && r < 80 && b < 100, "on is a bright saturated green");
});

Deno.test("readout digits are bright on black, at least 40 px tall, and inside their region", () => {
  const img = render(0);
  for (const id of ["temperature", "pressure", "counter"]) {
    const r = region(id);
    const box = brightBox(img, r);
    assert.ok(box.height >= 40, `${id} digits are ${box.height} px tall`);
    assert.ok(box.top > r.y && box.bottom < r.y + r.height - 1, `${id} digits fit the region`);
    assert.deepEqual(pixel(img, r.x + 2, r.y + 2), [0, 0, 0, 255], `${id} window is black`);
  }
});

Deno.test("rendering is deterministic and a new second repaints only the readout windows", () => {
  assert.deepEqual(render(5).data, render(5).data);
  const a = render(1200), b = render(1201); // counter 02400 → 02401, lamp on in both
  const windows = ["temperature", "pressure", "counter"].map((id) => region(id));
  const changed = new Map<string, number>([
    ["outside", 0],
    ...windows.map((w) => [w.id, 0] as [string, number]),
  ]);
  for (let i = 0; i < a.data.length; i += 4) {
    if (
      a.data[i] === b.data[i] && a.data[i + 1] === b.data[i + 1] && a.data[i + 2] === b.data[i + 2]
    ) continue;
    const x = (i / 4) % 1280, y = Math.floor(i / 4 / 1280);
    const w = windows.find((w) => x >= w.x && x < w.x + w.width && y >= w.y && y < w.y + w.height);
    const key = w?.id ?? "outside";
    changed.set(key, changed.get(key)! + 1);
  }
  assert.equal(changed.get("outside"), 0);
  assert.ok(changed.get("counter")! > 0);
});

Deno.test("demo regions scale with the frame size", () => {
  assert.deepEqual(region("temperature", { width: 640, height: 360 }), {
    ...DEMO_LAYOUT[0],
    x: 40,
    y: 75,
    width: 260,
    height: 65,
  });
  const small = render(0, 640, 360);
  const lamp = region("pump_lamp", { width: 640, height: 360 });
  assert.deepEqual(pixel(small, lamp.x + (lamp.width >> 1), lamp.y + (lamp.height >> 1)), [
    ...DEMO_LAMP_COLORS.on,
    255,
  ]);
  assert.ok(brightBox(small, region("counter", { width: 640, height: 360 })).height >= 40);
});

Deno.test("demo source serves 1280x720 at 5 fps and renders a new panel when the second changes", async () => {
  let t = 0;
  const sleep = (ms: number) => Promise.resolve(void (t += ms));
  const ac = new AbortController();
  const frames: Frame[] = [];
  for await (
    const f of new DemoSource({ source: "demo" }, { now: () => t, sleep }).frames(ac.signal)
  ) {
    frames.push(f);
    if (frames.length === 6) ac.abort();
  }
  assert.deepEqual(frames.map((f) => [f.seq, f.time]), [[1, 0], [2, 200], [3, 400], [4, 600], [
    5,
    800,
  ], [6, 1000]]);
  assert.ok(
    frames.every((f) =>
      f.width === 1280 && f.height === 720 && f.data.buffer instanceof SharedArrayBuffer
    ),
  );
  assert.equal(frames[4].data, frames[0].data, "same second, same immutable pixels");
  assert.notEqual(frames[5].data, frames[0].data);
  assert.deepEqual(frames[5].data, render(1).data);
});

Deno.test("demo source honours the requested size and fps", async () => {
  let t = 0;
  const waits: number[] = [];
  const sleep = (ms: number) => Promise.resolve(void (waits.push(ms), t += ms));
  const it = new DemoSource({ source: "demo:panel", width: 320, height: 180, fps: 2 }, {
    now: () => t,
    sleep,
  })
    .frames(new AbortController().signal);
  const first = (await it.next()).value as Frame;
  await it.next();
  await it.return();
  assert.deepEqual([first.width, first.height, first.data.length], [320, 180, 320 * 180 * 4]);
  assert.deepEqual(waits, [500]);
});
