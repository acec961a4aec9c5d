/**
 * Webhooks end to end: a real server process with a running job on the demo panel's lamp (it
 * toggles every 3 s) and a local HTTP receiver the test starts: CRUD and validation, signatures,
 * templates, `changed` and `match`, a slow receiver and 500s retried, and a receiver that is down
 * across a kill -9 and restart of the server, with the queue bound.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer } from "./helpers/server.ts";
import { createSource, type Json, post } from "./helpers/http.ts";
import { waitFor } from "./helpers/wait.ts";
import { freePort, startReceiver } from "./helpers/webhook_receiver.ts";
import { demoRois } from "../actors/frame_sources/demo.ts";

const T = { sanitizeResources: false, sanitizeOps: false };

async function req(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json; text: string }> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : {}, text };
}

/** The hook's delivery status. */
async function status(base: string, name: string): Promise<Record<string, number | string>> {
  const r = await req(base, "GET", `/api/webhooks/${encodeURIComponent(name)}`);
  assert.equal(r.status, 200, r.text);
  return r.json.status as Record<string, number | string>;
}

/** A demo source `panel` with its lamp as the only ROI, and a job `cam1` reading it 5 times a second. */
async function lampJob(base: string): Promise<void> {
  await createSource(base, "panel", "demo");
  const rois = demoRois("g").filter((r) => r.id === "pump_lamp");
  assert.equal((await post(`${base}/save_roi`, { source: "panel", rois })).status, 200);
  const started = await post(`${base}/start_inference/cam1`, { name: "panel", interval: 0.2 });
  assert.deepEqual(started.json, { status: "started", cam_id: "cam1" });
}

async function metric(base: string, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

Deno.test({
  ...T,
  name: "webhooks API: CRUD; bad input is a 400 naming field and value and changes nothing; " +
    "the secret is never returned and a PUT without one keeps it",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "visionroi-webhooks-" });
    const data = join(dir, "data_sources");
    const server = await startServer(data, ["--no-demo"]);
    const base = server.url;
    const SECRET = "s3cr3t-never-shown";
    try {
      const created = await req(base, "POST", "/api/webhooks", {
        name: "plant",
        url: "http://127.0.0.1:9/hook",
        secret: SECRET,
        when: "match",
        pattern: "^on$",
        rois: ["pump_lamp"],
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.json.status, "created");
      const view = created.json.webhook as Json;
      assert.equal(view.has_secret, true);
      assert.equal("secret" in view, false);
      assert.equal(view.when, "match");
      assert.deepEqual(view.rois, ["pump_lamp"]);
      assert.equal(
        (await req(base, "POST", "/api/webhooks", { name: "plant", url: "http://x" }))
          .status,
        409,
      );

      const file = join(data, "webhooks.json");
      const before = await Deno.readTextFile(file);
      const bad: [string, string, unknown, number, RegExp][] = [
        [
          "POST",
          "/api/webhooks",
          { name: "b", url: "ftp://x/y" },
          400,
          /invalid url "ftp:\/\/x\/y"/,
        ],
        [
          "POST",
          "/api/webhooks",
          { name: "b", url: "http://x", when: "match", pattern: "(" },
          400,
          /invalid pattern "\("/,
        ],
        [
          "POST",
          "/api/webhooks",
          { name: "b", url: "http://x", body: { a: "{{temp}}" } },
          400,
          /unknown placeholder \{\{temp\}\}/,
        ],
        [
          "POST",
          "/api/webhooks",
          { name: "b", url: "http://x", queue_size: -1 },
          400,
          /invalid queue_size -1/,
        ],
        [
          "POST",
          "/api/webhooks",
          { name: "b", url: "http://x", timeout: 3 },
          400,
          /invalid timeout 3: unknown field/,
        ],
        [
          "PUT",
          "/api/webhooks/plant",
          { timeout_s: 999 },
          400,
          /invalid timeout_s 999: at most 60/,
        ],
        [
          "PUT",
          "/api/webhooks/plant",
          { name: "other" },
          400,
          /invalid name "other": a webhook cannot be renamed/,
        ],
        ["PUT", "/api/webhooks/nope", { timeout_s: 2 }, 404, /no webhook "nope"/],
        ["DELETE", "/api/webhooks/nope", undefined, 404, /no webhook "nope"/],
        ["GET", "/api/webhooks/nope", undefined, 404, /no webhook "nope"/],
      ];
      for (const [method, path, body, code, message] of bad) {
        const r = await req(base, method, path, body);
        assert.equal(r.status, code, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
        assert.match(String(r.json.message), message);
      }
      assert.equal(await Deno.readTextFile(file), before, "nothing changed");

      const put = await req(base, "PUT", "/api/webhooks/plant", { timeout_s: 2, when: "every" });
      assert.equal(put.status, 200, put.text);
      assert.equal((put.json.webhook as Json).timeout_s, 2);
      const stored = JSON.parse(await Deno.readTextFile(file));
      assert.equal(stored[0].secret, SECRET, "a PUT without a secret keeps it");
      assert.equal(stored[0].when, "every");
      assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);

      const list = await req(base, "GET", "/api/webhooks");
      const one = await req(base, "GET", "/api/webhooks/plant");
      for (const r of [created, put, list, one]) assert.doesNotMatch(r.text, /s3cr3t/);
      assert.equal((list.json as unknown as Json[]).length, 1);
      assert.deepEqual(Object.keys(one.json.status as Json).sort(), [
        "delivered",
        "dropped",
        "failed",
        "last_delivery_at",
        "last_error",
        "last_error_at",
        "last_status",
        "next_retry_at",
        "queued",
        "retries",
        "state",
      ]);
      const cleared = await req(base, "PUT", "/api/webhooks/plant", { secret: "" });
      assert.equal((cleared.json.webhook as Json).has_secret, false);

      const doc = await (await fetch(`${base}/openapi.json`)).json();
      assert.deepEqual(Object.keys(doc.paths["/api/webhooks"]).sort(), ["get", "post"]);
      assert.deepEqual(Object.keys(doc.paths["/api/webhooks/{name}"]).sort(), [
        "delete",
        "get",
        "put",
      ]);

      assert.deepEqual((await req(base, "DELETE", "/api/webhooks/plant")).json, {
        status: "deleted",
        name: "plant",
      });
      assert.deepEqual(JSON.parse(await Deno.readTextFile(file)), []);
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  ...T,
  name: "webhooks deliver signed, templated results; changed fires only on a change, match only " +
    "on the pattern; a slow receiver times out and gets a retry; 500s are retried with backoff",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "visionroi-webhooks-" });
    const rx = startReceiver({
      "/every": { secret: "k-every" },
      "/changed": {},
      "/match": {},
      "/slow": { slowMs: 3_000 },
      "/flaky": { fail: 3 },
    });
    const server = await startServer(join(dir, "data"), ["--no-demo"]);
    const base = server.url;
    try {
      const hook = async (name: string, body: Record<string, unknown>) => {
        const r = await req(base, "POST", "/api/webhooks", {
          name,
          url: rx.url(`/${name}`),
          ...body,
        });
        assert.equal(r.status, 201, r.text);
      };
      await hook("every", {
        when: "every",
        secret: "k-every",
        body: {
          roi: "{{roi_id}}",
          v: "{{text}}",
          at: "{{frame_time}}",
          line: "{{roi_name}}: {{text}}",
        },
      });
      await hook("changed", { when: "changed", body: { v: "{{text}}" } });
      await hook("match", { when: "match", pattern: "^on$", body: { v: "{{text}}" } });
      await hook("slow", { when: "every", timeout_s: 0.5, retry_initial_s: 0.2 });
      await hook("flaky", { when: "every", retry_initial_s: 0.4, retry_max_s: 10 });
      // A hook on another ROI gets nothing.
      await hook("other", { when: "every", rois: ["temperature"] });
      await lampJob(base);

      const texts = (path: string) => rx.on(path).map((r) => JSON.parse(r.body).v as string);
      await waitFor(() => texts("/changed").length >= 3, {
        timeoutMs: 40_000,
        what: "three changes of the lamp",
      });
      await waitFor(() => rx.on("/flaky").filter((r) => r.seq === 2).length > 0, {
        timeoutMs: 20_000,
        what: "flaky's second delivery",
      });
      await waitFor(() => rx.on("/slow").some((r) => r.seq === 2), {
        timeoutMs: 20_000,
        what: "slow's second delivery",
      });

      // Signed over the exact body; the template rendered with typed values.
      const every = rx.on("/every");
      assert.ok(every.length > texts("/changed").length);
      assert.ok(every.every((r) => r.verified), "every signature verifies");
      const first = JSON.parse(every[0].body);
      assert.equal(first.roi, "pump_lamp");
      assert.equal(typeof first.at, "number");
      assert.match(first.v, /^(on|off)$/);
      assert.equal(first.line, `Pump: ${first.v}`.replace("Pump", demoRois()[3].name));
      assert.ok(Math.abs(every[0].timestamp - Date.now() / 1000) < 120);
      const seqs = every.map((r) => r.seq);
      assert.deepEqual(seqs, seqs.map((_, i) => i + 1), "in order, none missing");

      // changed: no two deliveries in a row with the same text; match: only "on".
      const changed = texts("/changed");
      for (let i = 1; i < changed.length; i++) assert.notEqual(changed[i], changed[i - 1]);
      const everyTexts = every.map((r) => JSON.parse(r.body).v);
      assert.ok(everyTexts.some((t, i) => i > 0 && t === everyTexts[i - 1]), "every repeats");
      assert.ok(texts("/match").length >= 1);
      assert.deepEqual([...new Set(texts("/match"))], ["on"]);
      assert.equal(rx.on("/other").length, 0);

      // slow: the first attempt timed out, the same delivery came again, then the rest in order.
      const slow = rx.on("/slow").map((r) => r.seq);
      assert.deepEqual(slow.slice(0, 3), [1, 1, 2]);
      const slowStatus = await status(base, "slow");
      assert.ok(Number(slowStatus.retries) >= 1);
      assert.equal(slowStatus.last_error, "no answer within 0.5 s");

      // flaky: three 500s, retried after ≥ 0.4, 0.8 and 1.6 s, then delivered and on in order.
      const flaky = rx.on("/flaky");
      assert.deepEqual(flaky.slice(0, 5).map((r) => r.seq), [1, 1, 1, 1, 2]);
      const gaps = [1, 2, 3].map((i) => flaky[i].at - flaky[i - 1].at);
      [400, 800, 1600].forEach((min, i) => assert.ok(gaps[i] >= min * 0.95, `gaps ${gaps}`));
      const flakyStatus = await status(base, "flaky");
      assert.equal(flakyStatus.retries, 3);
      assert.match(String(flakyStatus.last_error), /^HTTP 500: try later$/);
      assert.ok(Number(flakyStatus.delivered) >= 2);
      assert.equal(await metric(base, 'visionroi_webhook_retries_total{hook="flaky"}'), 3);
      const delivered = await metric(
        base,
        'visionroi_webhook_deliveries_total{hook="every",outcome="delivered"}',
      );
      assert.ok(delivered !== undefined && delivered >= every.length - 1, `${delivered}`);
    } finally {
      await server.kill9();
      await rx.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  ...T,
  name: "webhooks: while the receiver is down deliveries queue on disk, survive kill -9 and a " +
    "restart, and arrive in order once it is up; past queue_size the oldest are dropped and counted",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "visionroi-webhooks-" });
    const data = join(dir, "data");
    const port = freePort();
    let server = await startServer(data, ["--no-demo"]);
    let rx: ReturnType<typeof startReceiver> | undefined;
    try {
      for (const [name, queue_size] of [["big", 1000], ["small", 5]] as const) {
        const r = await req(server.url, "POST", "/api/webhooks", {
          name,
          url: `http://127.0.0.1:${port}/${name}`,
          when: "every",
          queue_size,
          retry_initial_s: 0.2,
          retry_max_s: 0.5,
        });
        assert.equal(r.status, 201, r.text);
      }
      await lampJob(server.url);
      const before = await waitFor(async () => {
        const s = await status(server.url, "big");
        return Number(s.queued) >= 10 && s;
      }, { timeoutMs: 30_000, what: "10 deliveries queued for big" });
      assert.equal(before.last_error, "connection refused");
      assert.equal(before.delivered, 0);
      const small = await status(server.url, "small");
      assert.equal(small.queued, 5);
      assert.ok(Number(small.dropped) > 0);

      await server.kill9();
      server = await startServer(data, ["--no-demo"]);
      const after = await status(server.url, "big");
      assert.ok(Number(after.queued) >= Number(before.queued), "kept across kill -9");
      // More readings queue after the restart (the job came back), then the job stops.
      await waitFor(
        async () => Number((await status(server.url, "big")).queued) > Number(after.queued),
        {
          timeoutMs: 30_000,
          what: "the restored job queues more",
        },
      );
      assert.equal((await post(`${server.url}/stop_inference/cam1`, {})).status, 200);

      rx = startReceiver({}, port);
      const done = (s: Record<string, number | string>) => s.queued === 0 && s.state === "idle";
      const big = await waitFor(async () => {
        const s = await status(server.url, "big");
        return done(s) && s;
      }, { timeoutMs: 30_000, what: "big drained" });
      const smallEnd = await waitFor(async () => {
        const s = await status(server.url, "small");
        return done(s) && s;
      }, { timeoutMs: 30_000, what: "small drained" });

      // big: nothing lost, in order, every delivery once, those queued before the kill included.
      const bigSeqs = rx.on("/big").map((r) => r.seq);
      assert.equal(big.dropped, 0);
      assert.ok(bigSeqs.length >= Number(before.queued));
      assert.deepEqual(bigSeqs, bigSeqs.map((_, i) => i + 1));
      assert.equal(big.delivered, bigSeqs.length);
      // small: the newest five, in order; everything older was dropped and counted.
      const D = Number(smallEnd.dropped);
      assert.deepEqual(rx.on("/small").map((r) => r.seq), [D + 1, D + 2, D + 3, D + 4, D + 5]);
      assert.equal(smallEnd.delivered, 5);
      assert.equal(await metric(server.url, 'visionroi_webhook_dropped_total{hook="small"}'), D);
      assert.equal(await metric(server.url, 'visionroi_webhook_queued{hook="big"}'), 0);
    } finally {
      await server.kill9();
      await rx?.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
