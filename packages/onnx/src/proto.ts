// ONNX's protobuf messages, from onnx-proto (protobufjs code generated from onnx.proto): the
// package is CommonJS, so its namespace is reached through the default import.
import onnxProto from "onnx-proto";
import type { onnx as messages } from "onnx-proto";

/** The message classes and enums (ModelProto, TensorProto.DataType, …). @internal */
export const onnx: typeof messages = onnxProto.onnx;
export type { onnx as proto } from "onnx-proto";
