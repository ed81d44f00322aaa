/**
 * Strided tensors on ndarray: creation, views without copies, broadcasting elementwise ops, in-place writes with version counters, reductions, matmul, seeded random numbers and gl-matrix interop.
 *
 * @packageDocumentation
 * @module @strata/tensor
 */
export { StrataError, ShapeError, DTypeError, ValueError } from "./errors.js";
export { type DType, type DataArray, DTYPES, isDType, isFloatDType, promoteTypes, resultTypeWithScalar, allocate, MAX_ELEMENTS, dtypeOfArray } from "./dtype.js";
export { type Shape, formatShape, shapeSize, contiguousStrides, broadcastShapes, normalizeAxis, normalizeAxes } from "./shape.js";
export { Tensor, type NestedArray } from "./tensor.js";
export { type Storage } from "./storage.js";
export { type SliceArg, broadcastTensors } from "./views.js";
export { tensor, full, zeros, ones, zerosLike, onesLike, arange, linspace, eye, type TensorValues, type NestedValues, type CreateOptions } from "./create.js";
export { cast, type CastOptions } from "./copy.js";
export { checkLossless } from "./convert.js";
export { equals, allClose, type CloseOptions } from "./compare.js";
export * from "./elementwise.js";
export { erf } from "./special.js";
export * from "./reduce.js";
export * from "./linalg.js";
export { denseForward, denseBackward, type DenseActivation, type DenseForwardOptions, type DenseBackwardOptions, type DenseGradients } from "./fused.js";
export { denseActivations, tensorAlgebra, type DenseActivationDefinition, type GradientAlgebra } from "./activations.js";
export { activationGradient } from "./activation-grad.js";
export { batchNormBackward, batchNormForward, type BatchNormForward, type BatchNormGradients, type RunningStatistics } from "./batch-norm.js";
export { layerNormBackward, layerNormForward, type LayerNormForward, type LayerNormGradients } from "./layer-norm.js";
export { dropoutMask } from "./dropout-mask.js";
export { type KernelOptions, type KernelStatus, kernelOptions, kernelsReady, setKernelOptions } from "./backend.js";
export * from "./join.js";
export * from "./scatter.js";
export * from "./inplace.js";
export { bumpVersion } from "./version.js";
export { allocateResident, makeResident, isResidentTensor, swapArray } from "./resident.js";
export { optimizerUpdateKernel } from "./dispatch/dispatch.js";
export { compute, record, replay, isRecording, noteValueRead, refuseRecording, guard, type Work, type Recording } from "./record.js";
export { reachable } from "./reachable.js";
export * from "./random.js";
export * from "./interop.js";
export * from "./format.js";
export { conv2d, conv2dInput, conv2dWeight } from "./conv.js";
export { type Conv2dOptions } from "./conv-geometry.js";
export { maxPool2dWithIndices, gatherPlanes, scatterAddPlanes } from "./pool.js";
export { avgPool2d, avgPool2dBackward, adaptiveAvgPool2d, adaptiveAvgPool2dBackward } from "./avg-pool.js";
export { type MaxPool2dOptions, type AvgPool2dOptions } from "./pool-geometry.js";
export { lstmCellForward, lstmCellBackward, gruCellForward, gruCellBackward, type LstmCellForward, type LstmCellGradients, type GruCellForward, type GruCellGradients } from "./recurrent-cells.js";
