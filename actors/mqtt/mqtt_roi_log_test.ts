import assert from "node:assert/strict";
import { logFileName, MqttRoiLog, tagOfPayload } from "./mqtt_roi_log.ts";

const at = () => new Date("2026-01-31T12:34:56.789Z");

Deno.test("mqtt log names follow VisionROI's rule and stay one safe file name", () => {
  assert.equal(logFileName("Boiler temp #1"), "Boiler_temp_1.log");
  assert.equal(logFileName("../../etc/passwd"), "etc_passwd.log");
  assert.equal(logFileName("..."), "custom.log", "nothing left: VisionROI's custom.log");
  assert.equal(logFileName(""), "custom.log");
  assert.equal(logFileName("evil\u202Efdp.exe"), "evil_fdp.exe.log", "bidi override replaced");
  assert.equal(
    logFileName("อุณหภูมิ"),
    "อ_ณหภ_ม.log",
    "Thai letters kept, marks replaced as in Python",
  );
  const long = logFileName("ก".repeat(300));
  assert.ok(new TextEncoder().encode(long).length <= 255 - 12, long.length.toString());
  assert.ok(long.endsWith(".log"));
});

Deno.test("mqtt log lines go to <source>/mqtt/<roi>.log and rotate by size, keeping `keep` files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/plant`);
    const log = new MqttRoiLog(dir, { maxBytes: 400, keep: 2, now: at });
    const tag = { source: "plant", roiId: "7", roiName: "Boiler temp" };
    for (let i = 0; i < 30; i++) {
      await log.write(tag, "INFO", `Published MQTT message number ${String(i).padStart(2, "0")}`);
    }
    const path = `${dir}/plant/mqtt/Boiler_temp.log`;
    assert.equal(log.pathOf(tag), path);
    const files = [...Deno.readDirSync(`${dir}/plant/mqtt`)].map((e) => e.name).sort();
    assert.deepEqual(files, ["Boiler_temp.log", "Boiler_temp.log.1", "Boiler_temp.log.2"]);
    for (const f of files) assert.ok(Deno.statSync(`${dir}/plant/mqtt/${f}`).size <= 400, f);
    const last = Deno.readTextFileSync(path).trimEnd().split("\n").at(-1);
    assert.equal(
      last,
      "2026-01-31T12:34:56.789Z - INFO - Published MQTT message number 29",
    );
    const kept = files.flatMap((f) => Deno.readTextFileSync(`${dir}/plant/mqtt/${f}`).split("\n"))
      .filter(Boolean);
    assert.ok(kept.length < 30, "the oldest lines fell off");
    assert.deepEqual(log.stats(), { written: 30, dropped: 0, skipped: 0 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mqtt log re-creates no deleted source and drops lines beyond its queue, counting both", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const log = new MqttRoiLog(dir, { maxPending: 3, now: at });
    await log.write({ source: "gone", roiId: "1", roiName: "a" }, "INFO", "x");
    assert.equal(await exists(`${dir}/gone`), false, "no folder for a deleted source");
    await log.write({ source: "../up", roiId: "1", roiName: "a" }, "INFO", "x");
    assert.deepEqual(log.stats(), { written: 0, dropped: 0, skipped: 2 });

    await Deno.mkdir(`${dir}/plant`);
    const tag = { source: "plant", roiId: "1", roiName: "a" };
    await Promise.all(Array.from({ length: 10 }, (_, i) => log.write(tag, "INFO", `m${i}`)));
    assert.deepEqual(log.stats(), { written: 3, dropped: 7, skipped: 2 });
    const lines = Deno.readTextFileSync(`${dir}/plant/mqtt/a.log`).trimEnd().split("\n");
    assert.deepEqual(
      lines.map((l) => l.split(" - ")[2]),
      ["m0", "m1", "m2"],
      "oldest kept, in order",
    );

    await log.write({ source: "", roiId: "9", roiName: "" }, "ERROR", "no source");
    assert.match(
      Deno.readTextFileSync(`${dir}/.visionroi/logs/mqtt/custom.log`),
      / - ERROR - no source\n$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a stored outbox payload names its ROI; other payloads name none", () => {
  const payload = JSON.stringify({
    cam_id: "c",
    source: "plant",
    group: "",
    roi_id: "7",
    roi_name: "Boiler",
    text: "1",
  });
  assert.deepEqual(tagOfPayload(payload), { source: "plant", roiId: "7", roiName: "Boiler" });
  assert.equal(tagOfPayload('{"name":"x","unique_id":"y"}'), undefined);
  assert.equal(tagOfPayload("online"), undefined);
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
