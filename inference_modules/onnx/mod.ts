/** The ONNX backend-selection layer shared by rapid_ocr, digits and yolo. */
export {
  createOnnxSession,
  type FloatTensor,
  ModelLoadError,
  type OnnxSession,
  type OnnxSessionOptions,
} from "./onnx_session.ts";
export { readOnnxMetadata } from "./onnx_metadata.ts";
export { timeRuns } from "./run_timer.ts";
export {
  loadOnnxRuntime,
  type OnnxBackendSetting,
  type OnnxRuntimeName,
  resolveOnnxRuntime,
} from "./runtime_loader.ts";
