import assert from "node:assert/strict";
import { Actor } from "./actor.ts";
import { flushMicrotasks, ManualClock } from "./clock.ts";
import { ActorRegistry } from "./registry.ts";
import { Supervisor } from "./supervisor.ts";

class Idle extends Actor<{ type: "noop" }, { status: string }> {
  protected receive(): void {}
}

function setup() {
  const clock = new ManualClock();
  const supervisor = new Supervisor<Idle>({ clock });
  const registry = new ActorRegistry<Idle>({
    supervisor,
    clock,
    idleTimeoutMs: 30_000,
    specFor: (id) =>
      id.startsWith("cam")
        ? { id, kind: "permanent", create: () => new Idle(id, { status: "live" }, { clock }) }
        : undefined,
  });
  return { clock, supervisor, registry };
}

Deno.test("registry activates on demand and passivates an unheld actor after the idle timeout", async () => {
  const { clock, supervisor, registry } = setup();
  assert.equal(await registry.activate("cam1"), true);
  assert.equal(supervisor.status("cam1")?.state, "running");
  await clock.advance(20_000);
  registry.touch("cam1");
  await clock.advance(20_000);
  assert.equal(supervisor.status("cam1")?.state, "running", "touch restarts the countdown");
  await clock.advance(10_000);
  await flushMicrotasks();
  assert.equal(supervisor.status("cam1"), undefined);
});

Deno.test("registry keeps a held actor until its last holder releases it", async () => {
  const { clock, supervisor, registry } = setup();
  await registry.activate("cam1", "job:a");
  await registry.activate("cam1", "preview:b");
  await registry.activate("cam1"); // a snapshot request while held
  await clock.advance(120_000);
  assert.equal(supervisor.status("cam1")?.state, "running");
  await registry.release("cam1", "job:a");
  assert.equal(supervisor.status("cam1")?.state, "running");
  await registry.release("cam1", "preview:b");
  assert.equal(supervisor.status("cam1"), undefined);
});

Deno.test("registry answers false for ids nothing can serve", async () => {
  const { registry } = setup();
  assert.equal(await registry.activate("nope", "job:x"), false);
  assert.equal(registry.isHeld("nope"), false);
});
