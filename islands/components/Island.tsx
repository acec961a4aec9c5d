/** Server side of an island: its SSR markup inside a marked element carrying its props as JSON. */
import type { ComponentType, JSX } from "preact";

/** Props of {@linkcode Island}. */
export interface IslandProps<P extends JSX.IntrinsicAttributes> {
  /** The island's name: its file in `islands/` and its bundle. */
  name: string;
  /** The island component. */
  component: ComponentType<P>;
  /** Serialisable props (sent to the browser as JSON in an attribute, so never parsed as HTML). */
  props: P;
}

/** Renders `component` inside `<div data-island=name data-props=json>` for hydration. */
export function Island<P extends JSX.IntrinsicAttributes>(
  { name, component: C, props }: IslandProps<P>,
) {
  return (
    <div data-island={name} data-props={JSON.stringify(props)}>
      <C {...props} />
    </div>
  );
}
