import assert from "node:assert/strict";
import { SourceStore } from "./source_store.ts";
import {
  appendAggregated,
  appendLine,
  formatLogLine,
  pythonJsonDumps,
  readSourceLog,
  readTail,
  RESULT_LOG_FILE,
} from "./result_log.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "result-log-" });
}

/** Writes `count` numbered lines of varying length (some multi-byte) and returns them. */
async function bigFile(path: string, count: number): Promise<string[]> {
  const lines = Array.from(
    { length: count },
    (_, i) => `${i} ${"ข้อมูล".repeat(i % 7)} ${"x".repeat((i * 37) % 300)}`.trimEnd(),
  );
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
  return lines;
}

Deno.test("readTail returns exactly the last N lines of a multi-MB file", async () => {
  const dir = await tempDir();
  try {
    const path = `${dir}/big.log`;
    const lines = await bigFile(path, 30_000);
    assert.ok((await Deno.stat(path)).size > 4_000_000, "the file spans many chunks");
    for (const n of [1, 2, 40, 999, 1000]) {
      assert.deepEqual(await readTail(path, n), lines.slice(-n), `last ${n}`);
    }
    assert.deepEqual(await readTail(path, 100_000), lines, "more than the file holds → all");
    const capped = await readTail(path, 40, { maxBytes: 64 * 1024 });
    assert.deepEqual(capped, lines.slice(-40), "the end alone is enough: the file is not read");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTail handles edges: no trailing newline, CRLF, empty and missing files", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(`${dir}/a`, "one\r\ntwo  \r\nthree");
    assert.deepEqual(await readTail(`${dir}/a`, 2), ["two", "three"]);
    assert.deepEqual(await readTail(`${dir}/a`, 5), ["one", "two", "three"]);
    await Deno.writeTextFile(`${dir}/empty`, "");
    assert.deepEqual(await readTail(`${dir}/empty`, 3), []);
    assert.deepEqual(await readTail(`${dir}/missing`, 3), []);
    await assert.rejects(readTail(`${dir}/a`, 0), RangeError);
    await Deno.writeTextFile(`${dir}/huge-line`, "a\n" + "y".repeat(200_000) + "\nlast\n");
    assert.deepEqual(await readTail(`${dir}/huge-line`, 2, { maxBytes: 1000 }), ["last"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("appendAggregated writes VisionROI's line shape without images", async () => {
  const dir = await tempDir();
  try {
    const sources = new SourceStore(`${dir}/data`);
    await sources.create({ name: "cam", source: "demo" });
    const payload = {
      frame_time: 1738300000.12,
      result_time: 1738300000.57,
      cam_id: "inf_cam1",
      group: "p1",
      source: "cam",
      results: [{
        id: "1",
        name: "",
        text: "ค่า 42",
        module: "digits",
        duration: 0.41,
        image: "AA",
      }],
      frame_duration: 0.45,
    };
    await appendAggregated(sources, "cam", payload, { now: () => new Date(Date.UTC(2026, 0, 2)) });
    const text = await Deno.readTextFile(`${dir}/data/cam/${RESULT_LOG_FILE}`);
    const { image: _image, ...logged } = payload.results[0];
    assert.equal(
      text,
      `2026-01-02T00:00:00.000Z - INFO - AGGREGATED_ROI ${
        pythonJsonDumps({ ...payload, results: [logged] })
      }\n`,
    );
    assert.deepEqual(await readSourceLog(sources, "cam", 40), [text.trimEnd()]);
    assert.deepEqual(await readSourceLog(sources, "nobody", 40), []);
    await assert.rejects(readSourceLog(sources, "../x", 40), RangeError);
    await assert.rejects(appendAggregated(sources, "gone", payload), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the log rotates by size, keeps 3 files, and reads on into custom.log.1", async () => {
  const dir = await tempDir();
  try {
    const sources = new SourceStore(`${dir}/data`);
    await sources.create({ name: "cam", source: "demo" });
    const path = `${dir}/data/cam/${RESULT_LOG_FILE}`;
    const line = (i: number) => formatLogLine(new Date(0), "INFO", `n=${String(i).padStart(4)}`);
    const size = new TextEncoder().encode(line(0)).length;
    for (let i = 0; i < 50; i++) await appendLine(path, line(i), { maxBytes: size * 10 });
    const names = [...Deno.readDirSync(`${dir}/data/cam`)].map((e) => e.name).sort();
    assert.deepEqual(names.filter((n) => n.startsWith("custom")), [
      "custom.log",
      "custom.log.1",
      "custom.log.2",
      "custom.log.3",
    ]);
    const count = async (p: string) => (await readTail(p, 1000)).length;
    assert.equal(await count(path), 10);
    assert.equal(await count(`${path}.1`), 10);
    assert.match((await readTail(`${path}.3`, 1))[0], /n= {2}19$/, "the oldest files fell off");
    const tail = await readSourceLog(sources, "cam", 15);
    assert.deepEqual(
      tail.map((l) => Number(l.split("n=")[1])),
      [...Array(15).keys()].map((i) => i + 35),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("concurrent appends to one log are whole lines in call order", async () => {
  const dir = await tempDir();
  try {
    const path = `${dir}/c.log`;
    const big = "z".repeat(100_000);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => appendLine(path, `${i} ${big}\n`, { maxBytes: 1e9 })),
    );
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
    assert.deepEqual(lines.map((l) => l.split(" ")[0]), [...Array(40).keys()].map(String));
    assert.ok(lines.every((l) => l.length === 100_000 + 1 + l.split(" ")[0].length));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("appendAggregated cuts any result string over 4 KiB and flags the result", async () => {
  const dir = await tempDir();
  try {
    const sources = new SourceStore(`${dir}/data`);
    await sources.create({ name: "cam", source: "demo" });
    const huge = "x".repeat(64 * 1024 * 1024);
    await appendAggregated(sources, "cam", {
      results: [{ id: "1", name: "n", text: huge, module: "m" }, { id: "2", text: "7" }],
    });
    const line = await Deno.readTextFile(`${dir}/data/cam/${RESULT_LOG_FILE}`);
    assert.ok(line.length < 5000, `line of ${line.length} chars`);
    const json = JSON.parse(line.slice(line.indexOf("{")));
    assert.equal(json.results[0].text, "x".repeat(4096));
    assert.equal(json.results[0].truncated, true);
    assert.deepEqual(json.results[1], { id: "2", text: "7" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("log lines use Python json.dumps spacing, so greps written for VisionROI match", async () => {
  const dir = await tempDir();
  try {
    const sources = new SourceStore(`${dir}/data`);
    await sources.create({ name: "cam", source: "demo" });
    await appendAggregated(sources, "cam", {
      frame_time: 1738300000.12,
      cam_id: "inf_cam1",
      group: null,
      results: [{ id: "1", text: 'ค่า "42"', module: "digits", duration: 0.00001 }],
    });
    const line = (await Deno.readTextFile(`${dir}/data/cam/${RESULT_LOG_FILE}`)).trimEnd();
    const json = line.slice(line.indexOf("AGGREGATED_ROI ") + 15);
    // What Python's json.dumps(payload, ensure_ascii=False) writes for this payload.
    assert.equal(
      json,
      '{"frame_time": 1738300000.12, "cam_id": "inf_cam1", "group": null, "results": ' +
        '[{"id": "1", "text": "ค่า \\"42\\"", "module": "digits", "duration": 1e-05}]}',
    );
    assert.match(line, /"cam_id": "inf_cam1"/);
    assert.equal(JSON.parse(json).results[0].text, 'ค่า "42"');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pythonJsonDumps matches Python's separators, float repr and ensure_ascii escapes", () => {
  assert.equal(pythonJsonDumps({ a: 1, b: [2, 3.5] }), '{"a": 1, "b": [2, 3.5]}');
  assert.equal(
    pythonJsonDumps([1e-7, 1.5e-5, 0.0001, 1e21, NaN, -Infinity]),
    "[1e-07, 1.5e-05, 0.0001, 1e+21, NaN, -Infinity]",
  );
  assert.equal(pythonJsonDumps({ k: undefined, t: "a\nb" }), '{"t": "a\\nb"}');
  assert.equal(
    pythonJsonDumps("ก😀\u007f", { ensureAscii: true }),
    '"\\u0e01\\ud83d\\ude00\\u007f"',
  );
  assert.equal(pythonJsonDumps("ก", { ensureAscii: false }), '"ก"');
  assert.equal(pythonJsonDumps({}), "{}");
  assert.equal(pythonJsonDumps([]), "[]");
});

Deno.test("appendAggregated writes VisionROI's key order whatever order the payload has", async () => {
  const dir = await tempDir();
  try {
    const sources = new SourceStore(`${dir}/data`);
    await sources.create({ name: "cam", source: "demo" });
    // The job's order: source before group, frame_duration before results, an extra key.
    await appendAggregated(sources, "cam", {
      frame_time: 1,
      result_time: 2,
      cam_id: "inf_cam1",
      source: "cam",
      group: "p1",
      frame_duration: 1,
      extra: true,
      results: [],
    });
    const text = await Deno.readTextFile(`${dir}/data/cam/${RESULT_LOG_FILE}`);
    const json = JSON.parse(text.slice(text.indexOf("{")));
    assert.deepEqual(Object.keys(json), [
      "frame_time",
      "result_time",
      "cam_id",
      "group",
      "source",
      "results",
      "frame_duration",
      "extra",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
