import assert from "node:assert/strict";
import {
  camIdOfControlTopic,
  controlFilter,
  nodeStatusTopic,
  roiPayload,
  roiTopic,
  sanitizeSegment,
  statusTopic,
} from "./mqtt_topics.ts";
import { discoveryConfigs } from "./ha_discovery.ts";

Deno.test("mqtt topics: VisionROI's sanitising, fallbacks and example", () => {
  assert.equal(
    roiTopic("vision", { source: "cam north", group: "g1", roiId: "3" }),
    "vision/cam_north/g1/3",
  );
  assert.equal(roiTopic(" /a b//c$d/ ", { source: "s", group: "g", roiId: "r" }), "a_b/c_d/s/g/r");
  // Thai names collapse to `_`, then to nothing, then to the fallbacks.
  assert.equal(
    roiTopic("", { source: "กล้อง", camId: "cam1", group: "กลุ่ม", roiId: "" }),
    "cam1/ungrouped/roi",
  );
  assert.equal(
    roiTopic("", { source: "", camId: "", group: "", roiId: "" }),
    "camera/ungrouped/roi",
  );
  assert.equal(sanitizeSegment("__a+#b__"), "a_b");
  assert.equal(statusTopic("vision/plant 1"), "vision/plant_1/status");
  assert.equal(controlFilter("vision"), "vision/+/set");
  assert.equal(camIdOfControlTopic("vision", "vision/line1/set"), "line1");
  assert.equal(camIdOfControlTopic("vision", "other/line1/set"), undefined);
  assert.equal(camIdOfControlTopic("vision", "vision/a/b/set"), undefined);
  assert.equal(camIdOfControlTopic("", "line1/set"), "line1");
});

Deno.test("mqtt payload: VisionROI's keys in its order; duration only when known", () => {
  const entry = {
    id: "3",
    name: "Temp",
    text: "23.5",
    module: "digits",
    group: "g1",
    cam_id: "inf_1",
    source: "cam",
    frame_time: 10,
    result_time: 10.5,
    duration: 0.4,
    image: "x",
    mqtt_config: "m",
  };
  assert.deepEqual(roiPayload(entry), {
    cam_id: "inf_1",
    source: "cam",
    group: "g1",
    roi_id: "3",
    roi_name: "Temp",
    module: "digits",
    text: "23.5",
    frame_time: 10,
    result_time: 10.5,
    duration: 0.4,
  });
});

Deno.test("mqtt availability in cluster mode: per-node topics, discovery available while any node is", () => {
  assert.equal(nodeStatusTopic("vision", "n1"), "vision/status/n1");
  assert.equal(nodeStatusTopic("vision/plant 1", "box a"), "vision/plant_1/status/box_a");
  const cfg = { name: "plant", base_topic: "vision", ha_prefix: "homeassistant" };
  const sets = [{
    source: "line1",
    rois: [{ id: "1", type: "roi", points: [], module: "digits", mqtt_config: "plant" }],
  }];
  const [single] = [...discoveryConfigs(cfg, sets).values()].map((p) => JSON.parse(p));
  assert.equal(single.availability_topic, "vision/status");
  assert.equal(single.availability, undefined);
  const [cluster] = [...discoveryConfigs(cfg, sets, ["n2", "n1"]).values()].map((p) =>
    JSON.parse(p)
  );
  assert.equal(cluster.availability_topic, undefined);
  assert.deepEqual(cluster.availability, [
    { topic: "vision/status/n1" },
    { topic: "vision/status/n2" },
  ]);
  assert.equal(cluster.availability_mode, "any");
  assert.equal(cluster.payload_available, "online");
});
