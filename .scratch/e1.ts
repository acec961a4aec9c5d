import mqtt from "mqtt";
import { startBroker } from "/work/main/tests/helpers/mosquitto.ts";
const b = await startBroker({ tls: true, users: { u: "p" } });
console.log("started", b.port, b.tlsPort);
// wrong password
try {
  const c = await mqtt.connectAsync(b.url, { username: "u", password: "bad", reconnectPeriod: 0 });
  console.log("connected?!");
  await c.endAsync();
} catch (e) {
  console.log("bad pw:", (e as any).code, (e as Error).message);
}
// TLS without ca
try {
  const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${b.tlsPort}`, {
    username: "u",
    password: "p",
    reconnectPeriod: 0,
  });
  await c.endAsync();
} catch (e) {
  console.log("no ca:", (e as any).code, (e as Error).message);
}
const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${b.tlsPort}`, {
  username: "u",
  password: "p",
  reconnectPeriod: 0,
  ca: b.caPem,
  will: { topic: "t/status", payload: "offline", retain: true, qos: 1 },
});
console.log("tls ok");
c.on("close", () => console.log("close event"));
c.on("error", (e) => console.log("error event", e.message));
let n = 0;
const t0 = performance.now();
await Promise.all(
  Array.from(
    { length: 1000 },
    (_, i) => c.publishAsync("t/x", String(i), { qos: 1 }).then(() => n++),
  ),
);
console.log("acked", n, performance.now() - t0);
// pending publishes when the broker dies
const pend = Array.from(
  { length: 5 },
  (_, i) =>
    new Promise((res) => c.publish("t/y", "x", { qos: 1 }, (err) => res(err?.message ?? "ok"))),
);
await b.stop();
await new Promise((r) => setTimeout(r, 300));
console.log("connected flag", c.connected);
c.end(true);
console.log(
  await Promise.race([
    Promise.all(pend),
    new Promise((r) => setTimeout(() => r("pending hang"), 1000)),
  ]),
);
// unreachable
try {
  await mqtt.connectAsync(`mqtt://127.0.0.1:1`, { reconnectPeriod: 0, connectTimeout: 2000 });
} catch (e) {
  console.log("unreach:", (e as any).code, (e as Error).message);
}
await b.close();
