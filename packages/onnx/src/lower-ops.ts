// Autograd's built-in ops reported as a whole (activations, softmax, normalisations, …) as ONNX
// nodes, keyed by the op's name.
import { cannotExport, only, type Lower } from "./lowering.js";
import { lowerAttentionWithWeights, lowerScaledDotProductAttention } from "./lower-attention.js";
import { lowerGruCell, lowerLstmCell, lowerSharedLinear, lowerUnbind } from "./lower-cells.js";

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
  leakyRelu: ((args) => [args.graph.op("LeakyRelu", [only(args)], { alpha: { float: args.attrs.alpha } })]) as Lower<{ alpha: number }>,
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
};
