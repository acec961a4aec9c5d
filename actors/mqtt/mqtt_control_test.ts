import assert from "node:assert/strict";
import { checkControlCamId, parseControl } from "./mqtt_control.ts";

Deno.test("mqtt control: start/stop and interval parse; malformed ones name the field", () => {
  assert.deepEqual(parseControl('{"command":"start"}'), { command: "start" });
  assert.deepEqual(parseControl('{"command":"start","interval":0.5}'), {
    command: "start",
    interval: 0.5,
  });
  assert.deepEqual(parseControl('{"interval":2}'), { interval: 2 });
  assert.throws(() => parseControl("stop"), /invalid control payload "stop"/);
  assert.throws(() => parseControl("[1]"), /expected a JSON object/);
  assert.throws(() => parseControl('{"command":"go"}'), /invalid command "go"/);
  assert.throws(() => parseControl('{"interval":-1}'), /invalid interval -1/);
  assert.throws(() => parseControl('{"interval":"2"}'), /invalid interval "2"/);
  assert.throws(() => parseControl("{}"), /needs "command" or "interval"/);
  assert.equal(checkControlCamId("inf_cam1"), "inf_cam1");
  assert.throws(() => checkControlCamId(".."), /invalid cam_id/);
});
