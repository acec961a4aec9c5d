/**
 * The MQTT page's routes through `app.request()`, with a real mosquitto where a broker is needed:
 * "Test connection" uses its own client (the live availability topic sees nothing), bulk
 * assignment of a config to the ROIs of a source or group, the TLS file list, and the fields the
 * page edits (HA discovery, control, TLS, publish timeout, outbox size) with their 400s.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir } from "node:fs/promises";
import { testApp } from "./helpers/app.ts";
import { freePort, startBroker } from "./helpers/mosquitto.ts";
import { listen } from "./helpers/mqtt_listener.ts";
import { waitFor } from "./helpers/wait.ts";

type App = { request: (p: string, i?: RequestInit) => Response | Promise<Response> };
type Json = Record<string, unknown>;

async function call(app: App, method: string, path: string, body?: unknown) {
  const res = await app.request(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() as Json & { message?: string } };
}

function form(fields: Record<string, string>): RequestInit {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  return { method: "POST", body };
}

const T = { sanitizeResources: false, sanitizeOps: false };

const square = [{ x: 1, y: 1 }, { x: 9, y: 1 }, { x: 9, y: 9 }, { x: 1, y: 9 }];
const roi = (id: string, group: string, extra: Json = {}) => ({
  id,
  type: "roi",
  group,
  module: "digits",
  name: id,
  points: square,
  ...extra,
});

Deno.test({
  ...T,
  name:
    "mqtt test connection: own client id, no will; the live status topic sees no offline/online",
  fn: async () => {
    const broker = await startBroker();
    const t = await testApp();
    const sub = await listen(broker.url, ["plant/#"], { clientId: "watcher" });
    try {
      const cfg = {
        name: "live",
        host: "127.0.0.1",
        port: broker.port,
        base_topic: "plant",
        client_id: "plant_live",
      };
      assert.equal((await call(t.app, "POST", "/mqtt_configs", cfg)).status, 201);
      const status = () => t.system.mqtt.status("live");
      const before = await waitFor(() => status()?.state === "connected" && status(), {
        what: "live connected",
      });
      await sub.until((m) => m.some((x) => x.topic === "plant/status"), "online announced");

      const r = await call(t.app, "POST", "/mqtt_configs/live/test");
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.status, "connected");
      assert.match(String(r.json.client_id), /^plant_live_test_[0-9a-f]{6}$/);
      assert.equal(r.json.broker, `mqtt://127.0.0.1:${broker.port}`);
      assert.equal(typeof r.json.ms, "number");

      // Anything the test caused reaches the watcher before this marker, published after it.
      await sub.client.publishAsync("plant/marker", "after the test", { qos: 1 });
      await sub.until((m) => m.some((x) => x.topic === "plant/marker"), "the marker");
      const statusMsgs = sub.on("plant/status").map((x) => x.payload);
      assert.deepEqual(statusMsgs, ["online"], "no offline/online from the test");
      const after = status()!;
      assert.equal(after.state, "connected");
      assert.equal(after.restarts, before.restarts, "the live connection was not replaced");
      assert.equal(after.connected_at, before.connected_at);

      // A broker that is not there: 502 naming the broker and the reason.
      const closed = await freePort();
      await call(t.app, "POST", "/mqtt_configs", { name: "away", host: "127.0.0.1", port: closed });
      const away = await call(t.app, "POST", "/mqtt_configs/away/test");
      assert.equal(away.status, 502);
      assert.match(
        away.json.message ?? "",
        new RegExp(`127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED`),
      );
      assert.equal((await call(t.app, "POST", "/mqtt_configs/nosuch/test")).status, 404);

      // Unsaved settings (the form's "Test these settings"): tested, not stored.
      const unsaved = await call(t.app, "POST", "/mqtt_configs/test", {
        name: "draft",
        host: "127.0.0.1",
        port: broker.port,
      });
      assert.equal(unsaved.status, 200, JSON.stringify(unsaved.json));
      assert.match(String(unsaved.json.client_id), /^visionroi_test_[0-9a-f]{6}$/);
      const names = ((await call(t.app, "GET", "/mqtt_configs")).json as unknown as Json[])
        .map((c) => c.name);
      assert.deepEqual(names, ["away", "live"], "nothing stored");
      const badPort = await call(t.app, "POST", "/mqtt_configs/test", {
        name: "draft",
        host: "127.0.0.1",
        port: 70000,
      });
      assert.equal(badPort.status, 400);
      assert.equal(badPort.json.message, "invalid port");
      // A stored name: omitted fields are the stored ones (its port), as for PUT.
      const stored = await call(t.app, "POST", "/mqtt_configs/test", { name: "live" });
      assert.equal(stored.status, 200, JSON.stringify(stored.json));
      assert.match(String(stored.json.client_id), /^plant_live_test_/);
    } finally {
      await sub.close();
      await t.close();
      await broker.close();
    }
  },
});

Deno.test({
  ...T,
  name: "mqtt assign: a config goes to every ROI of a source or a group, and comes off again",
  fn: async () => {
    const t = await testApp();
    try {
      for (const name of ["a", "b"]) {
        const res = await t.app.request("/create_source", form({ name, source: "demo" }));
        assert.equal(res.status, 200, await res.text());
      }
      const save = async (source: string, rois: unknown[]) => {
        const r = await call(t.app, "POST", "/save_roi", { source, rois });
        assert.equal(r.status, 200, JSON.stringify(r.json));
      };
      await save("a", [
        roi("a1", "g1"),
        roi("a2", "g2", { mqtt_config: "other" }),
        { id: "p", type: "page", page: "P", points: square },
      ]);
      await save("b", [roi("b1", "g1"), roi("b2", "")]);
      const port = await freePort();
      await call(t.app, "POST", "/mqtt_configs", { name: "ha", host: "127.0.0.1", port });
      const configs = async (source: string) =>
        ((await call(t.app, "GET", `/load_roi/${source}`)).json.rois as Json[])
          .map((e) => `${e.id}=${e.mqtt_config ?? "-"}`);

      let r = await call(t.app, "POST", "/mqtt_configs/ha/assign", { source: "a" });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.deepEqual(r.json, {
        status: "assigned",
        config: "ha",
        matched: 2,
        changed: 2,
        sources: { a: 2 },
      });
      assert.deepEqual(await configs("a"), ["a1=ha", "a2=ha", "p=-"], "the page entry untouched");
      assert.deepEqual(await configs("b"), ["b1=-", "b2=-"]);

      r = await call(t.app, "POST", "/mqtt_configs/ha/assign", { group: "g1" });
      assert.deepEqual([r.json.matched, r.json.changed, r.json.sources], [2, 1, { b: 1 }]);
      assert.deepEqual(await configs("b"), ["b1=ha", "b2=-"]);

      r = await call(t.app, "POST", "/mqtt_configs/ha/assign", { source: "b", group: "" });
      assert.deepEqual(r.json.sources, { b: 1 }, '"" is the ROIs without a group');
      r = await call(t.app, "POST", "/mqtt_configs/ha/assign", { group: "g2", clear: true });
      assert.equal(r.json.status, "cleared");
      assert.deepEqual(await configs("a"), ["a1=ha", "a2=-", "p=-"]);

      const bad = async (path: string, body: unknown, status: number, message: RegExp) => {
        const before = [...await configs("a"), ...await configs("b")];
        const res = await call(t.app, "POST", path, body);
        assert.equal(res.status, status, `${JSON.stringify(body)}: ${JSON.stringify(res.json)}`);
        assert.match(res.json.message ?? "", message);
        assert.deepEqual([...await configs("a"), ...await configs("b")], before, "nothing changed");
      };
      await bad("/mqtt_configs/ha/assign", {}, 400, /missing source or group/);
      await bad("/mqtt_configs/ha/assign", { source: 5 }, 400, /source/);
      await bad("/mqtt_configs/ha/assign", { source: "a", colour: "red" }, 400, /colour/);
      await bad("/mqtt_configs/ha/assign", { source: "nosuch" }, 404, /nosuch/);
      await bad("/mqtt_configs/nosuch/assign", { source: "a" }, 404, /not found/);
    } finally {
      await t.close();
    }
  },
});

Deno.test({
  ...T,
  name: "mqtt page fields: HA discovery, control, TLS files from certs/, timeout, outbox; 400s",
  fn: async () => {
    const broker = await startBroker({ tls: true });
    const t = await testApp();
    try {
      assert.deepEqual((await call(t.app, "GET", "/mqtt_certs")).json, {
        folder: "certs",
        files: [],
      });
      await mkdir(`${t.dataDir}/certs/client`, { recursive: true });
      await copyFile(`${broker.dir}/ca.pem`, `${t.dataDir}/certs/ca.pem`);
      await copyFile(`${broker.dir}/client.pem`, `${t.dataDir}/certs/client/cert.pem`);
      await copyFile(`${broker.dir}/client.key`, `${t.dataDir}/certs/client/key.pem`);
      await Deno.writeTextFile(`${t.dataDir}/certs/.hidden`, "x");
      assert.deepEqual((await call(t.app, "GET", "/mqtt_certs")).json.files, [
        "certs/ca.pem",
        "certs/client/cert.pem",
        "certs/client/key.pem",
      ]);
      const body = {
        name: "tls",
        host: "127.0.0.1",
        port: broker.mtlsPort,
        tls: true,
        tls_ca_file: "certs/ca.pem",
        tls_cert_file: "certs/client/cert.pem",
        tls_key_file: "certs/client/key.pem",
        tls_insecure: false,
        ha_discovery: true,
        ha_prefix: "ha/test",
        control: false,
        publish_timeout: 2.5,
        outbox_size: 500,
      };
      const created = await call(t.app, "POST", "/mqtt_configs", body);
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const { name: _n, host: _h, port: _p, ...fields } = body;
      const shown = (await call(t.app, "GET", "/mqtt_configs")).json as unknown as Json[];
      for (const [k, v] of Object.entries(fields)) assert.equal(shown[0][k], v, k);
      // The client certificate from certs/ is what the mutual-TLS listener asks for.
      const probe = await call(t.app, "POST", "/mqtt_configs/tls/test");
      assert.equal(probe.status, 200, JSON.stringify(probe.json));
      assert.match(String(probe.json.broker), /^mqtts:/);

      const bad = async (patch: Json, message: RegExp) => {
        const res = await call(t.app, "PUT", "/mqtt_configs/tls", patch);
        assert.equal(res.status, 400, JSON.stringify(patch));
        assert.match(res.json.message ?? "", message);
      };
      await bad({ ha_prefix: "ha/#" }, /ha_prefix "ha\/#"/);
      await bad({ outbox_size: 2_000_000 }, /outbox_size 2000000/);
      await bad({ tls_ca_file: "../../etc/passwd" }, /tls_ca_file/);
      await bad({ tls_key_file: "" }, /tls_cert_file "certs\/client\/cert.pem".*tls_key_file/);
      await bad({ publish_timeout: "soon" }, /publish_timeout/);
      // A file in the data dir but outside certs/ is refused when newly given …
      await Deno.writeTextFile(`${t.dataDir}/elsewhere.pem`, "x");
      await bad({ tls_ca_file: "elsewhere.pem" }, /tls_ca_file "elsewhere.pem": .*certs\//);
      const kept = ((await call(t.app, "GET", "/mqtt_configs")).json as unknown as Json[])[0];
      assert.equal(kept.ha_prefix, "ha/test", "a refused PUT changed nothing");
      assert.equal(kept.outbox_size, 500);
      assert.equal(kept.tls_ca_file, "certs/ca.pem");
      // … while a config stored before that rule keeps its path through other edits.
      const { has_password: _hp, status: _st, ...old } = kept;
      await t.system.state.putMqttConfig(
        { ...old, password: "", tls_ca_file: "elsewhere.pem" } as never,
      );
      const edited = await call(t.app, "PUT", "/mqtt_configs/tls", { qos: 1 });
      assert.equal(edited.status, 200, JSON.stringify(edited.json));
      assert.equal((edited.json.config as Json).tls_ca_file, "elsewhere.pem");
    } finally {
      await t.close();
      await broker.close();
    }
  },
});
