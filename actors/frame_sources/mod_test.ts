import assert from "node:assert/strict";
import { createFrameSource, type FrameSource, isDemoSource, validateSourceSpec } from "./mod.ts";

function kind(source: string): string {
  return createFrameSource({ source }).kind;
}

Deno.test("createFrameSource picks the demo, a still image, or ffmpeg from the source string", () => {
  assert.equal(kind("demo"), "demo");
  assert.equal(kind("demo:boiler"), "demo");
  assert.equal(kind("/data/panel.PNG"), "image");
  assert.equal(kind("shots/meter.jpeg"), "image");
  for (
    const source of [
      "clip.mp4",
      "rtsp://cam/stream",
      "http://cam/snapshot.jpg",
      "0",
      "/dev/video2",
      "demonstration.mp4",
    ]
  ) {
    assert.equal(kind(source), "ffmpeg", source);
  }
});

Deno.test("demo is selected by 'demo' or 'demo:<anything>' only", () => {
  assert.equal(isDemoSource("demo"), true);
  assert.equal(isDemoSource("DEMO:x"), true);
  assert.equal(isDemoSource("demo.mp4"), false);
  assert.equal(isDemoSource("demos"), false);
});

Deno.test("createFrameSource passes the spec through to the source", () => {
  const source = createFrameSource({ source: "clip.mp4", width: 640, height: 360, fps: 2 }) as
    & FrameSource
    & { spec: unknown };
  assert.deepEqual(source.spec, { source: "clip.mp4", width: 640, height: 360, fps: 2 });
});

Deno.test("a bad width or height is a RangeError naming the field and the value", () => {
  for (
    const [field, value] of [["width", 0], ["width", -1], ["width", 1.5], ["height", 8193], [
      "height",
      NaN,
    ], ["width", Infinity]] as const
  ) {
    assert.throws(
      () => createFrameSource({ source: "demo", [field]: value }),
      (error: unknown) => {
        assert.ok(error instanceof RangeError);
        assert.match(
          error.message,
          new RegExp(`${field} must be an integer from 1 to 8192, got ${value}`),
        );
        return true;
      },
    );
  }
  assert.throws(
    () => validateSourceSpec({ source: "demo", width: "640" as unknown as number }),
    /width .* got "640"/,
  );
});

Deno.test("fps must be from 0.1 to 60", () => {
  for (const fps of [0, 0.05, -5, 61, NaN]) {
    assert.throws(() => createFrameSource({ source: "demo", fps }), (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, new RegExp(`fps must be from 0.1 to 60, got ${fps}`));
      return true;
    });
  }
  for (const fps of [0.2, 60]) {
    assert.equal(createFrameSource({ source: "demo", fps }).kind, "demo");
  }
  assert.equal(createFrameSource({ source: "demo", width: 8192, height: 1 }).kind, "demo");
});

Deno.test("an empty source is a TypeError", () => {
  assert.throws(() => createFrameSource({ source: "  " }), TypeError);
});
