/**
 * MqttConnectionActor against a real mosquitto started here: plain and TLS listeners, a 10 s
 * outage, the outbox bound, the last will, and configs that cannot work.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir } from "node:fs/promises";
import { startBroker } from "./helpers/mosquitto.ts";
import { listen } from "./helpers/mqtt_listener.ts";
import { startProxy } from "./helpers/tcp_proxy.ts";
import { waitFor } from "./helpers/wait.ts";
import { firstSeqs, loneMqtt, mqttConfig, seqResult } from "./helpers/mqtt_system.ts";
import { freePort } from "./helpers/mosquitto.ts";
import type { MqttSystem } from "../actors/mqtt/mqtt_system.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

const connected = (sys: MqttSystem, name: string) =>
  waitFor(() => sys.status(name)?.state === "connected", { what: `${name} connected` });

Deno.test({
  ...T,
  name: "mqtt: broker away for 10 s → every QoS 1 message published meanwhile arrives, in order",
  fn: async () => {
    const broker = await startBroker({ persistence: true });
    const sub = await listen(broker.url, ["outage/#"], { clientId: "outage-sub", clean: false });
    const m = await loneMqtt([
      mqttConfig({ name: "b", port: broker.port, base_topic: "outage", qos: 1 }),
    ]);
    try {
      await connected(m.sys, "b");
      const topic = "outage/src/g/r1";
      for (let i = 0; i < 3; i++) m.sys.sink(seqResult(i, "b"));
      await sub.until((ms) => ms.filter((x) => x.topic === topic).length >= 3, "3 before");
      await broker.stop();
      await waitFor(() => m.sys.status("b")?.state !== "connected", { what: "link down" });
      // The outage the issue asks for: 10 s, one result every 0.5 s.
      for (let i = 3; i < 23; i++) {
        m.sys.sink(seqResult(i, "b"));
        await new Promise((r) => setTimeout(r, 500));
      }
      const away = m.sys.status("b")!;
      assert.notEqual(away.state, "connected");
      assert.match(away.last_error ?? "", /ECONNREFUSED|closed|lost/);
      assert.equal(away.queued, 20);
      await broker.start();
      await sub.until(
        (ms) => firstSeqs(ms.filter((x) => x.topic === topic).map((x) => x.payload)).length >= 23,
        "all 23 after the outage",
        20_000,
      );
      const seqs = firstSeqs(sub.on(topic).map((x) => x.payload));
      assert.deepEqual(seqs, Array.from({ length: 23 }, (_, i) => i), "complete and in order");
      await waitFor(() => m.sys.status("b")?.queued === 0, { what: "outbox empty" });
      const st = m.sys.status("b")!;
      assert.equal(st.state, "connected");
      assert.equal(st.sent, 23);
      assert.equal(st.dropped, 0);
      assert.ok(st.restarts >= 1, "reconnected through the supervisor");
    } finally {
      await sub.close();
      await m.close();
      await broker.close();
    }
  },
});

Deno.test({
  ...T,
  name: "mqtt: a full outbox drops the oldest and counts them; the rest arrive in order",
  fn: async () => {
    const broker = await startBroker();
    const proxy = startProxy(broker.port);
    const sub = await listen(broker.url, ["bound/#"]);
    const m = await loneMqtt([
      mqttConfig({ name: "b", port: proxy.port, base_topic: "bound", qos: 1, outbox_size: 5 }),
    ]);
    try {
      await connected(m.sys, "b");
      proxy.block();
      await waitFor(() => m.sys.status("b")?.state !== "connected", { what: "link down" });
      for (let i = 0; i < 12; i++) m.sys.sink(seqResult(i, "b"));
      const held = m.sys.status("b")!;
      assert.equal(held.queued, 5);
      assert.equal(held.dropped, 7);
      proxy.unblock();
      const topic = "bound/src/g/r1";
      await sub.until((ms) => ms.filter((x) => x.topic === topic).length >= 5, "5 kept messages");
      assert.deepEqual(firstSeqs(sub.on(topic).map((x) => x.payload)), [7, 8, 9, 10, 11]);
      await waitFor(() => m.sys.status("b")?.sent === 5, { what: "5 acknowledged" });
      assert.equal(m.sys.status("b")!.dropped, 7);
    } finally {
      await sub.close();
      await m.close();
      await proxy.close();
      await broker.close();
    }
  },
});

Deno.test({
  ...T,
  name: "mqtt: `online` is retained on <base>/status; a dead link makes the broker send `offline`",
  fn: async () => {
    const broker = await startBroker();
    const proxy = startProxy(broker.port);
    const sub = await listen(broker.url, ["lwt/status"]);
    const m = await loneMqtt([mqttConfig({ name: "w", port: proxy.port, base_topic: "lwt" })]);
    try {
      await sub.until((ms) => ms.some((x) => x.payload === "online"), "online");
      proxy.cut(); // no DISCONNECT reaches the broker: it publishes the will
      await sub.until((ms) => ms.some((x) => x.payload === "offline"), "offline (will)");
      await sub.until(
        (ms) => ms.map((x) => x.payload).join() === "online,offline,online",
        "online again after the reconnect",
      );
      const late = await listen(broker.url, ["lwt/status"]);
      await late.until((ms) => ms.length > 0, "retained status");
      assert.deepEqual(late.messages[0], { topic: "lwt/status", payload: "online", retain: true });
      await late.close();
    } finally {
      await sub.close();
      await m.close();
      await proxy.close();
      await broker.close();
    }
  },
});

Deno.test({
  ...T,
  name: "mqtt: TLS with a CA file (and a client certificate) connects; without the CA it fails",
  fn: async () => {
    const broker = await startBroker({ tls: true });
    const sub = await listen(broker.url, ["tls/#"]);
    const m = await loneMqtt();
    try {
      await mkdir(`${m.dataDir}/certs`);
      for (const f of ["ca.pem", "client.pem", "client.key"]) {
        await copyFile(`${broker.dir}/${f}`, `${m.dataDir}/certs/${f}`);
      }
      const tls = { port: broker.tlsPort, tls: true, base_topic: "tls" };
      await m.sys.apply(mqttConfig({ name: "ca", ...tls, tls_ca_file: "certs/ca.pem" }));
      await m.sys.apply(mqttConfig({ name: "noca", ...tls }));
      await m.sys.apply(mqttConfig({ name: "insecure", ...tls, tls_insecure: true }));
      const mtls = { ...tls, port: broker.mtlsPort, tls_ca_file: "certs/ca.pem" };
      await m.sys.apply(mqttConfig({ name: "nocert", ...mtls }));
      await m.sys.apply(mqttConfig({
        name: "cert",
        ...mtls,
        tls_cert_file: "certs/client.pem",
        tls_key_file: "certs/client.key",
      }));
      await connected(m.sys, "ca");
      m.sys.sink(seqResult(1, "ca"));
      await sub.until((ms) => ms.some((x) => x.topic === "tls/src/g/r1"), "a message over TLS");
      const failed = await waitFor(() => {
        const s = m.sys.status("noca");
        return s?.state === "failed" && s;
      }, { what: "noca failed" });
      assert.match(failed.last_error ?? "", /self-signed certificate/);
      await connected(m.sys, "insecure");
      await connected(m.sys, "cert");
      const nocert = await waitFor(() => {
        const s = m.sys.status("nocert");
        return s && s.restarts >= 1 && s.state !== "connected" && s;
      }, { what: "nocert refused" });
      assert.ok(nocert.last_error, "a reason is shown");
    } finally {
      await sub.close();
      await m.close();
      await broker.close();
    }
  },
});

Deno.test({
  ...T,
  name: "mqtt: a wrong password parks the connection as failed; an unreachable broker retries; " +
    "a fixed config reconnects",
  fn: async () => {
    const broker = await startBroker({ users: { vision: "right" } });
    const m = await loneMqtt([
      mqttConfig({ name: "pw", port: broker.port, username: "vision", password: "wrong" }),
      mqttConfig({ name: "away", port: await freePort() }),
      mqttConfig({ name: "ok", port: broker.port, username: "vision", password: "right" }),
    ]);
    try {
      const pw = await waitFor(() => {
        const s = m.sys.status("pw");
        return s?.state === "failed" && s;
      }, { what: "pw failed" });
      assert.match(pw.last_error ?? "", /Not authorized|Bad username or password/);
      const away = await waitFor(() => {
        const s = m.sys.status("away");
        return s && s.restarts >= 1 && s.state !== "connected" && s.state !== "failed" && s;
      }, { what: "away retrying" });
      assert.match(away.last_error ?? "", /ECONNREFUSED/);
      m.sys.sink(seqResult(1, "away"));
      assert.equal(m.sys.status("away")!.queued, 1, "kept for later");
      await connected(m.sys, "ok");
      // A changed config reconnects at once, without a restart, even when it was parked.
      await m.sys.apply(
        mqttConfig({ name: "pw", port: broker.port, username: "vision", password: "right" }),
      );
      await connected(m.sys, "pw");
    } finally {
      await m.close();
      await broker.close();
    }
  },
});
