import assert from "node:assert/strict";
import { MqttConfigStore, parseMqttConfigsFile } from "./mqtt_config_store.ts";

Deno.test("mqtt_configs.json loader: list or dict; no name/host dropped; port and qos coerced", () => {
  const fromList = parseMqttConfigsFile(JSON.stringify([
    { name: "b", host: "h", port: "1884", qos: 7 },
    { name: "a", host: "h", port: "nope", qos: -1, retain: "on", password: "p" },
    { name: "", host: "h" },
    { name: "x" },
  ]));
  assert.deepEqual(fromList.map((c) => [c.name, c.port, c.qos, c.retain]), [
    ["a", 1883, 0, true],
    ["b", 1884, 2, false],
  ]);
  assert.equal(fromList[0].password, "p");
  assert.equal(fromList[0].outbox_size, 10_000);
  const fromDict = parseMqttConfigsFile(JSON.stringify({ plant: { host: "broker" } }));
  assert.deepEqual(fromDict.map((c) => [c.name, c.host, c.keepalive, c.publish_timeout]), [
    ["plant", "broker", 60, 5],
  ]);
});

Deno.test("mqtt config store: a failed write is refused and memory is rolled back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = new MqttConfigStore(`${dir}/missing-folder`);
    const [cfg] = parseMqttConfigsFile('[{"name":"a","host":"h"}]');
    await assert.rejects(() => store.create(cfg), Deno.errors.NotFound);
    assert.deepEqual(store.list(), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mqtt config store: a corrupt file is moved aside, not overwritten by the next save", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/mqtt_configs.json`, "{not json");
    const store = new MqttConfigStore(dir);
    assert.deepEqual(await store.load(), []);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.equal(names.length, 1);
    assert.match(names[0], /^mqtt_configs\.json\.unreadable-\d+$/);
    assert.equal(await Deno.readTextFile(`${dir}/${names[0]}`), "{not json");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
