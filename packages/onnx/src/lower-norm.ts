// Layer and batch normalisation as ONNX's LayerNormalization and BatchNormalization. Both take
// their scale (and BatchNormalization its bias) as required inputs, so an absent weight or bias
// becomes a constant of ones or zeros; a normalisation by the batch's own statistics (batch norm
// without running statistics) has no operator and is written out with ReduceMean.
import { ones, zeros, type DType } from "@strata/tensor";
import { elementType } from "./graph-builder.js";
import { cannotExport, infoOf, type Lower, type LowerArgs } from "./lowering.js";
import { reduceNode } from "./reduce-node.js";

/** The trace's attributes of layerNorm. */
interface LayerNormAttrs {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
}

/** The trace's attributes of batchNorm. */
interface BatchNormAttrs {
  readonly training: boolean;
  readonly momentum: number;
  readonly eps: number;
}

/** The name of input `i`, or a constant of `fill` (ones or zeros) of `shape` when it is absent. */
function inputOr(args: LowerArgs, i: number, fill: typeof ones, shape: readonly number[], dtype: DType): string {
  return args.inputs[i] ? args.inputs[i]! : args.graph.constant(fill(shape, { dtype }));
}

/**
 * layerNorm(x, normalizedShape, weight?, bias?) as LayerNormalization over the trailing
 * `normalizedShape.length` axes. Its statistics are computed in x's own precision (stash_type:
 * the default, float, would round a float64 input's mean and variance to float32).
 */
export const lowerLayerNorm: Lower<LayerNormAttrs> = (args) => {
  const { normalizedShape, eps } = args.attrs;
  const x = infoOf(args, 0);
  const scale = inputOr(args, 1, ones, normalizedShape, x.dtype);
  const inputs = args.inputs[2] ? [args.inputs[0]!, scale, args.inputs[2]] : [args.inputs[0]!, scale];
  return [args.graph.op("LayerNormalization", inputs, {
    axis: -normalizedShape.length, epsilon: { float: eps }, stash_type: elementType(x.dtype),
  })];
};

/**
 * Batch normalisation by the batch's own statistics, as batchNorm computes it with training: true
 * (a layer with trackRunningStats: false normalises so in evaluation too): the mean and the biased
 * variance over every axis but the channels, then `(x − μ)/√(σ² + eps)·weight + bias`. The running
 * statistics' update is a side effect of training, not part of the function the graph computes.
 */
function batchStatistics(args: LowerArgs<BatchNormAttrs>): string {
  const { graph } = args;
  const x = infoOf(args, 0);
  const axes = x.shape.map((_, k) => k).filter((k) => k !== 1);
  // weight and bias (C) broadcast against (N, C, …) as (C, 1, …)
  const perChannel = [x.shape[1]!, ...x.shape.slice(2).map(() => 1)];
  const mean = (v: string): string => reduceNode(graph, "ReduceMean", v, axes, true, args.opset);
  const centred = graph.op("Sub", [args.inputs[0]!, mean(args.inputs[0]!)]);
  const variance = mean(graph.op("Mul", [centred, centred]));
  let y = graph.op("Div", [centred, graph.op("Sqrt", [graph.op("Add", [variance, graph.scalar(args.attrs.eps, x.dtype)])])]);
  if (args.inputs[3]) y = graph.op("Mul", [y, graph.op("Reshape", [args.inputs[3], graph.int64s(perChannel)])]);
  if (args.inputs[4]) y = graph.op("Add", [y, graph.op("Reshape", [args.inputs[4], graph.int64s(perChannel)])]);
  return y;
}

/**
 * batchNorm(x, runningMean, runningVar, weight?, bias?) as BatchNormalization in inference form
 * (the running statistics are initializers, named by their state-dict keys when they are a
 * layer's buffers); with training: true, by the batch's statistics.
 */
export const lowerBatchNorm: Lower<BatchNormAttrs> = (args) => {
  const x = infoOf(args, 0);
  if (args.attrs.training) {
    if (x.shape.length < 2) throw cannotExport(args.op, `expected input (N, C, …), got rank ${x.shape.length}`);
    return [batchStatistics(args)];
  }
  const c = [x.shape[1]!];
  const scale = inputOr(args, 3, ones, c, x.dtype);
  const bias = inputOr(args, 4, zeros, c, x.dtype);
  return [args.graph.op("BatchNormalization", [args.inputs[0]!, scale, bias, args.inputs[1]!, args.inputs[2]!], { epsilon: { float: args.attrs.eps } })];
};
