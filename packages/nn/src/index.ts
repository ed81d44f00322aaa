/**
 * Layers, models, losses and the course's building blocks: the deep L-layer network
 * (`Z[l] = W[l]·A[l-1] + b[l]`, `A[l] = g[l](Z[l])`, one column per example) both as plain
 * functions on tensors and as modules trained by autograd, sharing one implementation of each
 * activation's derivative and of the layer's backward.
 *
 * @packageDocumentation
 * @module @strata/nn
 */
export { activation, activationNames, type Activation, type ActivationName, type ActivationSpec } from "./activations.js";
export { linearForward, linearActivationForward, linearBackward, linearActivationBackward, type LinearCache, type LayerCache, type LinearGradients } from "./blocks.js";
export {
  initializeParametersDeep, modelForward, computeCost, modelBackward, updateParameters, predict,
  type ParamDict, type GradDict, type InitializeOptions, type ModelActivations,
} from "./model-blocks.js";
export { scaled, he, xavier, zeros, type Initializer, type InitOptions } from "./init.js";
export { calculateGain, calculateFanInAndFanOut, type Nonlinearity } from "./init-fans.js";
export {
  uniform, normal, constant, kaimingUniform, kaimingNormal, xavierUniform, xavierNormal, defaultLayerInit,
  type UniformInitOptions, type NormalInitOptions, type KaimingOptions, type XavierOptions, type LayerInitOptions,
} from "./init-nd.js";
export { Module, type StateDict, type LoadResult, type ForwardHook, type BufferOptions } from "./module.js";
export { ModuleList, ModuleDict } from "./containers.js";
export { registerLayer } from "./layer-registry.js";
export { type LayerType, type StateShape } from "./layer-type.js";
export { field, type ConfigField, type ConfigFields, type ConfigOf } from "./config-fields.js";
export { Dense, dense, type DenseOptions } from "./dense.js";
export { Sequential } from "./sequential.js";
export { DeepNetwork, deepNetwork, type DeepNetworkOptions } from "./network.js";
export { Dropout, ActivationLayer } from "./dropout.js";
export { Linear, type LinearOptions } from "./linear.js";
export { Conv1d, Conv2d, type ConvOptions } from "./conv-layers.js";
export { Embedding, type EmbeddingOptions, type FromPretrainedOptions } from "./embedding.js";
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from "./pooling-layers.js";
export { BatchNorm1d, BatchNorm2d, type BatchNormLayerOptions } from "./batch-norm-layers.js";
export { LayerNorm, type LayerNormLayerOptions } from "./layer-norm.js";
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from "./multihead-attention.js";
export { type MaskOptions } from "./attention-masks.js";
export { TransformerEncoderLayer, type TransformerEncoderLayerOptions, type TransformerEncoderLayerForwardOptions } from "./transformer.js";
export { TransformerEncoder, type TransformerEncoderForwardOptions } from "./transformer-encoder.js";
export { Flatten, Dropout2d } from "./flatten.js";
export { RNNCell, GRUCell, LSTMCell } from "./recurrent-cells.js";
export { RNN, GRU, LSTM } from "./recurrent.js";
export { type RecurrentCellOptions, type RecurrentOptions } from "./recurrent-params.js";
export { ReLU, LeakyReLU, Tanh, Sigmoid, GELU, Softmax, LogSoftmax } from "./activation-layers.js";
export { l2Penalty } from "./penalty.js";
export { summary, summaryRows, type SummaryRow, type SummaryOptions } from "./summary.js";
export { binaryCrossEntropy, binaryCrossEntropyWithLogits, softmaxCrossEntropy, mse, type LossOptions, type Reduction } from "./losses.js";
export { batches, trainTestSplit, type Batch, type BatchOptions, type Split, type SplitOptions } from "./data.js";
export { standardize, oneHot, type Standardized, type StandardizeOptions } from "./preprocess.js";
export { type DataLayout } from "./data-layout.js";
export { encodeSafetensors, decodeSafetensors, type SafetensorsContents } from "./safetensors.js";
export { writeSafetensors, readSafetensors } from "./safetensors-file.js";
export { writeFileAtomic } from "./write-file.js";
export { architectureOf, modelFromArchitecture, type Architecture, type ActivationJSON } from "./architecture.js";
export { type OptimizerStateLike, type OptimizerLike, type Checkpoint } from "./checkpoint-format.js";
export { save, load, saveWeights, loadWeights } from "./serialize.js";
export { saveToBytes, loadFromBytes, saveWeightsToBytes, loadWeightsFromBytes } from "./serialize-bytes.js";
export { fit } from "./fit.js";
export { accuracy } from "./metrics.js";
export { type FitOptions, type FitOptimizer, type FitMetric, type FitProgress, type History, type EpochLogs, type Callback } from "./fit-types.js";
export { earlyStopping, type EarlyStoppingOptions } from "./early-stopping.js";
