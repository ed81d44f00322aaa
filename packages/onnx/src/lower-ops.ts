// Autograd's built-in ops reported as a whole (activations, softmax, normalisations, …) as ONNX
// nodes, keyed by the op's name.
import { lowerConv1d } from "./lower-conv.js";
import { lowerEmbedding } from "./lower-embedding.js";
import { lowerBatchNorm, lowerLayerNorm } from "./lower-norm.js";
import { lowerAvgPool1d, lowerMaxPool1d, lowerMaxPool2d } from "./lower-pool.js";
import { lowerClamp, lowerLeakyRelu } from "./lower-activations.js";
import { cannotExport, only, type Lower } from "./lowering.js";
import { lowerAttentionWithWeights, lowerScaledDotProductAttention } from "./lower-attention.js";
import { lowerGruCell, lowerLstmCell, lowerSharedLinear, lowerUnbind } from "./lower-cells.js";
import { argLowerings, compareLowerings } from "./lower-compare.js";
import { reductionLowerings } from "./lower-reductions.js";

/** Dropout at export: the identity, since export traces evaluation; in training it is refused. */
const dropoutLowering: Lower<{ p: number; training: boolean }> = (args) => {
  if (args.attrs.training && args.attrs.p > 0) {
    throw cannotExport(args.op, `with training: true (p = ${args.attrs.p}) draws a random mask; an exported graph computes evaluation (call model.eval(), or pass training: this.training to a functional dropout)`);
  }
  return [args.graph.op("Identity", [only(args)])];
};

/** The lowerings of the built-in ops, by name. */
export const opLowerings: Readonly<Record<string, Lower<never>>> = {
  relu: (args) => [args.graph.op("Relu", [only(args)])],
  sigmoid: (args) => [args.graph.op("Sigmoid", [only(args)])],
  leakyRelu: lowerLeakyRelu,
  hardtanh: lowerClamp,
  relu6: lowerClamp,
  softmax: ((args) => [args.graph.op("Softmax", [only(args)], { axis: args.attrs.axis })]) as Lower<{ axis: number }>,
  logSoftmax: ((args) => [args.graph.op("LogSoftmax", [only(args)], { axis: args.attrs.axis })]) as Lower<{ axis: number }>,
  dropout: dropoutLowering,
  dropout2d: dropoutLowering,
  lstmCellPointwise: lowerLstmCell,
  gruCellPointwise: lowerGruCell,
  unbind: lowerUnbind,
  sharedLinear: lowerSharedLinear,
  scaledDotProductAttention: lowerScaledDotProductAttention,
  attentionWithWeights: lowerAttentionWithWeights,
  layerNorm: lowerLayerNorm,
  batchNorm: lowerBatchNorm,
  embedding: lowerEmbedding,
  conv1d: lowerConv1d,
  maxPool2d: lowerMaxPool2d,
  maxPool1d: lowerMaxPool1d,
  avgPool1d: lowerAvgPool1d,
  ...compareLowerings,
  ...argLowerings,
  ...reductionLowerings,
};
