import assert from "node:assert/strict";
import { TelegramNotifier, telegramSettings } from "./telegram_notifier.ts";
import { ManualClock } from "../runtime/mod.ts";
import type { FrameResult } from "../jobs/result_bus.ts";

/** A local server speaking the two Bot API methods the notifier uses; records what it got. */
function fakeBotApi() {
  const got: { path: string; chat_id: string; text: string; photo?: Uint8Array }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (!path.startsWith("/bot")) {
      return Response.json({ ok: false, description: "Not Found" }, { status: 404 });
    }
    if (path.endsWith("/sendMessage")) {
      const b = await req.json();
      got.push({ path, chat_id: String(b.chat_id), text: b.text });
    } else if (path.endsWith("/sendPhoto")) {
      const f = await req.formData();
      const photo = new Uint8Array(await (f.get("photo") as File).arrayBuffer());
      got.push({ path, chat_id: String(f.get("chat_id")), text: String(f.get("caption")), photo });
    } else {
      return Response.json({ ok: false, description: "Not Found" }, { status: 404 });
    }
    return Response.json({ ok: true, result: { message_id: got.length } });
  });
  return { got, url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

function result(roi: string, text: string, image?: string): FrameResult {
  return {
    frame_time: 1,
    result_time: 1,
    cam_id: "line1",
    source: "panel",
    group: "g",
    frame_duration: 0,
    results: [{
      id: roi,
      name: roi === "temp" ? "Temperature" : "",
      text,
      module: "digits",
      group: "g",
      cam_id: "line1",
      source: "panel",
      frame_time: 1,
      result_time: 1,
      duration: 0,
      ...(image ? { image } : {}),
    }],
  };
}

Deno.test("telegram: rules fire per ROI, rate-limited per ROI, through a local Bot API", async () => {
  const api = fakeBotApi();
  const clock = new ManualClock();
  const env: Record<string, string> = { VISIONROI_TELEGRAM_BOT_TOKEN: "123:abc" };
  const settings = telegramSettings({
    chat_id: "42",
    api_base: api.url,
    rate_limit_s: 60,
    rules: [
      { roi: "temp", when: "match", pattern: "^9\\d" },
      { roi: "lamp", when: "changed", photo: true },
    ],
  }, (n) => env[n])!;
  const tg = new TelegramNotifier(settings, { clock });
  try {
    tg.sink(result("temp", "91"));
    tg.sink(result("temp", "95")); // matches, but within the ROI's minute
    tg.sink(result("temp", "20")); // no match
    tg.sink(result("lamp", "off")); // first value: nothing changed yet
    tg.sink(result("lamp", "off"));
    const jpeg = btoa(String.fromCharCode(0xff, 0xd8, 1, 2, 3, 0xff, 0xd9));
    tg.sink(result("lamp", "on", jpeg)); // changed: photo with caption
    await tg.idle();
    assert.deepEqual(api.got.map((g) => [g.path, g.chat_id, g.text]), [
      ["/bot123:abc/sendMessage", "42", "Temperature (line1): 91"],
      ["/bot123:abc/sendPhoto", "42", "lamp (line1): on"],
    ]);
    assert.deepEqual([...api.got[1].photo!], [0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
    assert.deepEqual(tg.stats(), {
      sent: 2,
      rate_limited: 1,
      failed: 0,
      dropped: 0,
      last_error: null,
    });
    assert.equal(tg.wantsImages("line1"), true);

    await clock.advance(60_000);
    tg.sink(result("temp", "99"));
    await tg.idle();
    assert.equal(api.got.length, 3, "the ROI may send again after rate_limit_s");
    assert.equal(api.got[2].text, "Temperature (line1): 99");
  } finally {
    await api.close();
  }
});

Deno.test("telegram: a failed call is counted with the API's reason and never shows the token", async () => {
  const api = fakeBotApi();
  const settings = telegramSettings({
    bot_token: "secret-token",
    chat_id: "1",
    api_base: `${api.url}/wrong`,
    rules: [{ when: "match", pattern: "." }],
  }, () => undefined)!;
  const tg = new TelegramNotifier(settings);
  try {
    tg.sink(result("x", "hello"));
    await tg.idle();
    const s = tg.stats();
    assert.equal(s.failed, 1);
    assert.equal(s.last_error, "sendMessage failed: Not Found");
    assert.ok(!s.last_error!.includes("secret-token"));
  } finally {
    await api.close();
  }
});

Deno.test("telegram: settings come from the file or the environment; bad rules name the field", () => {
  assert.equal(telegramSettings(undefined, () => undefined), undefined, "no bot: no notifier");
  const s = telegramSettings({ rules: [] }, (n) =>
    ({
      VISIONROI_TELEGRAM_BOT_TOKEN: "t",
      VISIONROI_TELEGRAM_CHAT_ID: "c",
    } as Record<string, string>)[n])!;
  assert.equal(s.api_base, "https://api.telegram.org");
  assert.equal(s.rate_limit_s, 5);
  const env = () => "x";
  assert.throws(
    () => telegramSettings({ rules: [{ when: "sometimes" }] }, env),
    /rules\[0\]\.when "sometimes"/,
  );
  assert.throws(
    () => telegramSettings({ rules: [{ when: "match", pattern: "(" }] }, env),
    /rules\[0\]\.pattern "\("/,
  );
  assert.throws(() => telegramSettings({ rate_limit_s: -1 }, env), /rate_limit_s -1/);
});
