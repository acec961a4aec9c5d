/**
 * MQTT configs on VisionROI's paths (`GET`/`POST /mqtt_configs`, `DELETE /mqtt_configs/<name>`) with
 * its messages, plus `PUT /mqtt_configs/<name>` (an omitted password keeps the stored one) and a
 * live `status` per config. Passwords are never returned: `has_password` instead.
 */
import { Hono } from "hono";
import type { AppContext } from "./context.ts";
import { diskFullError, HttpError } from "./errors.ts";
import { jsonBody } from "./sources.ts";
import {
  listTlsFiles,
  type MqttConfig,
  parseMqttBody,
  publicView,
  TLS_DIR,
} from "../storage/mqtt_config.ts";
import { ConflictError, NotFoundError } from "../storage/errors.ts";
import { probeMqtt } from "../actors/mqtt/mqtt_probe.ts";
import { assignMqttConfig } from "../actors/mqtt/mqtt_assign.ts";
import { z } from "zod";

/** Body of `POST /mqtt_configs/<name>/assign`. */
export const assignBody = z.object({
  source: z.string().min(1).max(255).optional().describe("only ROIs of this source [all]"),
  group: z.string().max(200).optional()
    .describe('only ROIs of this group [all]; "" = ROIs without a group'),
  clear: z.boolean().optional()
    .describe("take this config off the matching ROIs that name it instead [false]"),
}).strict();

/** What the MQTT routes use. */
export type MqttRouteContext = Pick<AppContext, "config" | "mqtt" | "state">;

/** `/mqtt_configs`, `/mqtt_configs/:name` (and its `test`, `assign`), `/mqtt_certs`. */
export function mqttRoutes(ctx: MqttRouteContext): Hono {
  const app = new Hono();
  const { mqtt, state } = ctx;
  const view = (cfg: MqttConfig) => ({ ...publicView(cfg), status: mqtt.status(cfg.name) ?? null });

  app.get("/mqtt_configs", (c) => c.json(state.mqttConfigs().map(view)));

  // Writes go to the desired state; its MQTT reconciler opens or closes the connection before the
  // write answers, one change per name at a time.
  app.post("/mqtt_configs", async (c) => {
    const cfg = await parseMqttBody(await jsonBody(c.req.raw), { dataDir: ctx.config.dataDir });
    await saved(() => state.putMqttConfig(cfg, { create: true }));
    return c.json({ status: "created", config: view(cfg) }, 201);
  });

  app.put("/mqtt_configs/:name", async (c) => {
    const name = c.req.param("name");
    if (!state.mqttConfig(name)) throw new HttpError(404, "not found");
    const body = await jsonBody(c.req.raw);
    if (body.name !== undefined && body.name !== name) {
      throw new RangeError(
        `invalid name ${JSON.stringify(body.name)}: a config cannot be renamed (it is ${
          JSON.stringify(name)
        }); create a new one`,
      );
    }
    // The body is read against the stored config under the name's lock (a kept password is current).
    let cfg: MqttConfig | undefined;
    await saved(async () => {
      cfg = await state.updateMqttConfig(
        name,
        (base) => parseMqttBody(body, { dataDir: ctx.config.dataDir, base }),
      );
    });
    return c.json({ status: "updated", config: view(cfg!) });
  });

  app.delete("/mqtt_configs/:name", async (c) => {
    const name = c.req.param("name");
    if (name.trim() === "") throw new HttpError(400, "invalid name");
    await saved(() => state.deleteMqttConfig(name));
    return c.json({ status: "deleted" });
  });

  // A separate client (own id, no will): the live connection and its `status` topic stay as they are.
  const probe = async (cfg: MqttConfig) => {
    const r = await probeMqtt(cfg, { dataDir: ctx.config.dataDir });
    if (r.ok) return { status: "connected", broker: r.broker, client_id: r.client_id, ms: r.ms };
    throw new HttpError(502, `${r.broker}: ${r.error}`, {
      broker: r.broker,
      client_id: r.client_id,
    });
  };

  app.post("/mqtt_configs/:name/test", async (c) => {
    const cfg = state.mqttConfig(c.req.param("name"));
    if (!cfg) throw new HttpError(404, "not found");
    return c.json(await probe(cfg));
  });

  // The form's values before they are saved (over the stored config of that name, if any: a blank
  // password is the stored one); nothing is stored.
  app.post("/mqtt_configs/test", async (c) => {
    const body = await jsonBody(c.req.raw);
    const base = typeof body.name === "string" ? state.mqttConfig(body.name.trim()) : undefined;
    return c.json(await probe(await parseMqttBody(body, { dataDir: ctx.config.dataDir, base })));
  });

  app.post("/mqtt_configs/:name/assign", async (c) => {
    const name = c.req.param("name");
    if (!state.mqttConfig(name)) throw new HttpError(404, "not found");
    const body = assignBody.parse(await jsonBody(c.req.raw));
    if (body.source === undefined && body.group === undefined) {
      throw new RangeError("missing source or group: say which ROIs get the config");
    }
    const result = await saved(() => assignMqttConfig(state, { config: name, ...body }));
    return c.json({ status: body.clear ? "cleared" : "assigned", config: name, ...result });
  });

  app.get(
    "/mqtt_certs",
    async (c) => c.json({ folder: TLS_DIR, files: await listTlsFiles(ctx.config.dataDir) }),
  );

  app.delete("/mqtt_configs/", () => {
    throw new HttpError(400, "invalid name");
  });

  return app;
}

/**
 * VisionROI's 500 `save failed` when the file cannot be written (memory is rolled back); 507
 * `disk full: …` when that is why.
 */
async function saved<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    // Bad input (the body read against the stored config) keeps its 400.
    if (err instanceof HttpError || err instanceof RangeError) throw err;
    if (err instanceof ConflictError) throw new HttpError(400, err.message);
    if (err instanceof NotFoundError) throw new HttpError(404, err.message);
    const full = diskFullError(err, "MQTT config not saved");
    if (full) throw full;
    console.error(`mqtt_configs.json: ${(err as Error).message}`);
    throw new HttpError(500, "save failed");
  }
}
