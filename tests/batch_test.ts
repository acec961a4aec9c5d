/**
 * Batch jobs end to end: a real server process, real ffmpeg, the real SQLite file. The clip is the
 * demo panel with numbers that change every second, so every row's expected text is known.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer } from "./helpers/server.ts";
import { panelRois, writePanelPng } from "./helpers/panel.ts";
import { makePanelClip, type PanelValues } from "./helpers/panel_clip.ts";
import { waitFor } from "./helpers/wait.ts";
import { getJson, resultRows, uploadBatch, waitForStatus } from "./helpers/batch_client.ts";
import { multipartStream } from "../scripts/multipart_stream.ts";

type Json = Record<string, unknown>;
const ROIS = JSON.stringify(panelRois());
const CLIENT = new URL("../scripts/client.ts", import.meta.url).pathname;

/** Every row's text is what the panel showed at that frame's time. */
function assertTexts(rows: Json[], values: PanelValues[]): void {
  for (const row of rows) {
    const second = Math.floor(Number(row.frame_time) + 1e-9);
    const want = values[second][row.roi_id as keyof PanelValues];
    assert.equal(row.text, want, `frame ${row.frame_index} (${row.frame_time} s) ${row.roi_id}`);
  }
}

async function uploadDirs(dataDir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(join(dataDir, ".visionroi", "uploads"))) names.push(e.name);
  return names.sort();
}

async function taskIds(base: string): Promise<string[]> {
  const { json } = await getJson(`${base}/api/batch`);
  return (json.tasks as Json[]).map((t) => String(t.task_id)).sort();
}

Deno.test({
  name: "batch: a clip is read completely, uploads never collide, bad uploads leave nothing, " +
    "cancel stops rows, live results export as CSV",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "visionroi-batch-" });
    const data = join(dir, "data");
    const clip = await makePanelClip(dir, { seconds: 5, fps: 5 });
    const server = await startServer(data, [
      "--no-demo",
      "--workers",
      "2",
      "--max-upload",
      "3000000",
    ]);
    const base = server.url;
    try {
      await t.step(
        "a 5 s clip completes with 25 frames × 4 ROIs of the expected texts",
        async () => {
          const up = await uploadBatch(base, [{ name: "panel.mp4", path: clip.path }], {
            rois: ROIS,
          });
          assert.equal(up.status, 201, JSON.stringify(up.json));
          assert.equal(up.json.status, "pending");
          const id = String(up.json.task_id);
          const seen: number[] = [];
          const done = await waitFor(async () => {
            const { json } = await getJson(`${base}/api/batch/${id}`);
            seen.push(Number(json.progress));
            return json.status === "completed" ? json : undefined;
          }, { timeoutMs: 60_000, everyMs: 20, what: "completed" });
          assert.equal(seen[0], 0, "progress starts at 0");
          assert.equal(seen.at(-1), 100);
          assert.ok(seen.some((p) => p > 0 && p < 100), `progress in between: ${seen.join()}`);
          assert.deepEqual(seen, [...seen].sort((a, b) => a - b), "progress never goes back");
          assert.equal(done.frames_done, 25);
          assert.equal(Number(done.roi_reads) + Number(done.errors), 100);
          assert.ok(done.started_at && done.finished_at);
          const rows = await resultRows(base, id);
          assert.equal(rows.length, 100);
          assertTexts(rows, clip.values);
          assert.equal(rows[4].frame_index, 1);
          assert.equal(rows[4].frame_time, 0.2);
          const csv = await (await fetch(`${base}/api/batch/${id}/results?format=csv`)).text();
          const lines = csv.trim().split("\n");
          assert.equal(
            lines[0],
            "task_id,frame_index,frame_time,roi_id,name,module,text,value," +
              "confidence,duration,error",
          );
          assert.equal(lines.length, 101);
          assert.match(
            lines[1],
            new RegExp(`^${id},0,0,temperature,Temperature °C,digits,23\\.7,`),
          );
          const stats = (await getJson(`${base}/api/batch/stats`)).json;
          assert.equal(stats.done, 1);
          assert.ok(Number(stats.avg_seconds_per_frame) > 0);
          const prom = await (await fetch(`${base}/metrics`)).text();
          assert.match(prom, /visionroi_batch_tasks\{status="completed"\} 1/);
        },
      );

      await t.step(
        "two uploads with the same file name are two tasks with their own file",
        async () => {
          await Deno.mkdir(join(dir, "short"));
          const short = await makePanelClip(join(dir, "short"), { seconds: 2, fps: 5 });
          const [a, b] = await Promise.all([
            uploadBatch(base, [{ name: "clip.mp4", path: clip.path }], {
              rois: ROIS,
              every_n_frames: "5",
            }),
            uploadBatch(base, [{ name: "clip.mp4", path: short.path }], {
              rois: ROIS,
              every_n_frames: "5",
            }),
          ]);
          assert.equal(a.status, 201);
          assert.equal(b.status, 201);
          assert.notEqual(a.json.task_id, b.json.task_id);
          const ta = await waitForStatus(base, String(a.json.task_id), ["completed"]);
          const tb = await waitForStatus(base, String(b.json.task_id), ["completed"]);
          assert.equal(ta.frames_done, 5);
          assert.equal(tb.frames_done, 2);
          assertTexts(await resultRows(base, String(a.json.task_id)), clip.values);
          assertTexts(await resultRows(base, String(b.json.task_id)), short.values);
          const sizeA = (await Deno.stat(
            join(data, ".visionroi", "uploads", String(a.json.task_id), "0-clip.mp4"),
          ))
            .size;
          const sizeB = (await Deno.stat(
            join(data, ".visionroi", "uploads", String(b.json.task_id), "0-clip.mp4"),
          ))
            .size;
          assert.deepEqual([sizeA, sizeB], [
            (await Deno.stat(clip.path)).size,
            (await Deno.stat(short.path)).size,
          ]);
        },
      );

      await t.step(
        "the CLI client uploads with a progress bar, waits and downloads CSV",
        async () => {
          const rois = join(dir, "rois.json");
          await Deno.writeTextFile(rois, ROIS);
          const out = await new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              CLIENT,
              "upload",
              clip.path,
              "--rois",
              rois,
              "--every-n-frames",
              "5",
            ]
              .concat(["--wait", "--download", join(dir, "dl"), "--server", base]),
            stdout: "piped",
            stderr: "piped",
          }).output();
          const stdout = new TextDecoder().decode(out.stdout);
          const stderr = new TextDecoder().decode(out.stderr);
          assert.equal(out.code, 0, stderr);
          const [id, path] = stdout.trim().split("\n");
          assert.match(stderr, /\[#+\] 100% {2}upload/);
          assert.match(stderr, /100% {2}completed 5\/5 frames/);
          assert.equal(path, join(dir, "dl", `batch-${id}.csv`));
          assert.equal((await Deno.readTextFile(path)).trim().split("\n").length, 21);
          const list = await new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", CLIENT, "list", "--status", "completed", "--server", base],
            stdout: "piped",
          }).output();
          assert.match(new TextDecoder().decode(list.stdout), new RegExp(`${id}\tcompleted\t100%`));
          await fetch(`${base}/api/batch/${id}`, { method: "DELETE" }).then((r) =>
            r.body?.cancel()
          );
        },
      );

      await t.step("images, and a zip of images, are read one frame per picture", async () => {
        const zip = join(dir, "pics.zip");
        const made = await new Deno.Command("zip", {
          args: ["-q", "-j", zip, join(dir, "p1.png"), join(dir, "p0.png")],
        }).output();
        assert.ok(made.success);
        const z = await uploadBatch(base, [{ name: "pics.zip", path: zip }], { rois: ROIS });
        const many = await uploadBatch(base, [
          { name: "a.png", path: join(dir, "p2.png") },
          { name: "a.png", path: join(dir, "p3.png") },
        ], { rois: ROIS });
        assert.equal(z.status, 201, JSON.stringify(z.json));
        assert.equal(many.status, 201, JSON.stringify(many.json));
        for (const [up, ticks] of [[z, [0, 1]], [many, [2, 3]]] as const) {
          const done = await waitForStatus(base, String(up.json.task_id), ["completed"]);
          assert.equal(done.kind, "images");
          assert.equal(done.frames_done, 2);
          const rows = await resultRows(base, String(up.json.task_id));
          assert.equal(rows.length, 8);
          for (const r of rows) {
            assert.equal(r.frame_time, null);
            const want = clip.values[ticks[Number(r.frame_index)]];
            assert.equal(r.text, want[r.roi_id as keyof PanelValues]);
          }
        }
      });

      await t.step("an upload over --max-upload is 413 and leaves no file", async () => {
        const before = await taskIds(base);
        const chunk = crypto.getRandomValues(new Uint8Array(65536));
        const bytes = new Uint8Array(chunk.length * 50);
        for (let off = 0; off < bytes.length; off += chunk.length) bytes.set(chunk, off);
        // Declared length: refused before reading.
        const up = await uploadBatch(base, [{ name: "big.mp4", bytes }], { rois: ROIS });
        assert.equal(up.status, 413, JSON.stringify(up.json));
        assert.match(String(up.json.message), /larger than the limit of 3000000 bytes/);
        // Chunked, no length: refused once 3 MB were counted; the partial file is removed.
        const { body, contentType } = multipartStream({ rois: ROIS }, [{
          filename: "big.mp4",
          stream: ReadableStream.from((function* () {
            for (let i = 0; i < 50; i++) yield chunk;
          })()),
        }]);
        const r = await fetch(`${base}/api/batch`, {
          method: "POST",
          body,
          headers: { "content-type": contentType },
        });
        assert.equal(r.status, 413);
        assert.match((await r.json()).message, /larger than the limit/);
        assert.deepEqual(await taskIds(base), before);
        assert.deepEqual(await uploadDirs(data), before, "only the tasks' folders remain");
      });

      await t.step("a file that is no video is 400 and makes no task", async () => {
        const before = await taskIds(base);
        const up = await uploadBatch(base, [{
          name: "notes.mp4",
          bytes: new TextEncoder().encode("these are my notes, not a video\n".repeat(50)),
        }], { rois: ROIS });
        assert.equal(up.status, 400, JSON.stringify(up.json));
        assert.match(String(up.json.message), /invalid file: "notes\.mp4" is no image or video/);
        const noSource = await uploadBatch(base, [{ name: "a.mp4", path: clip.path }], {
          source: "nope",
        });
        assert.equal(noSource.status, 400);
        assert.match(String(noSource.json.message), /invalid source "nope": no such source/);
        const badRoi = await uploadBatch(base, [{ name: "a.mp4", path: clip.path }], {
          rois: JSON.stringify([{ id: "x", module: "digits", points: [{ x: 1, y: 1 }] }]),
        });
        assert.equal(badRoi.status, 400);
        assert.match(String(badRoi.json.message), /rois\[0\]\.points/);
        assert.deepEqual(await taskIds(base), before);
        assert.deepEqual(await uploadDirs(data), before);
      });

      await t.step("cancel mid-way: cancelled, and no row is added afterwards", async () => {
        const long = join(dir, "long.mp4");
        const loop = await new Deno.Command("ffmpeg", {
          args: ["-v", "error", "-stream_loop", "7", "-i", clip.path, "-c", "copy", long],
        }).output();
        assert.ok(loop.success);
        const up = await uploadBatch(base, [{ name: "long.mp4", path: long }], { rois: ROIS });
        const id = String(up.json.task_id);
        await waitFor(async () => {
          const { json } = await getJson(`${base}/api/batch/${id}`);
          return Number(json.frames_done) >= 2;
        }, { timeoutMs: 30_000, what: "2 frames done" });
        const r = await fetch(`${base}/api/batch/${id}/cancel`, { method: "POST" });
        const cancelled = await r.json();
        assert.equal(r.status, 200);
        assert.equal(cancelled.status, "cancelled");
        assert.ok(Number(cancelled.frames_done) < 200);
        const rows = (await resultRows(base, id)).length;
        assert.equal(rows, Number(cancelled.frames_done) * 4);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        assert.equal((await resultRows(base, id)).length, rows, "no rows after cancel");
        const again = await fetch(`${base}/api/batch/${id}/cancel`, { method: "POST" });
        assert.equal(again.status, 409);
        await again.body?.cancel();
        const del = await fetch(`${base}/api/batch/${id}`, { method: "DELETE" });
        assert.equal(del.status, 200);
        await del.body?.cancel();
        assert.ok(!(await uploadDirs(data)).includes(id), "files removed with the task");
        assert.equal((await getJson(`${base}/api/batch/${id}`)).status, 404);
      });

      await t.step("/api/results returns a live job's readings as CSV", async () => {
        const png = join(dir, "live.png");
        const expected = await writePanelPng(png, 0);
        const form = new FormData();
        form.set("name", "panel");
        form.set("source", png);
        const created = await fetch(`${base}/create_source`, { method: "POST", body: form });
        assert.equal(created.status, 200);
        await created.body?.cancel();
        const start = await fetch(`${base}/start_inference/line1`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "panel", rois: panelRois(), group: "all", interval: 0.2 }),
        });
        assert.equal(start.status, 200);
        await start.body?.cancel();
        const csv = await waitFor(async () => {
          const text = await (await fetch(`${base}/api/results?source=panel&format=csv`)).text();
          return text.trim().split("\n").length >= 9 ? text : undefined;
        }, { timeoutMs: 30_000, what: "8 live rows" });
        const [header, ...lines] = csv.trim().split("\n");
        assert.equal(
          header,
          "time,iso_time,cam_id,source,roi_id,name,module,text,value,duration,status,reason",
        );
        const temp = lines.find((l) => l.includes(",temperature,"))!.split(",");
        assert.deepEqual(temp.slice(2, 5), ["line1", "panel", "temperature"]);
        assert.equal(temp[7], expected.temperature);
        assert.equal(Number(temp[8]), Number(expected.temperature));
        const one = await getJson(`${base}/api/results?source=panel&roi=pump_lamp&from=0`);
        assert.ok((one.json.rows as Json[]).every((r) => r.roi_id === "pump_lamp"));
        assert.equal((await getJson(`${base}/api/results?from=yesterday`)).status, 400);
        const stop = await fetch(`${base}/stop_inference/line1`, { method: "POST" });
        await stop.body?.cancel();
      });
    } finally {
      await server.kill9();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
