/**
 * The browser UI: server-rendered Preact pages on VisionROI's paths, each with its island
 * (hydrated by the bundle in `dist/ui/`, built by `deno task build`). Pages carry a strict CSP:
 * scripts, styles and fonts come from this server only.
 */
import { Hono } from "hono";
import { type ComponentType, h } from "preact";
import { renderToString } from "preact-render-to-string";
import { Layout } from "../islands/components/Layout.tsx";
import { Island } from "../islands/components/Island.tsx";
import { DocsPage } from "../islands/components/DocsPage.tsx";
import { Home } from "../islands/Home.tsx";
import { Sources } from "../islands/Sources.tsx";
import { RoiEditor } from "../islands/RoiEditor.tsx";
import { InferencePanels } from "../islands/InferencePanels.tsx";
import { MqttConfigs } from "../islands/MqttConfigs.tsx";
import { Webhooks } from "../islands/Webhooks.tsx";
import { BatchJobs } from "../islands/BatchJobs.tsx";
import { BatchResults } from "../islands/BatchResults.tsx";
import { History } from "../islands/History.tsx";
import { staticRoutes, uiBundle } from "./ui_assets.ts";
import type { AccessPolicy } from "./auth.ts";
import { rulesFormSchema } from "../storage/roi_rules_schema.ts";

/** Headers of every UI page. */
export const PAGE_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' " +
    "'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

/** One page: its title, and the island (with props) or static content it shows. */
interface PageSpec {
  title: string;
  island?: { name: string; component: ComponentType<never>; props: Record<string, unknown> };
  body?: ComponentType;
}

/** Renders a page as a full HTML document. */
export async function renderPage(
  path: string,
  spec: PageSpec,
  opts: { signOut?: boolean } = {},
): Promise<string> {
  const bundle = await uiBundle();
  const css = bundle ? `/static/ui/${bundle.css}` : "";
  const script = spec.island && bundle?.islands[spec.island.name];
  const scripts = script ? [`/static/ui/${script}`] : [];
  const content = spec.island
    ? h(Island, spec.island as never)
    : spec.body
    ? h(spec.body, null)
    : null;
  const missing = bundle ? null : h(
    "p",
    { class: "notice error" },
    "The UI bundle is missing: run `deno task build` (deno task start builds it).",
  );
  return "<!doctype html>" +
    renderToString(
      h(Layout, { title: spec.title, path, css, scripts, signOut: opts.signOut }, missing, content),
    );
}

/** Query value, trimmed, at most 200 characters (props only; the islands validate further). */
function q(v: string | undefined): string {
  return (v ?? "").trim().slice(0, 200);
}

/** The history page's filter from its query: `source`, `roi` (repeated), `range`, `from`, `to`. */
function historyProps(p: URLSearchParams): Record<string, unknown> {
  const time = (v: string | null) => {
    const n = Number(v);
    return v && Number.isFinite(n) ? n : undefined;
  };
  return {
    source: q(p.get("source") ?? ""),
    rois: p.getAll("roi").slice(0, 200).map(q).filter(Boolean),
    range: q(p.get("range") ?? "hour"),
    from: time(p.get("from")),
    to: time(p.get("to")),
  };
}

/** `/`, `/home`, `/create_source`, `/roi`, `/inference`, `/inference_page`, `/jobs`, `/jobs/:id`, `/create_mqtt`, `/webhooks`, `/history`, `/docs`, `/dashboard`, `/static/*`. */
export function uiRoutes(policy: AccessPolicy = { required: false }): Hono {
  const app = new Hono();
  const page = (path: string, spec: (url: URL) => PageSpec) =>
    app.get(path, async (c) => {
      const html = await renderPage(path, spec(new URL(c.req.url)), { signOut: policy.required });
      return c.html(html, 200, PAGE_HEADERS);
    });
  app.get("/", (c) => c.redirect("/home", 302));
  app.get("/dashboard", (c) => c.redirect("/home", 302));
  page("/home", () => ({ title: "Home", island: { name: "Home", component: Home, props: {} } }));
  page("/create_source", (u) => ({
    title: "Sources",
    island: {
      name: "Sources",
      component: Sources,
      props: { focus: q(u.searchParams.get("source") ?? "") },
    },
  }));
  page("/roi", (u) => ({
    title: "ROI editor",
    island: {
      name: "RoiEditor",
      component: RoiEditor,
      props: { source: q(u.searchParams.get("source") ?? ""), rulesSchema: rulesFormSchema() },
    },
  }));
  page("/inference", (u) => ({
    title: "Inference",
    island: {
      name: "InferencePanels",
      component: InferencePanels,
      props: { mode: "group", focus: q(u.searchParams.get("cam_id") ?? "") },
    },
  }));
  page("/inference_page", (u) => ({
    title: "Page mode",
    island: {
      name: "InferencePanels",
      component: InferencePanels,
      props: { mode: "page", focus: q(u.searchParams.get("cam_id") ?? "") },
    },
  }));
  page("/jobs", () => ({
    title: "Batch jobs",
    island: { name: "BatchJobs", component: BatchJobs, props: {} },
  }));
  page("/jobs/:id", (u) => ({
    title: "Batch results",
    island: {
      name: "BatchResults",
      component: BatchResults,
      props: { id: q(u.pathname.split("/")[2]) },
    },
  }));
  page("/create_mqtt", () => ({
    title: "MQTT",
    island: { name: "MqttConfigs", component: MqttConfigs, props: {} },
  }));
  page("/webhooks", () => ({
    title: "Webhooks",
    island: { name: "Webhooks", component: Webhooks, props: {} },
  }));
  page("/history", (u) => ({
    title: "History",
    island: { name: "History", component: History, props: historyProps(u.searchParams) },
  }));
  page("/docs", () => ({ title: "Docs", body: DocsPage }));
  app.route("/", staticRoutes());
  return app;
}
