import assert from "node:assert/strict";

/** Peak RSS (MB) of a child process that churns through `frames` camera-sized frames. */
async function churnPeakMb(frames: number): Promise<number> {
  const frameTs = new URL("../frame_sources/frame.ts", import.meta.url).href;
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(
    script,
    `import { allocFrameData } from ${JSON.stringify(frameTs)};
     const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))![1]) / 1024;
     const live = [];
     let peak = 0;
     for (let i = 0; i < ${frames}; i++) {
       const data = allocFrameData(1476, 1108); // 6.5 MB, the HMI panel's size
       data.fill(i & 255);
       live.push(data);
       if (live.length > 4) live.shift();
       await new Promise((r) => setTimeout(r, 0)); // a camera yields between frames
       peak = Math.max(peak, rss());
     }
     console.log(JSON.stringify({ peak }));`,
  );
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!).peak;
  } finally {
    await Deno.remove(script);
  }
}

Deno.test({
  name: "dropped frame buffers are reclaimed: 2 GB of 6.5 MB frames churned, RSS stays low",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // Without the reclaim V8 keeps every dropped SharedArrayBuffer until an unrelated major GC:
    // this loop then peaked at ~2.2 GB.
    const peak = await churnPeakMb(300);
    assert.ok(peak < 600, `peak RSS ${peak.toFixed(0)} MB (4 live frames are 26 MB)`);
  },
});
