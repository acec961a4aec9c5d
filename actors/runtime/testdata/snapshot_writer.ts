// Test helper: rewrites one big snapshot forever, printing each completed generation.
import { FileSnapshotStore } from "../snapshot_store.ts";

const store = new FileSnapshotStore(Deno.args[0]);
for (let gen = 1;; gen++) {
  const payload = String(gen % 10).repeat(2_000_000 + (gen % 7) * 1000);
  await store.save("state", { gen, payload, check: payload.length });
  await Deno.stdout.write(new TextEncoder().encode(`${gen}\n`));
}
