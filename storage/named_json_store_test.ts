import assert from "node:assert/strict";
import { NamedJsonStore } from "./named_json_store.ts";

type Item = { name: string; n: number; extra?: string };

function store(dir: string): NamedJsonStore<Item> {
  return new NamedJsonStore<Item>(dir, {
    file: "items.json",
    parse: (text) => JSON.parse(text) as Item[],
    keyOrder: ["n", "name"],
    exists: (name) => new RangeError(`${name} exists`),
    notFound: (name) => new RangeError(`no ${name}`),
  });
}

Deno.test("named JSON store: sorted by name, only the listed keys in order, mode 0600, reloads", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = store(dir);
    await s.create({ name: "b", n: 2, extra: "dropped" });
    await s.create({ name: "a", n: 1 });
    await assert.rejects(() => s.create({ name: "a", n: 9 }), /a exists/);
    await assert.rejects(() => s.replace({ name: "c", n: 3 }), /no c/);
    await assert.rejects(() => s.remove("c"), /no c/);
    await s.replace({ name: "b", n: 22 });
    const text = await Deno.readTextFile(`${dir}/items.json`);
    assert.equal(text, JSON.stringify([{ n: 1, name: "a" }, { n: 22, name: "b" }], null, 2) + "\n");
    assert.equal((await Deno.stat(`${dir}/items.json`)).mode! & 0o777, 0o600);
    assert.deepEqual(await store(dir).load(), [{ n: 1, name: "a" }, { n: 22, name: "b" }]);
    await s.remove("a");
    assert.deepEqual(s.list().map((i) => i.name), ["b"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("named JSON store: exclusive runs one name's work in order, other names do not wait", async () => {
  const s = store("/nonexistent");
  const order: string[] = [];
  let releaseA!: () => void;
  const gate = new Promise<void>((r) => (releaseA = r));
  const a1 = s.exclusive("a", async () => {
    await gate;
    order.push("a1");
  });
  const a2 = s.exclusive("a", () => Promise.resolve(order.push("a2")));
  await s.exclusive("b", () => Promise.resolve(order.push("b")));
  assert.deepEqual(order, ["b"]);
  releaseA();
  await Promise.all([a1, a2]);
  assert.deepEqual(order, ["b", "a1", "a2"]);
});
