/** The props of the ROI stage, apart from it so that its pointer logic can use them without a cycle. */
import type { Point, RoiItem } from "../stores/types.ts";
import type { Size, View } from "../stores/roi_geometry.ts";

/** The drawing tool. */
export type Tool = "select" | "poly" | "rect" | "page";

/** Props of the stage (`RoiStage`). */
export interface RoiStageProps {
  frameUrl: string;
  size: Size;
  rois: RoiItem[];
  selected: string | null;
  tool: Tool;
  view: View;
  readings: Record<string, string>;
  onView(v: View): void;
  onSelect(id: string | null): void;
  /** Shows a changed list while dragging (no undo step). */
  onPreview(rois: RoiItem[]): void;
  /** Records the change as one undo step back to `before`. */
  onCommit(rois: RoiItem[], before: RoiItem[]): void;
  /** A new shape was drawn (4 points, TL TR BR BL). */
  onCreate(kind: "roi" | "page", points: Point[]): void;
}
