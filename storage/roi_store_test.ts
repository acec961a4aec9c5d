import assert from "node:assert/strict";
import { SourceStore } from "./source_store.ts";
import {
  allGroups,
  loadRoiFileAt,
  loadRois,
  type ModuleNames,
  RoiEntrySchema,
  RoiValidationError,
  saveRoiFileAt,
  saveRois,
  validateRois,
} from "./roi_store.ts";
import { NotFoundError } from "./errors.ts";

const MODULES: ModuleNames = {
  names: () => ["tesseract_ocr", "digits"],
  has: (n) => n === "tesseract_ocr" || n === "digits",
};

const square = (x = 10, y = 20) => [
  { x, y },
  { x: x + 30, y },
  { x: x + 30, y: y + 10 },
  { x, y: y + 10 },
];

async function store(): Promise<{ sources: SourceStore; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "roi-store-" });
  const sources = new SourceStore(`${dir}/data`);
  await sources.create({ name: "cam", source: "demo" });
  return { sources, dir };
}

function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RoiValidationError, `not a RoiValidationError: ${err}`);
    assert.ok(err instanceof RangeError);
    assert.match(err.message, message);
    return true;
  });
}

Deno.test("roi store: a round trip keeps page entries, other types and unknown fields", async () => {
  const { sources, dir } = await store();
  try {
    const rois = [
      {
        id: "roi_1",
        group: "main",
        module: "digits",
        name: "counter",
        mqtt_config: "",
        points: square(),
        type: "roi",
        params: { psm: "line" },
        save_crop: true,
        color: "#f00",
        nested: { keep: [1, 2] },
      },
      { id: "p1", page: "p1", name: "p1", image: "/9j/4AAQ", points: square(0, 0), type: "page" },
      { id: "note", type: "annotation", text: "ไทย" },
    ];
    assert.equal(await saveRois(sources, "cam", rois, { modules: MODULES }), "cam/rois.json");
    const text = await Deno.readTextFile(`${dir}/data/cam/rois.json`);
    assert.equal(text, JSON.stringify(rois, null, 2) + "\n", "VisionROI's indent=2 array");
    assert.ok(text.includes("ไทย"), "UTF-8, not \\u escapes");
    assert.deepEqual(await loadRois(sources, "cam"), { rois, filename: "rois.json" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("roi store: load fills ids, default type and converts legacy rectangles", async () => {
  const { sources, dir } = await store();
  try {
    await Deno.writeTextFile(
      `${dir}/data/cam/rois.json`,
      JSON.stringify([
        { x: 5, y: 6, width: 10, height: 4, module: "digits" },
        { id: "b", points: square() },
        { type: "page", page: "p", points: square() },
        7,
      ]),
    );
    const { rois } = await loadRois(sources, "cam");
    assert.deepEqual(rois, [
      {
        id: "1",
        type: "roi",
        module: "digits",
        points: [{ x: 5, y: 6 }, { x: 15, y: 6 }, { x: 15, y: 10 }, { x: 5, y: 10 }],
      },
      { id: "b", type: "roi", points: square() },
      { id: "3", type: "page", page: "p", points: square() },
      7,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("roi store: the validator names the ROI and the field", () => {
  const ok = { id: "3", type: "roi", module: "digits", points: square() };
  rejects(
    () => validateRois([{ ...ok, points: square().slice(0, 2) }]),
    /^Cannot save ROI "3": points must have 4 corners, got 2$/,
  );
  rejects(
    () => validateRois([{ ...ok, points: [{ x: NaN, y: 1 }, ...square().slice(1)] }]),
    /ROI "3": corner 1 x must be a finite number, got NaN/,
  );
  rejects(
    () => validateRois([{ ...ok, points: [...square().slice(0, 3), { x: 1, y: Infinity }] }]),
    /ROI "3": corner 4 y must be a finite number, got Infinity/,
  );
  rejects(
    () => validateRois([{ ...ok, module: "rm_rf" }], { modules: MODULES }),
    /ROI "3": unknown module "rm_rf" \(known: tesseract_ocr, digits\)/,
  );
  rejects(
    () => validateRois([ok, { ...ok, points: square(50, 50) }]),
    /^Cannot save ROI "3": duplicate id, also used by entry 1/,
  );
  rejects(() => validateRois([{ points: square() }, { id: 1, points: square() }]), /ROI "1".*dup/);
  rejects(() => validateRois([{ ...ok, group: 5 }]), /ROI "3": invalid group 5/);
  rejects(() => validateRois([{ ...ok, id: "a/b" }]), /ROI "a\/b": invalid id/);
  rejects(() => validateRois([{ ...ok, x: 1, width: 0, points: undefined }]), /ROI "3".*rect/);
  rejects(() => validateRois([{ type: "page", points: square() }]), /ROI "1": invalid page/);
  rejects(() => validateRois({ rois: [] }), /rois must be an array/);
  rejects(() => validateRois([ok, "x"]), /entry 2 must be an object/);
  assert.deepEqual(validateRois([{ ...ok, module: "" }], { modules: MODULES })[0].module, "");
  assert.equal(validateRois([{ points: square() }])[0].type, "roi", "missing type counts as roi");
  assert.ok(RoiEntrySchema.safeParse(validateRois([ok])[0]).success, "schemas are exported");
});

Deno.test("roi store: the config's rois filename is honoured and confined", async () => {
  const { sources, dir } = await store();
  try {
    await sources.update("cam", { rois: "layout/a.json" });
    assert.equal(await saveRois(sources, "cam", [{ points: square() }]), "cam/layout/a.json");
    assert.equal((await loadRois(sources, "cam")).filename, "layout/a.json");
    for (const bad of ["../other.json", "config.json", "/etc/passwd.json", "rois.txt"]) {
      await sources.update("cam", { rois: bad });
      await assert.rejects(saveRois(sources, "cam", []), RangeError, bad);
    }
    await assert.rejects(loadRois(sources, "nobody"), NotFoundError);
    await assert.rejects(loadRois(sources, ".."), RangeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("roi store: paths relative to the data dir stay inside source folders", async () => {
  const { dir } = await store();
  const data = `${dir}/data`;
  try {
    assert.equal(await saveRoiFileAt(data, "cam/./alt/../b.json", []), "cam/b.json");
    assert.deepEqual(await loadRoiFileAt(data, "cam/b.json"), { rois: [], filename: "b.json" });
    assert.deepEqual(await loadRoiFileAt(data, "cam/none.json"), {
      rois: [],
      filename: "none.json",
    });
    await Deno.symlink("/etc/hostname", `${data}/cam/link.json`);
    for (
      const bad of [
        "../x.json",
        "/etc/x.json",
        "cam/config.json",
        "cam/CONFIG.JSON",
        "cam/../../x.json",
        "x.json",
        "cam/a.txt",
        "cam/.hidden.json",
        ".actors/x.json",
        "cam/a\0.json",
        "cam/link.json",
      ]
    ) {
      await assert.rejects(saveRoiFileAt(data, bad, []), RangeError, bad);
      await assert.rejects(loadRoiFileAt(data, bad), RangeError, bad);
    }
    await assert.rejects(saveRoiFileAt(data, "ghost/rois.json", []), NotFoundError);
    await Deno.mkdir(`${dir}/outside`);
    await Deno.writeTextFile(`${dir}/outside/config.json`, '{"name":"evil","source":"demo"}');
    await Deno.symlink(`${dir}/outside`, `${data}/evil`);
    await assert.rejects(saveRoiFileAt(data, "evil/rois.json", []), RangeError, "outside");
    assert.deepEqual([...Deno.readDirSync(`${dir}/outside`)].map((e) => e.name), ["config.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("roi store: groups span every source and skip a broken file", async () => {
  const { sources, dir } = await store();
  try {
    await saveRois(sources, "cam", [
      { group: "b", points: square() },
      { page: "p1", type: "page", points: square(), name: "x" },
      { name: "only-name", points: square(), group: "" },
      { group: "b", points: square(), id: "z" },
    ]);
    await sources.create({ name: "other", source: "demo" });
    await sources.update("other", { rois: "mine.json" });
    await saveRoiFileAt(sources.dataDir, "other/mine.json", [{ group: "a", points: square() }]);
    await sources.create({ name: "broken", source: "demo" });
    await Deno.writeTextFile(`${sources.dataDir}/broken/rois.json`, "{not json");
    const logged: string[] = [];
    assert.deepEqual(await allGroups(sources, { log: (l) => logged.push(l) }), [
      "a",
      "b",
      "only-name",
      "p1",
    ]);
    assert.equal(logged.length, 1);
    assert.match(logged[0], /broken.*not valid JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
