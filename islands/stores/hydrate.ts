/** Browser side of an island: hydrates every element the server marked with the island's name. */
import { type ComponentType, h, hydrate } from "preact";

/** Hydrates each `[data-island=name]` with `component` and the props the server rendered with. */
export function hydrateIsland<P>(name: string, component: ComponentType<P>): void {
  for (const el of document.querySelectorAll<HTMLElement>(`[data-island="${name}"]`)) {
    const props = JSON.parse(el.dataset.props ?? "{}") as P;
    hydrate(
      h(component as ComponentType<Record<string, unknown>>, props as Record<string, unknown>),
      el,
    );
    // Tests (and curious users) can tell a live island from server-rendered markup.
    el.dataset.hydrated = "1";
  }
}
