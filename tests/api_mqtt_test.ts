/** `/mqtt_configs` through `app.request()`: VisionROI's fields, defaults and messages, plus PUT. */
import assert from "node:assert/strict";
import { testApp } from "./helpers/app.ts";
import { freePort, startBroker } from "./helpers/mosquitto.ts";
import { waitFor } from "./helpers/wait.ts";
import mqtt from "mqtt";

type App = { request: (p: string, i?: RequestInit) => Response | Promise<Response> };

async function call(app: App, method: string, path: string, body?: unknown) {
  const res = await app.request(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const T = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...T,
  name: "mqtt_configs: VisionROI's 400 messages, defaults, 201 answer, no password returned",
  fn: async () => {
    const t = await testApp();
    try {
      const port = await freePort();
      const bad = async (body: unknown, message: string | RegExp) => {
        const r = await call(t.app, "POST", "/mqtt_configs", body);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.json.status, "error");
        if (typeof message === "string") assert.equal(r.json.message, message);
        else assert.match(r.json.message, message);
      };
      await bad({ host: "h" }, "missing data");
      await bad({ name: "  ", host: "h" }, "missing data");
      await bad({ name: "a" }, "missing data");
      await bad({ name: "a", host: "h", port: "abc" }, "invalid port");
      await bad({ name: "a", host: "h", port: 70000 }, "invalid port");
      await bad({ name: "a", host: "h", qos: 3 }, "invalid qos");
      await bad({ name: "a", host: "h", keepalive: 0 }, "invalid keepalive");
      await bad({ name: "a", host: "h", publish_timeout: "soon" }, "invalid publish_timeout");
      await bad(
        { name: "a", host: "h", tls_ca_file: "../outside/keep.txt" },
        /tls_ca_file.*outside/,
      );
      await bad({ name: "a", host: "h", tls_ca_file: "nope.pem" }, /tls_ca_file "nope.pem"/);
      await bad({ name: "a", host: "h", outbox_size: 0 }, /outbox_size 0/);

      const created = await call(t.app, "POST", "/mqtt_configs", {
        name: " plant ",
        host: " 127.0.0.1 ",
        port: String(port),
        password: " secret ",
        qos: "not a number",
        retain: "yes",
        publish_timeout: 0.01,
      });
      assert.equal(created.status, 201);
      assert.equal(created.json.status, "created");
      const { status, ...config } = created.json.config;
      assert.deepEqual(config, {
        name: "plant",
        host: "127.0.0.1",
        port,
        username: "",
        has_password: true,
        base_topic: "",
        client_id: "",
        qos: 0,
        retain: true,
        keepalive: 60,
        publish_timeout: 0.1,
        tls: false,
        tls_ca_file: "",
        tls_cert_file: "",
        tls_key_file: "",
        tls_insecure: false,
        outbox_size: 10000,
        ha_discovery: false,
        ha_prefix: "homeassistant",
        control: true,
      });
      assert.ok(["connecting", "disconnected"].includes(status.state), status.state);
      await bad({ name: "plant", host: "other" }, "name exists");

      await call(t.app, "POST", "/mqtt_configs", { name: "alpha", host: "127.0.0.1", port });
      const list = await call(t.app, "GET", "/mqtt_configs");
      assert.deepEqual(list.json.map((c: { name: string }) => c.name), ["alpha", "plant"]);
      assert.ok(list.json.every((c: Record<string, unknown>) => !("password" in c)));
      assert.equal(list.json[0].has_password, false);
      assert.equal(typeof list.json[1].status.queued, "number");
    } finally {
      await t.close();
    }
  },
});

Deno.test({
  ...T,
  name:
    "mqtt_configs: the file is VisionROI's format with mode 0600; PUT keeps an omitted password",
  fn: async () => {
    const t = await testApp();
    try {
      const port = await freePort();
      await call(t.app, "POST", "/mqtt_configs", {
        name: "b",
        host: "127.0.0.1",
        port,
        username: "u",
        password: "pw",
      });
      await call(t.app, "POST", "/mqtt_configs", { name: "a", host: "127.0.0.1", port });
      const path = `${t.dataDir}/mqtt_configs.json`;
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      const text = await Deno.readTextFile(path);
      const file = JSON.parse(text);
      assert.ok(text.startsWith('[\n  {\n    "name": "a",'), "array sorted by name, indent 2");
      assert.deepEqual(Object.keys(file[1]).slice(0, 12), [
        "name",
        "host",
        "port",
        "username",
        "password",
        "base_topic",
        "client_id",
        "qos",
        "retain",
        "keepalive",
        "publish_timeout",
        "tls",
      ]);
      assert.equal(file[1].password, "pw");

      const put = await call(t.app, "PUT", "/mqtt_configs/b", { host: "127.0.0.1", qos: 1 });
      assert.equal(put.status, 200);
      assert.equal(put.json.status, "updated");
      assert.equal(put.json.config.qos, 1);
      assert.equal(put.json.config.username, "u", "fields not sent are kept");
      assert.equal(put.json.config.has_password, true);
      let stored = JSON.parse(await Deno.readTextFile(path));
      assert.equal(stored[1].password, "pw", "omitted password kept");
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      await call(t.app, "PUT", "/mqtt_configs/b", { password: "" });
      stored = JSON.parse(await Deno.readTextFile(path));
      assert.equal(stored[1].password, "", "an explicit empty password clears it");

      const missing = await call(t.app, "PUT", "/mqtt_configs/zzz", { host: "h" });
      assert.deepEqual(missing, { status: 404, json: { status: "error", message: "not found" } });
      const rename = await call(t.app, "PUT", "/mqtt_configs/b", { name: "c" });
      assert.equal(rename.status, 400);
      assert.match(rename.json.message, /cannot be renamed/);

      const gone = await call(t.app, "DELETE", "/mqtt_configs/zzz");
      assert.deepEqual(gone, { status: 404, json: { status: "error", message: "not found" } });
      assert.deepEqual(await call(t.app, "DELETE", "/mqtt_configs/b"), {
        status: 200,
        json: { status: "deleted" },
      });
      stored = JSON.parse(await Deno.readTextFile(path));
      assert.deepEqual(stored.map((c: { name: string }) => c.name), ["a"]);
      assert.equal(t.system.mqtt.status("b"), undefined, "its connection is closed");
    } finally {
      await t.close();
    }
  },
});

Deno.test({
  ...T,
  name: "mqtt_configs: 50 concurrent creates and 50 deletes of one name leave the file, the list " +
    "and the connections agreeing",
  fn: async () => {
    const broker = await startBroker();
    const t = await testApp();
    try {
      const path = `${t.dataDir}/mqtt_configs.json`;
      const body = { name: "race", host: "127.0.0.1", port: broker.port, base_topic: "race" };
      let existed = false;
      for (let round = 0; round < 3; round++) {
        const calls = Array.from(
          { length: 100 },
          (_, i) =>
            i % 2 === 0
              ? call(t.app, "POST", "/mqtt_configs", body)
              : call(t.app, "DELETE", "/mqtt_configs/race"),
        );
        const answers = await Promise.all(calls);
        const codes = new Set(answers.map((a) => a.status));
        assert.ok([...codes].every((c) => [200, 201, 400, 404].includes(c)), [...codes].join());
        const inFile = JSON.parse(await Deno.readTextFile(path).catch(() => "[]"))
          .some((c: { name: string }) => c.name === "race");
        const listed = (await call(t.app, "GET", "/mqtt_configs")).json
          .some((c: { name: string }) => c.name === "race");
        const connection = t.system.mqtt.supervisor.ids().includes("mqtt:race");
        const status = t.system.mqtt.status("race") !== undefined;
        assert.deepEqual(
          { inFile, listed, connection, status },
          { inFile, listed: inFile, connection: inFile, status: inFile },
          `round ${round}: stored ⇔ connected`,
        );
        // One at a time, successful creates and deletes alternate: their counts tell the end state.
        const created = answers.filter((a) => a.status === 201).length;
        const deleted = answers.filter((a) => a.status === 200).length;
        assert.equal(created - deleted, Number(inFile) - Number(existed), `round ${round}`);
        existed = inFile;
      }
    } finally {
      await t.close();
      await broker.close();
    }
  },
});

/** Resolves with the next payload on `topic` at `url` that `want` accepts (retained ones count). */
function nextPayload(url: string, topic: string, want: (p: string) => boolean): Promise<string> {
  const client = mqtt.connect(url);
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing on ${topic} at ${url}`)), 30_000);
    client.on("message", (_t, payload) => {
      const p = payload.toString();
      if (!want(p)) return;
      clearTimeout(timer);
      resolve(p);
    });
    client.subscribe(topic, { qos: 1 });
  }).finally(() => client.end(true));
}

Deno.test({
  ...T,
  name: "mqtt_configs: the reconciler follows the desired state: a config created over HTTP " +
    "connects, a store write moves it to another broker, a delete closes it",
  fn: async () => {
    const one = await startBroker();
    const two = await startBroker();
    const t = await testApp();
    try {
      const onlineAtOne = nextPayload(one.url, "e2e/status", (p) => p === "online");
      const created = await call(t.app, "POST", "/mqtt_configs", {
        name: "e2e",
        host: "127.0.0.1",
        port: one.port,
        base_topic: "e2e",
      });
      assert.equal(created.status, 201);
      assert.ok(t.system.mqtt.supervisor.ids().includes("mqtt:e2e"), "started before the answer");
      assert.equal(await onlineAtOne, "online");

      // Not through the route: the store alone drives the connection.
      const onlineAtTwo = nextPayload(two.url, "e2e/status", (p) => p === "online");
      await t.system.state.updateMqttConfig("e2e", (base) => ({ ...base, port: two.port }));
      assert.equal(await onlineAtTwo, "online");
      await waitFor(() => t.system.mqtt.status("e2e")?.state === "connected", {
        what: "e2e connected to the second broker",
      });

      const offline = nextPayload(two.url, "e2e/status", (p) => p === "offline");
      assert.deepEqual(await call(t.app, "DELETE", "/mqtt_configs/e2e"), {
        status: 200,
        json: { status: "deleted" },
      });
      assert.equal(t.system.mqtt.status("e2e"), undefined, "closed before the answer");
      assert.ok(!t.system.mqtt.supervisor.ids().includes("mqtt:e2e"));
      assert.equal(await offline, "offline");
      assert.deepEqual(JSON.parse(await Deno.readTextFile(`${t.dataDir}/mqtt_configs.json`)), []);
    } finally {
      await t.close();
      await one.close();
      await two.close();
    }
  },
});
