/** Test and bench helpers for `../shared/fixtures` (real photos with ground truth), read in place. */
import type { Frame } from "../../actors/frame_sources/frame.ts";
import { decodeImageToFrame } from "../image_frame.ts";
import type { RoiTask } from "../pool_types.ts";

/** The shared fixtures folder beside the checkout (`/work/shared/fixtures` for `/work/main`). */
export const FIXTURES_DIR = new URL("../../../shared/fixtures/", import.meta.url);

/** True when the fixtures folder exists; tests that need it are ignored otherwise. */
export const fixturesPresent: boolean = (() => {
  try {
    return Deno.statSync(FIXTURES_DIR).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
})();

/** Prints, once per test file, why fixture tests are skipped. */
export function explainSkip(what: string): void {
  if (!fixturesPresent) {
    console.warn(
      `SKIPPED ${what}: fixtures folder ${FIXTURES_DIR.pathname} is absent (it sits beside the ` +
        "checkout in CI; see shared/fixtures/README.md)",
    );
  }
}

/** A fixture ROI: a VisionROI rois.json entry plus the fixture's `expected` answers. */
export interface FixtureRoi extends RoiTask {
  /** What a person reads in the ROI. */
  expected: string;
  /** The main value, where the fixture gives one. */
  expected_value?: string;
}

/** Loads a fixture image as a frame and its ROIs (`name` relative to the fixtures folder, no extension). */
export async function loadFixture(
  image: string,
  rois: string,
): Promise<{ frame: Frame; rois: FixtureRoi[] }> {
  const frame = await decodeImageToFrame(await Deno.readFile(new URL(image, FIXTURES_DIR)));
  const json = JSON.parse(await Deno.readTextFile(new URL(rois, FIXTURES_DIR)));
  return { frame, rois: (Array.isArray(json) ? json : json.rois) as FixtureRoi[] };
}

/** Collapses white space, as the fixtures README says to compare. */
export function normalizeText(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}
