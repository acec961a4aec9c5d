/**
 * Camera passwords stay on disk and out of every answer: `/source_list`, `/source_config` and
 * `/api/cameras` show `rtsp://admin:***@host`, and a PATCH that sends that form back keeps the
 * stored password (but never sends it to another host).
 */
import assert from "node:assert/strict";
import { testApp } from "./helpers/app.ts";
import { call } from "./helpers/http.ts";
import { keepRedactedSecrets, redactUrl } from "../actors/frame_sources/redact.ts";

const SECRET = "s3cr@t:pw";
const URL_WITH_SECRET = `rtsp://admin:${SECRET}@127.0.0.1:9/ch1?pwd=${SECRET}&x=1`;

Deno.test("source passwords are kept on disk, redacted in answers, kept by a redacted PATCH", async () => {
  const t = await testApp();
  try {
    const form = new FormData();
    form.set("name", "door");
    form.set("source", URL_WITH_SECRET);
    assert.equal(
      (await t.app.request("/create_source", { method: "POST", body: form })).status,
      200,
    );
    const onDisk = async () =>
      JSON.parse(await Deno.readTextFile(`${t.dataDir}/door/config.json`)).source;
    assert.equal(await onDisk(), URL_WITH_SECRET);

    const redacted = "rtsp://admin:***@127.0.0.1:9/ch1?pwd=***&x=1";
    for (const path of ["/source_list", "/source_config?name=door", "/api/cameras"]) {
      const res = await t.app.request(path);
      const text = await res.text();
      assert.equal(res.status, 200, path);
      assert.equal(text.includes("s3cr"), false, `${path} leaks the password: ${text}`);
    }
    assert.equal((await call(t.app, "GET", "/source_list")).json[0].source, redacted);
    assert.equal((await call(t.app, "GET", "/source_config?name=door")).json.source, redacted);

    const same = await call(t.app, "PATCH", "/update_source/door", { source: redacted });
    assert.equal(same.status, 200);
    assert.equal(await onDisk(), URL_WITH_SECRET, "the redacted form keeps the password");

    const edited = "rtsp://admin:***@127.0.0.1:9/ch2?pwd=***&x=1";
    await call(t.app, "PATCH", "/update_source/door", { source: edited });
    assert.equal(await onDisk(), URL_WITH_SECRET.replace("/ch1", "/ch2"), "path edits keep it too");

    const elsewhere = "rtsp://admin:***@attacker.example/ch2?pwd=***";
    await call(t.app, "PATCH", "/update_source/door", { source: elsewhere });
    assert.equal(await onDisk(), elsewhere, "another host never gets the stored password");

    await call(t.app, "PATCH", "/update_source/door", { source: "rtsp://admin:new@127.0.0.1:9/" });
    assert.equal(await onDisk(), "rtsp://admin:new@127.0.0.1:9/", "a new password replaces it");
  } finally {
    await t.close();
  }
});

Deno.test("redactUrl hides passwords (also with @ in them) and secret parameters only", () => {
  assert.equal(redactUrl("rtsp://admin:p@ss@10.0.0.5/s"), "rtsp://admin:***@10.0.0.5/s");
  assert.equal(
    redactUrl("http://cam/video.cgi?user=a&pwd=x"),
    "http://cam/video.cgi?user=a&pwd=***",
  );
  assert.equal(redactUrl("rtsp://10.0.0.5:554/s"), "rtsp://10.0.0.5:554/s");
  assert.equal(redactUrl("demo:"), "demo:");
  assert.equal(keepRedactedSecrets("rtsp://b:***@h/s", "rtsp://a:pw@h/s"), "rtsp://b:***@h/s");
  assert.equal(keepRedactedSecrets("rtsp://a:***@h/s", "rtsp://a:p$&w@h/s"), "rtsp://a:p$&w@h/s");
});
