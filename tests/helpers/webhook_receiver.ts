/**
 * A local HTTP receiver for webhook tests, on a loopback port: it records every request (path,
 * delivery number, body, whether the signature verifies with the path's secret, arrival time) and
 * answers by a per-path plan (`500`s first, a slow first answer), then 204.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** One request as the receiver saw it. */
export interface Received {
  path: string;
  seq: number;
  body: string;
  /** The signature header; null when the hook has no secret. */
  signature: string | null;
  /** True when the signature is the HMAC-SHA256 of the exact body with the path's secret. */
  verified: boolean;
  timestamp: number;
  /** performance.now() at arrival. */
  at: number;
}

/** How a path answers: `fail` 500s first, or a first answer delayed by `slowMs`. */
export interface PathPlan {
  secret?: string;
  fail?: number;
  slowMs?: number;
}

/** A free loopback port (listened on and closed again). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Verifies `sha256=<hex>` over the exact body bytes, as a receiver should (constant time). */
export function verifySignature(secret: string, body: string, header: string | null): boolean {
  if (!header?.startsWith("sha256=")) return false;
  const want = createHmac("sha256", secret).update(body, "utf8").digest();
  const got = Buffer.from(header.slice(7), "hex");
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Starts a receiver on `port` (0: any free one). */
export function startReceiver(plans: Record<string, PathPlan>, port = 0) {
  const received: Received[] = [];
  const counts = new Map<string, number>();
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const body = await req.text();
    const plan = plans[path] ?? {};
    const signature = req.headers.get("x-visionroi-signature");
    received.push({
      path,
      seq: Number(req.headers.get("x-visionroi-delivery")),
      body,
      signature,
      verified: plan.secret !== undefined && verifySignature(plan.secret, body, signature),
      timestamp: Number(req.headers.get("x-visionroi-timestamp")),
      at: performance.now(),
    });
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    if (n === 1 && plan.slowMs) {
      await Promise.race([released, new Promise((r) => setTimeout(r, plan.slowMs))]);
    }
    if (n <= (plan.fail ?? 0)) return new Response("try later", { status: 500 });
    return new Response(null, { status: 204 });
  });
  return {
    port: server.addr.port,
    url: (path: string) => `http://127.0.0.1:${server.addr.port}${path}`,
    received,
    /** Requests of one path, in arrival order. */
    on: (path: string) => received.filter((r) => r.path === path),
    async close() {
      release();
      await server.shutdown();
    },
  };
}
