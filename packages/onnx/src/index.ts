/**
 * ONNX export for Strata models: trace a model's forward on an example input and write an ONNX
 * file that ONNX Runtime (or any other ONNX engine) runs with the same outputs.
 *
 * @packageDocumentation
 * @module @strata/onnx
 */
export { toOnnx, saveOnnx, type OnnxExportOptions, type OnnxInputDType } from "./to-onnx.js";
