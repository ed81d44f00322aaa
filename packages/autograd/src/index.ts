/**
 * Reverse-mode automatic differentiation over @strata/tensor: variables that record the ops applied
 * to them, a derivative table with one row per primitive, gradients of any order, custom functions
 * with their own backward, functional `grad`, and `gradcheck` against finite differences.
 *
 * @packageDocumentation
 * @module @strata/autograd
 */
export { Variable, variable, type Operand, type BackwardOptions, type HookHandle, type VariableOptions } from "./variable.js";
export type { GradHook, GradValue } from "./node.js";
export { isGradEnabled, noGrad, enableGrad } from "./mode.js";
export { gradients, type GradientsOptions } from "./engine.js";
export * from "./ops.js";
export { type Primitive, type PrimitiveAttrs, primitives } from "./rules.js";
export { defineFunction, type FunctionContext, type FunctionSpec } from "./function.js";
export { traceCalls, tracedCall, type TracedCall, type TracedKind } from "./trace.js";
export type { OnnxAttribute, OnnxGraph, OnnxLowering, OnnxLoweringCall } from "./onnx-lowering.js";
export { variableAlgebra } from "./activation-ops.js";
export { noGradient, type NoGradient } from "./no-gradient.js";
export { grad, valueAndGrad, type GradOptions, type GradResult } from "./grad.js";
export { gradcheck, type GradcheckOptions, type GradcheckResult, type GradcheckWorst } from "./gradcheck.js";
export { toDot } from "./graph.js";
export { compile, type CompileOptions, type CompileStatus, type Compiled } from "./compile.js";
export { invalidateRecordings } from "./variable.js";
export { batchNorm, type BatchNormOptions } from "./batch-norm.js";
export { layerNorm, type LayerNormOptions } from "./layer-norm.js";
export { scaledDotProductAttention, attentionWithWeights, type ScaledDotProductAttentionOptions, type AttentionWithWeightsOptions } from "./attention.js";
export { type Attended } from "./attention-core.js";
export { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions } from "./cross-entropy.js";
export { dropout, dropout2d, type DropoutOptions } from "./dropout.js";
export { conv1d, conv2d, conv2dInput, conv2dWeight, type Conv1dOptions } from "./conv.js";
export {
  maxPool1d, maxPool2d, avgPool1d, avgPool2d, avgPool2dBackward, adaptiveAvgPool2d, adaptiveAvgPool2dBackward,
  gatherPlanes, scatterAddPlanes, type MaxPool1dOptions, type AvgPool1dOptions,
} from "./pooling.js";
export { embedding, type EmbeddingOptions } from "./embedding.js";
export { lstmCellPointwise } from "./lstm-cell.js";
export { gruCellPointwise } from "./gru-cell.js";
export { unbind } from "./unbind.js";
export { sharedLinear } from "./shared-linear.js";
