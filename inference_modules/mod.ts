/** Public surface of the inference modules: registry, worker pool, ROI geometry, image decoding. */
export {
  BUILTIN_MODULES,
  createRegistry,
  loadUserModules,
  MODULE_NAME_PATTERN,
} from "./registry.ts";
export type { ModuleProblem, ModuleRegistry, RegistryOptions } from "./registry.ts";
export { WorkerPool } from "./worker_pool.ts";
export { createPageDetector, DEFAULT_PAGE_THRESHOLD } from "./page_detector.ts";
export type {
  PageDetection,
  PageDetectorOptions,
  PageEntry,
  PageMatcher,
} from "./page_detector.ts";
export type { DetectPagesOptions, PageMatch, PageMethod, PageTemplate } from "./page_types.ts";
export type {
  DescriptorLookup,
  PoolStats,
  ReadFrameOptions,
  RoiResult,
  RoiTask,
  WorkerPoolOptions,
} from "./pool_types.ts";
export { cropSize, OUTSIDE_TOLERANCE_PX, surroundBox, validateRoiPolygon } from "./roi_polygon.ts";
export type { FrameSize, Point, Quad, RoiRect } from "./roi_polygon.ts";
export { mainNumber } from "./main_number.ts";
export { decodeImageToFrame, ImageDecodeError, MAX_IMAGE_PIXELS } from "./image_frame.ts";
export type {
  CreateEngine,
  EngineContext,
  ModuleDescriptor,
  ModuleEngine,
  ModuleOutputKind,
  ReadContext,
  ReadOutput,
  RgbaImage,
} from "./module_types.ts";
