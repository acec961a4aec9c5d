/** Until the UI lands: a plain page that shows the demo camera refreshing. */
import { Hono } from "hono";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>VisionROI</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;margin:2rem;background:#111;color:#eee}
img{max-width:100%;border:1px solid #444}code{color:#9cf}</style></head>
<body><h1>VisionROI</h1>
<p>Live snapshot of the <code>demo</code> camera, refreshed every second.
API: <code>/source_list</code>, <code>/api/cameras</code>, <code>/ws_snapshot/&lt;cam_id&gt;</code>.</p>
<img id="snap" alt="demo camera snapshot" src="/ws_snapshot/demo">
<p id="state"></p>
<script>
const img = document.getElementById("snap");
const state = document.getElementById("state");
setInterval(async () => {
  img.src = "/ws_snapshot/demo?ts=" + Date.now();
  const r = await fetch("/api/cameras/demo");
  if (r.ok) { const v = await r.json(); state.textContent = v.status + " · " + v.fps + " fps"; }
}, 1000);
</script></body></html>`;

/** `GET /`. */
export function pageRoutes(): Hono {
  const app = new Hono();
  app.get("/", (c) => c.html(PAGE));
  return app;
}
