/**
 * The browser UI: bundle build time, what each page downloads (island entry + shared chunks +
 * CSS, gzip), and the time from opening /inference to the first result card of the running demo
 * job in headless Chromium (fresh page each run, server and browser warm).
 */
import { buildUi } from "../scripts/build_ui.ts";
import { startServer } from "../tests/helpers/server.ts";
import { launchChromium } from "../tests/helpers/browser.ts";
import { type BenchSection, median } from "./section.ts";

const BUILDS = 5;
const LOADS = 5;

const PAGES: [string, string][] = [
  ["/home", "Home"],
  ["/create_source", "Sources"],
  ["/roi", "RoiEditor"],
  ["/inference, /inference_page", "InferencePanels"],
  ["/create_mqtt", "MqttConfigs"],
];

/** Runs the section. */
export async function run(): Promise<BenchSection> {
  const buildMs: number[] = [];
  let manifest = await buildUi();
  for (let i = 0; i < BUILDS; i++) {
    const t0 = performance.now();
    manifest = await buildUi();
    buildMs.push(performance.now() - t0);
  }
  const css = manifest.files[manifest.css].gzip;
  const pages = PAGES.map(([path, island]) => {
    const files = manifest.island_files[island] ?? [];
    const js = files.reduce((n, f) => n + (manifest.files[f]?.gzip ?? 0), 0);
    return { path, island, js_gzip: js, css_gzip: css, total_gzip: js + css };
  });
  const firstCardMs = await firstCard();
  const data = {
    loadAverage: (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" "),
    buildMedianMs: Math.round(median(buildMs)),
    pages,
    firstCardMs: firstCardMs.map(Math.round),
    firstCardMedianMs: Math.round(median(firstCardMs)),
  };
  const kib = (b: number) => (b / 1024).toFixed(1);
  const markdown = [
    `Bundle build (esbuild, ${BUILDS} runs): median **${data.buildMedianMs} ms**.`,
    "",
    "| page | island | JS gzip KiB | CSS gzip KiB | total KiB |",
    "|---|---|---|---|---|",
    ...pages.map((p) =>
      `| ${p.path} | ${p.island} | ${kib(p.js_gzip)} | ${kib(p.css_gzip)} | ${kib(p.total_gzip)} |`
    ),
    "",
    `Time from navigation to the first ROI card on /inference (running demo job, ${LOADS} loads): ` +
    `median **${data.firstCardMedianMs} ms** (${data.firstCardMs.join(", ")} ms): page, island ` +
    `bundle, hydration, \`/api/jobs\`, then the panel shows the job's last result from ` +
    `\`/api/dashboard\` until the socket's next one. Load average ${data.loadAverage}.`,
  ].join("\n");
  return { title: "Browser UI: bundle sizes and time to first result card", markdown, data };
}

async function firstCard(): Promise<number[]> {
  const dataDir = await Deno.makeTempDir({ prefix: "visionroi-bench-ui-" });
  const server = await startServer(dataDir);
  const chrome = await launchChromium();
  const out: number[] = [];
  try {
    for (let i = 0; i <= LOADS; i++) {
      const page = await chrome.browser.newPage();
      const t0 = performance.now();
      await page.goto(`${server.url}/inference`);
      await page.locator(".roi-card").first().waitFor({ timeout: 60_000 });
      if (i > 0) out.push(performance.now() - t0); // the first load warms the server
      await page.close();
    }
  } finally {
    await chrome.close();
    server.child.kill("SIGTERM");
    await server.exited();
    await Deno.remove(dataDir, { recursive: true });
  }
  return out;
}
