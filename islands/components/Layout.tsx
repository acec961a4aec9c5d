/** The page shell every UI page shares: head, the top navigation and the island scripts. */
import type { ComponentChildren } from "preact";

/** Navigation entries: path and label. */
export const NAV: readonly (readonly [string, string])[] = [
  ["/home", "Home"],
  ["/create_source", "Sources"],
  ["/roi", "ROI editor"],
  ["/inference", "Inference"],
  ["/inference_page", "Page mode"],
  ["/jobs", "Jobs"],
  ["/history", "History"],
  ["/create_mqtt", "MQTT"],
  ["/webhooks", "Webhooks"],
  ["/docs", "Docs"],
  ["/api/docs", "API"],
];

/** Props of {@linkcode Layout}. */
export interface LayoutProps {
  /** Page title (after "VisionROI · "). */
  title: string;
  /** The current path, marked in the navigation. */
  path: string;
  /** Stylesheet URL. */
  css: string;
  /** Module scripts to load (island bundles). */
  scripts: string[];
  /** Show "Sign out" (when the server requires the token). */
  signOut?: boolean;
  /** The page body. */
  children?: ComponentChildren;
}

/** The whole document. */
export function Layout({ title, path, css, scripts, signOut, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`VisionROI · ${title}`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={css} />
        {scripts.map((s) => <script type="module" src={s} key={s}></script>)}
      </head>
      <body>
        <header class="topbar">
          <a class="brand" href="/home">
            Vision<span>ROI</span>
          </a>
          <nav class="nav" aria-label="Main">
            {NAV.map(([href, label]) => (
              <a key={href} href={href} aria-current={href === path ? "page" : undefined}>
                {label}
              </a>
            ))}
          </nav>
          {signOut && (
            <form method="post" action="/logout" class="signout">
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
