import assert from "node:assert/strict";
import { type Change, DesiredState } from "./desired_state.ts";
import { SourceStore } from "../../storage/source_store.ts";
import { FileSnapshotStore } from "../runtime/mod.ts";
import { MqttConfigStore } from "../../storage/mqtt_config_store.ts";
import { normaliseStored } from "../../storage/mqtt_config.ts";
import { type CamState, normalizeCamState, ServiceStateFile } from "../../storage/service_state.ts";

const square = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }];

Deno.test("desired state: writes land on disk before subscribers hear of them; filters; failures counted", async () => {
  const dir = await Deno.makeTempDir();
  const lines: string[] = [];
  const state = new DesiredState({
    sources: new SourceStore(dir),
    jobs: new FileSnapshotStore(`${dir}/.actors`),
    log: (l) => lines.push(l),
  });
  const all: Change[] = [];
  const seenOnDisk: unknown[] = [];
  state.subscribe((c) => void all.push(c));
  state.subscribe(async () => {
    seenOnDisk.push(JSON.parse(await Deno.readTextFile(`${dir}/a/rois.json`)));
  }, { kind: "rois", name: "a" });
  state.subscribe(() => {
    throw new Error("boom");
  }, { kind: "source", name: "b" });
  try {
    await state.createSource({ name: "a", source: "demo" });
    await state.createSource({ name: "b", source: "demo" });
    const filename = await state.saveRois("a", [{ id: "1", module: "", points: square }]);
    assert.equal(filename, "a/rois.json");
    assert.deepEqual(seenOnDisk, [[{ id: "1", module: "", points: square, type: "roi" }]]);
    await assert.rejects(
      () => state.saveRois("a", [{ id: "2", points: square.slice(0, 3) }]),
      /Cannot save ROI "2": points must have 4 corners/,
    );
    assert.equal(seenOnDisk.length, 1, "a refused write tells nobody");
    assert.equal(state.failures, 1, "the throwing subscriber of b was counted");
    assert.match(lines[0], /source b put: Error: boom/);
    assert.equal(await state.renameSource("a", "c"), "c");
    await state.deleteSource("c");
    assert.deepEqual(all.map((c) => `${c.kind} ${c.name} ${c.op}`), [
      "source a put",
      "source b put",
      "rois a put",
      "source a rename",
      "source c delete",
    ]);
    // A job that follows its source keeps no copy of the ROIs; an inline one does.
    const job = {
      camId: "j",
      cameraId: "b",
      source: "b",
      rois: [{ id: "1", type: "roi", points: square }],
      group: null,
      interval: 1,
      resultTimeout: 10,
      drawPageBoxes: true,
    };
    await state.putJob({ ...job, inlineRois: false });
    assert.deepEqual((await state.job("j"))?.rois, []);
    await state.putJob({ ...job, inlineRois: true });
    assert.deepEqual((await state.job("j"))?.rois, job.rois);
    await state.deleteJob("j");
    assert.equal(await state.job("j"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("desired state: MQTT configs land in mqtt_configs.json (0600) before subscribers hear; one name's changes never interleave", async () => {
  const dir = await Deno.makeTempDir();
  const mqtt = new MqttConfigStore(dir);
  await mqtt.load();
  const state = new DesiredState({
    sources: new SourceStore(dir),
    jobs: new FileSnapshotStore(`${dir}/.actors`),
    mqtt,
  });
  const cfg = (name: string, host: string) => normaliseStored({ name, host })!;
  const seen: string[] = [];
  let release = () => {};
  const held = new Promise<void>((r) => release = r);
  let holding = () => {};
  const aHeld = new Promise<void>((r) => holding = r);
  state.subscribe(async (c) => {
    const file = JSON.parse(await Deno.readTextFile(`${dir}/mqtt_configs.json`));
    const stored = file.find((e: { name: string }) => e.name === c.name);
    seen.push(`${c.kind} ${c.name} ${c.op} ${stored?.host ?? "-"}`);
    // The first put of "a" holds its subscriber: the delete of "a" must wait; "b" must not.
    if (c.name === "a" && c.op === "put" && stored?.host === "h1") {
      holding();
      await held;
    }
  }, { kind: "mqtt" });
  try {
    const putA = state.putMqttConfig(cfg("a", "h1"), { create: true });
    const delA = state.deleteMqttConfig("a");
    await aHeld;
    await state.putMqttConfig(cfg("b", "hb"), { create: true });
    assert.deepEqual(seen, ["mqtt a put h1", "mqtt b put hb"], "b did not wait for a");
    release();
    await putA;
    await delA;
    assert.deepEqual(seen.slice(2), ["mqtt a delete -"]);
    assert.equal((await Deno.stat(`${dir}/mqtt_configs.json`)).mode! & 0o777, 0o600);
    // updateMqttConfig builds from the stored config, under the lock.
    const updated = await state.updateMqttConfig("b", (base) => ({ ...base, port: 1884 }));
    assert.equal(updated.port, 1884);
    assert.equal(state.mqttConfig("b")?.port, 1884);
    assert.deepEqual(state.mqttConfigs().map((c) => c.name), ["b"]);
    assert.equal(seen.at(-1), "mqtt b put hb");
    // Refused writes tell nobody.
    const before = seen.length;
    await assert.rejects(() => state.putMqttConfig(cfg("b", "x"), { create: true }), /name exists/);
    await assert.rejects(() => state.putMqttConfig(cfg("zz", "x")), /not found/);
    await assert.rejects(() => state.deleteMqttConfig("zz"), /not found/);
    await assert.rejects(
      () => state.updateMqttConfig("b", (base) => ({ ...base, name: "c" })),
      /invalid name "c"/,
    );
    assert.equal(seen.length, before);
    assert.equal(state.mqttConfig("c"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("desired state: preview entries live in service_state.json; starts, capture changes and stops are announced once", async () => {
  const dir = await Deno.makeTempDir();
  const state = new DesiredState({
    sources: new SourceStore(dir),
    jobs: new FileSnapshotStore(`${dir}/.actors`),
    service: new ServiceStateFile(dir),
  });
  const seen: string[] = [];
  state.subscribe(async (c) => {
    const file = JSON.parse(await Deno.readTextFile(`${dir}/service_state.json`));
    seen.push(`${c.kind} ${c.name} ${c.op} ${file.cameras[c.name]?.roi_running ?? "-"}`);
  }, { kind: "preview" });
  const cam = (source: string, extra: Partial<CamState> = {}): CamState => ({
    ...normalizeCamState({ source, active_source: "" }),
    ...extra,
  });
  try {
    await state.loadSessions();
    assert.deepEqual(state.previews(), []);
    await state.putPreview("p1", cam("a.png"));
    await state.putPreview("p1"); // unchanged: nothing to announce
    // A job's entry (no preview) is stored but not announced.
    state.setSession("j1", cam("b.png", { inference_running: true }));
    await state.saveSessions();
    await state.putPreview("p1", cam("c.png")); // its capture changed
    await state.putPreview("j1"); // the job's cam_id gets a preview too
    assert.deepEqual(state.previews(), ["p1", "j1"]);
    await state.deletePreview("j1"); // the job's entry stays
    await state.deletePreview("p1"); // gone
    await state.deletePreview("p1"); // nothing ran: nothing announced
    await assert.rejects(() => state.putPreview("nobody"), /no settings stored for cam_id nobody/);
    assert.deepEqual(seen, [
      "preview p1 put true",
      "preview p1 put true",
      "preview j1 put true",
      "preview j1 delete false",
      "preview p1 delete -",
    ]);
    // A reload announces nothing and lists what should run.
    await state.putPreview("p2", cam("d.png"));
    const again = new DesiredState({
      sources: new SourceStore(dir),
      jobs: new FileSnapshotStore(`${dir}/.actors`),
      service: new ServiceStateFile(dir),
    });
    await again.loadSessions();
    assert.deepEqual(again.previews(), ["p2"]);
    assert.deepEqual(again.sessionEntries().map(([id]) => id).sort(), ["j1", "p2"]);
    assert.equal(again.session("j1")?.inference_running, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
