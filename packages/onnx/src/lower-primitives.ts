// Every primitive of the derivative table as ONNX nodes: the table is typed over the primitives'
// names, so a primitive added to autograd without a row here does not compile.
import type { Primitive, PrimitiveAttrs } from "@strata/autograd";
import { formatShape, type SliceArg } from "@strata/tensor";
import { elementType } from "./graph-builder.js";
import { cannotExport, infoOf, only, type Lower, type LowerArgs } from "./lowering.js";
import { lowerConv2d } from "./lower-conv.js";
import { erfDouble } from "./lower-erf.js";
import { lowerAdaptiveAvgPool2d, lowerAvgPool2d } from "./lower-pool.js";
import { reduceNode, type ReduceOp } from "./reduce-node.js";

const unary = (opType: string): Lower => (args) => [args.graph.op(opType, [only(args)])];
const binary = (opType: string): Lower => (args) => [args.graph.op(opType, [args.inputs[0]!, args.inputs[1]!])];

/** A gradient-only primitive: forward passes never apply it. */
const gradientOnly = (what: string): Lower => (args) => {
  throw cannotExport(args.op, `is ${what}, an op of backward passes; export traces forward only (call toOnnx on a model whose forward does not compute gradients)`);
};

/**
 * A shape written into the graph, with the axes that follow the batch size left to the graph:
 * the one such axis becomes -1 (Reshape infers it).
 */
function targetShape(args: LowerArgs, shape: readonly number[], other: readonly number[]): number[] {
  const free = shape.map((n, k) => n !== other[k] || shape.length !== other.length);
  const x = infoOf(args, 0);
  // An axis kept from the input at the same place is copied (0); one other may be inferred (-1).
  const copied = free.map((f, k) => f && !shape.includes(0) && x.dynamic[k] === true && x.shape[k] === shape[k]);
  const inferred = free.filter((f, k) => f && !copied[k]).length + shape.filter((n) => n === -1).length;
  if (inferred > 1) {
    throw cannotExport(args.op, `to shape ${formatShape(shape)} has more than one axis to infer at export (${formatShape(other)} at another batch size); at most one axis can change with the batch size besides those kept in place`);
  }
  return shape.map((n, k) => (copied[k] ? 0 : free[k] ? -1 : n));
}

const reduce = (opType: ReduceOp): Lower<PrimitiveAttrs["sum"]> => (args) => {
  const y = reduceNode(args.graph, opType, only(args), args.attrs.axis, args.attrs.keepDims, args.opset);
  // a mask's max or min is reduced as int32 (promotion.ts) and is a mask again
  return [args.outputs[0]!.dtype === "bool" ? args.graph.op("Cast", [y], { to: elementType("bool") }) : y];
};

/** Python-style start/stop/step per axis as ONNX Slice's starts, ends, axes and steps. */
function lowerSlice(args: LowerArgs<PrimitiveAttrs["slice"]>): string[] {
  const x = infoOf(args, 0);
  const [starts, ends, axes, steps]: [number[], number[], number[], number[]] = [[], [], [], []];
  args.attrs.ranges.forEach((range: SliceArg, axis) => {
    const other = args.attrsOther.ranges[axis];
    // bounds that differ between the traces were computed from the batch size: fixed in the graph, they would be wrong
    if (JSON.stringify(range) !== JSON.stringify(other)) {
      const which = x.dynamic[axis] === true ? "which follows the batch size" : "whose length is fixed";
      throw cannotExport(args.op, `on axis ${axis}, ${which}, uses bounds computed from the batch size (${JSON.stringify(range)} at one batch size, ${JSON.stringify(other)} at another); slice it with bounds that do not depend on the batch (null for "to the end", negative indices from the end)`);
    }
    if (typeof range === "number") {
      // a negative index counts from the end, which Slice reads as such (-1 runs to the end)
      starts.push(range), ends.push(range === -1 ? 2 ** 53 : range + 1), axes.push(axis), steps.push(1);
      return;
    }
    const [start = null, stop = null, step = null] = range ?? [];
    if (start === null && stop === null && (step ?? 1) === 1) return;
    const s = step ?? 1;
    const big = 2 ** 53;
    starts.push(start ?? (s > 0 ? 0 : -1));
    ends.push(stop ?? (s > 0 ? big : -big));
    axes.push(axis), steps.push(s);
  });
  // numbers drop their axis, as in Python
  const dropped = args.attrs.ranges.flatMap((r, axis) => (typeof r === "number" ? [axis] : []));
  let y = axes.length === 0 ? args.graph.op("Identity", [only(args)]) : args.graph.op("Slice", [only(args), args.graph.int64s(starts), args.graph.int64s(ends), args.graph.int64s(axes), args.graph.int64s(steps)]);
  if (dropped.length > 0) y = args.graph.op("Squeeze", [y, args.graph.int64s(dropped)]);
  return [y];
}

/** broadcastTo as Expand: an axis that follows the batch size must already have its length in x. */
function lowerBroadcastTo(args: LowerArgs<PrimitiveAttrs["broadcastTo"]>): string[] {
  const x = infoOf(args, 0);
  const out = args.outputs[0]!;
  const lead = out.shape.length - x.shape.length;
  const shape = out.shape.map((n, k) => {
    if (!out.dynamic[k]) return n;
    if (k >= lead && x.dynamic[k - lead]) return 1; // Expand keeps x's own length
    throw cannotExport(args.op, `broadcasts ${formatShape(x.shape)} to ${formatShape(out.shape)} along axis ${k}, which follows the batch size while the input's does not; broadcast against a value of the batch (add or multiply) instead`);
  });
  return [args.graph.op("Expand", [only(args), args.graph.int64s(shape)])];
}

export const primitiveLowerings: { readonly [P in Primitive]: Lower<PrimitiveAttrs[P]> } = {
  neg: unary("Neg"), exp: unary("Exp"), log: unary("Log"), sqrt: unary("Sqrt"), reciprocal: unary("Reciprocal"),
  abs: unary("Abs"), sin: unary("Sin"), cos: unary("Cos"), tanh: unary("Tanh"),
  // log(1 + e^−|x|) + max(x, 0), stable for every x, from ops ONNX Runtime has in float64 too (its Softplus is float only)
  softplus: (args) => {
    const { graph } = args;
    const dtype = args.outputs[0]!.dtype;
    const x = only(args);
    const tail = graph.op("Log", [graph.op("Add", [graph.op("Exp", [graph.op("Neg", [graph.op("Abs", [x])])]), graph.scalar(1, dtype)])]);
    return [graph.op("Add", [tail, graph.op("Max", [x, graph.scalar(0, dtype)])])];
  },
  sign: unary("Sign"), floor: unary("Floor"), ceil: unary("Ceil"),
  // ONNX Runtime runs Erf in float32 only: in float64 the series and continued fraction of Strata's own kernel (lower-erf.ts)
  erf: (args) => [args.outputs[0]!.dtype === "float64" ? erfDouble(args, only(args)) : args.graph.op("Erf", [only(args)])],
  // ONNX's Round, like Strata's, rounds halves to even
  round: unary("Round"),
  log1p: (args) => [args.graph.op("Log", [args.graph.op("Add", [only(args), args.graph.scalar(1, args.outputs[0]!.dtype)])])],
  add: binary("Add"), mul: binary("Mul"), pow: binary("Pow"), maximum: binary("Max"), minimum: binary("Min"),
  where: (args) => [args.graph.op("Where", [args.inputs[0]!, args.inputs[1]!, args.inputs[2]!])],
  sum: reduce("ReduceSum"), max: reduce("ReduceMax"), min: reduce("ReduceMin"),
  reshape: (args) => {
    const shape = targetShape(args, args.attrs.shape, args.attrsOther.shape);
    // a length 0 in the traced shape would read as "copy" without allowzero; copies (0) exist only without one
    const empty = args.attrs.shape.includes(0);
    return [args.graph.op("Reshape", [only(args), args.graph.int64s(shape)], empty ? { allowzero: 1 } : {})];
  },
  transpose: (args) => [args.graph.op("Transpose", [only(args)], { perm: [...args.attrs.perm] })],
  broadcastTo: lowerBroadcastTo,
  slice: lowerSlice,
  sliceScatter: gradientOnly("sliceScatter (the gradient of slice)"),
  concat: (args) => [args.graph.op("Concat", args.inputs, { axis: args.attrs.axis })],
  gather: (args) => [args.graph.op("Gather", [args.inputs[0]!, args.inputs[1]!], { axis: args.attrs.axis })],
  indexAdd: gradientOnly("indexAdd (the gradient of gather)"),
  matmul: binary("MatMul"),
  cast: (args) => [args.graph.op("Cast", [only(args)], { to: elementType(args.attrs.dtype) })],
  conv2d: lowerConv2d,
  conv2dInput: gradientOnly("conv2dInput (the gradient of conv2d for its input)"),
  conv2dWeight: gradientOnly("conv2dWeight (the gradient of conv2d for its weight)"),
  gatherPlanes: gradientOnly("gatherPlanes (max pooling's recorded gather)"),
  scatterAddPlanes: gradientOnly("scatterAddPlanes (the gradient of max pooling)"),
  avgPool2d: lowerAvgPool2d,
  avgPool2dBackward: gradientOnly("avgPool2dBackward"),
  adaptiveAvgPool2d: lowerAdaptiveAvgPool2d,
  adaptiveAvgPool2dBackward: gradientOnly("adaptiveAvgPool2dBackward"),
};
