import assert from "node:assert/strict";
import sharp from "sharp";
import { allocFrameData, type Frame } from "../../actors/frame_sources/frame.ts";
import { decodeBase64 } from "../base64.ts";
import { createRegistry } from "../registry.ts";
import { WorkerPool } from "../worker_pool.ts";

/** A local server speaking the OpenAI chat-completions protocol, recording what it was sent. */
function fakeVlm() {
  const seen: { auth: string | null; body: Record<string, unknown> }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname !== "/v1/chat/completions" || req.method !== "POST") {
      return new Response("not found", { status: 404 });
    }
    const body = await req.json();
    seen.push({ auth: req.headers.get("authorization"), body });
    if (body.model === "overloaded") {
      return Response.json({ error: { message: "model is overloaded" } }, { status: 503 });
    }
    if (req.headers.get("authorization") !== "Bearer test-key") {
      return Response.json({ error: { message: "invalid api key" } }, { status: 401 });
    }
    if (body.model === "slow") await new Promise((r) => setTimeout(r, 1500));
    return Response.json({
      choices: [{ message: { role: "assistant", content: "  42.5 bar\n" } }],
    });
  });
  const { port } = server.addr as Deno.NetAddr;
  return { server, seen, base: `http://127.0.0.1:${port}/v1` };
}

function grey(): Frame {
  const data = allocFrameData(64, 48);
  data.fill(128);
  return { width: 64, height: 48, data, seq: 1, time: 0 };
}

const roi = (id: string, params: Record<string, unknown> = {}) => ({
  id,
  module: "typhoon_ocr",
  points: [{ x: 4, y: 4 }, { x: 34, y: 4 }, { x: 34, y: 24 }, { x: 4, y: 24 }],
  params,
});

Deno.test({
  name:
    "typhoon_ocr posts the crop as a PNG image_url with the key and model, and returns the text",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const vlm = fakeVlm();
    const pool = new WorkerPool({
      registry: await createRegistry(),
      workers: 1,
      env: {
        TYPHOON_OCR_BASE_URL: vlm.base,
        TYPHOON_OCR_MODEL: "typhoon-test",
        TYPHOON_OCR_API_KEY: "test-key",
      },
    });
    try {
      const [ok, denied, down, slow] = await pool.readFrame(grey(), [
        roi("ok"),
        roi("denied", { apiKey: "wrong" }),
        roi("down", { model: "overloaded" }),
        roi("slow", { model: "slow", timeoutMs: 300 }),
      ], { deadlineMs: 20_000 });
      assert.equal(ok.error, undefined);
      assert.equal(ok.text, "42.5 bar");
      assert.equal(ok.value, 42.5);
      assert.equal(
        denied.error,
        `ROI "denied": typhoon_ocr: HTTP 401 from ${vlm.base}/chat/completions: invalid api key`,
      );
      assert.equal(
        down.error,
        `ROI "down": typhoon_ocr: HTTP 503 from ${vlm.base}/chat/completions: model is overloaded`,
      );
      assert.equal(
        slow.error,
        `ROI "slow": typhoon_ocr: no answer from ${vlm.base}/chat/completions within 300 ms`,
      );

      const first = vlm.seen[0];
      assert.equal(first.auth, "Bearer test-key");
      assert.equal(first.body.model, "typhoon-test");
      const [message] = first.body.messages as {
        role: string;
        content: Record<string, unknown>[];
      }[];
      assert.equal(message.role, "user");
      const text = message.content.find((p) => p.type === "text");
      assert.match(String(text?.text), /text only/);
      const image = message.content.find((p) => p.type === "image_url") as {
        image_url: { url: string };
      };
      assert.match(image.image_url.url, /^data:image\/png;base64,/);
      const png = decodeBase64(image.image_url.url);
      const meta = await sharp(png).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ["png", 30, 20]);
      const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      assert.equal(data[0], 128, "the crop's pixels survive the PNG round trip");
    } finally {
      await pool.close();
      await vlm.server.shutdown();
    }
  },
});

Deno.test({
  name: "typhoon_ocr without a base URL or model says which setting is missing",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const pool = new WorkerPool({ registry: await createRegistry(), workers: 1, env: {} });
    try {
      const [noUrl, noModel] = await pool.readFrame(grey(), [
        roi("a"),
        roi("b", { baseUrl: "http://127.0.0.1:9/v1" }),
      ]);
      assert.equal(
        noUrl.error,
        'ROI "a": typhoon_ocr needs a base URL: params.baseUrl or TYPHOON_OCR_BASE_URL',
      );
      assert.equal(
        noModel.error,
        'ROI "b": typhoon_ocr needs a model: params.model or TYPHOON_OCR_MODEL',
      );
    } finally {
      await pool.close();
    }
  },
});
