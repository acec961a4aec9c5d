import assert from "node:assert/strict";
import {
  FileSnapshotStore,
  keySegment,
  removeStaleTemps,
  writeFileAtomic,
} from "./snapshot_store.ts";
import { mountTmpfs, tmpfsUnavailable } from "../../tests/helpers/tmpfs.ts";

const writer = new URL("./testdata/snapshot_writer.ts", import.meta.url);

Deno.test("snapshot store round-trips values and lists keys", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = new FileSnapshotStore(dir);
    assert.equal(await store.load("camera/a"), undefined);
    await store.save("camera/a", { status: "live", n: 1 });
    await store.save("camera/b", { status: "stopped" });
    assert.deepEqual(await store.load("camera/a"), { status: "live", n: 1 });
    assert.deepEqual(await store.list("camera/"), ["camera/a", "camera/b"]);
    await store.delete("camera/a");
    assert.deepEqual(await store.list("camera/"), ["camera/b"]);
    await assert.rejects(store.save("../escape", {}), RangeError);
    await assert.rejects(store.save("camera/..", {}), RangeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a write killed mid-way leaves the old or the new snapshot, never a broken one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A real process rewrites a 2 MB snapshot in a loop; we SIGKILL it at varying moments.
    for (let round = 0; round < 6; round++) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read", "--allow-write", writer.pathname, dir],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = child.stdout.getReader();
      let seen = "";
      const target = 2 + round * 3; // kill after a varying number of completed writes
      while ((seen.match(/\n/g)?.length ?? 0) < target) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      child.kill("SIGKILL");
      await reader.cancel();
      await child.status;
      const store = new FileSnapshotStore(dir);
      const snap = await store.load<{ gen: number; payload: string; check: number }>("state");
      assert.ok(snap, "a snapshot is there");
      assert.equal(snap.payload.length, snap.check, "the file is whole");
      const completed = seen.trim().split("\n").map(Number);
      assert.ok(
        snap.gen >= completed[completed.length - 1],
        "no older than the last completed write",
      );
      await removeStaleTemps(dir);
    }
    const left = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(left, ["state.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("any source name or cam_id makes a key that saves: Thai, leading dash or dot, 100 letters", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = new FileSnapshotStore(dir);
    const ids = [
      "ห้อง1",
      "-dash",
      ".x",
      "@at",
      "cam:1",
      "ห".repeat(100),
      "ห".repeat(99) + "ก",
      "a".repeat(100),
      "ก".repeat(47), // 235 characters encoded: kept as it is
    ];
    const keys = ids.map((id) => `camera/${keySegment(id)}`);
    assert.equal(new Set(keys).size, ids.length, "distinct ids, distinct keys");
    for (const [i, key] of keys.entries()) await store.save(key, { restarts: i });
    for (const [i, key] of keys.entries()) assert.deepEqual(await store.load(key), { restarts: i });
    assert.deepEqual((await store.list("camera/")).sort(), [...keys].sort());
    assert.equal(
      keySegment("ก".repeat(47)),
      "@0e01".repeat(47),
      "keys that saved before keep their name",
    );
    assert.match(keySegment("ห".repeat(100)), /^(@0e2b){24}@@[0-9a-f]{64}$/);
    await assert.rejects(store.save("camera/.hidden", {}), RangeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const noTmpfs = await tmpfsUnavailable();
if (noTmpfs) console.warn(`skipping the disk-full writeFileAtomic test: ${noTmpfs}`);

Deno.test({
  name:
    "writeFileAtomic on a full disk fails with ENOSPC, keeps the old file and leaves no temp file",
  ignore: noTmpfs !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const fs = await mountTmpfs(dir, 256 * 1024);
    try {
      const path = `${dir}/state.json`;
      await writeFileAtomic(path, '{"old":true}\n');
      await fs.fill();
      // 64 KiB: more than any partly filled page can take, so the write itself fails.
      const err = await writeFileAtomic(path, "x".repeat(64 * 1024)).then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      );
      assert.equal(err?.code, "ENOSPC", `expected ENOSPC, got ${err}`);
      assert.equal(await Deno.readTextFile(path), '{"old":true}\n');
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert.deepEqual(names, [".filler", "state.json"]);
    } finally {
      await fs.unmount();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
