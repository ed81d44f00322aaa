// Comparisons, logical ops, arg-reductions and one-hot: bool and int32 results that carry no
// gradient in Strata but are computed from the input, so the graph computes them too. The inputs
// arrive in the dtype the op compares in (promotion.ts).
import type { Lower } from "./lowering.js";
import { only } from "./lowering.js";
import { elementType } from "./graph-builder.js";
import { onnx } from "./proto.js";

const binary = (opType: string): Lower => (args) => [args.graph.op(opType, [args.inputs[0]!, args.inputs[1]!])];

/** The comparisons and logical ops by name. */
export const compareLowerings: Readonly<Record<string, Lower>> = {
  eq: binary("Equal"),
  ne: (args) => [args.graph.op("Not", [args.graph.op("Equal", [args.inputs[0]!, args.inputs[1]!])])],
  lt: binary("Less"),
  le: binary("LessOrEqual"),
  gt: binary("Greater"),
  ge: binary("GreaterOrEqual"),
  logicalAnd: binary("And"),
  logicalOr: binary("Or"),
  logicalNot: (args) => [args.graph.op("Not", [only(args)])],
};

type ArgAttrs = { axis: number | null; keepDims: boolean };

/** argmax/argmin as ArgMax/ArgMin (first index on ties, as Strata), int64 cast to int32; no axis: over the flattened input. */
const argReduce = (opType: string): Lower<ArgAttrs> => (args) => {
  const { graph } = args;
  const x = args.info[0]!;
  const { axis, keepDims } = args.attrs;
  if (axis !== null) {
    const index = graph.op(opType, [only(args)], { axis, keepdims: keepDims ? 1 : 0, select_last_index: 0 });
    return [graph.op("Cast", [index], { to: elementType("int32") })];
  }
  const flat = graph.op("Reshape", [only(args), graph.int64s([-1])]);
  const index = graph.op(opType, [flat], { axis: 0, keepdims: 0, select_last_index: 0 });
  const shaped = keepDims ? graph.op("Reshape", [index, graph.int64s(x.shape.map(() => 1))]) : index;
  return [graph.op("Cast", [shaped], { to: elementType("int32") })];
};

/**
 * oneHot as OneHot with the class axis where Strata puts it, then cast to the result's dtype: ONNX
 * Runtime implements OneHot for int64 indices and depth with float values, not for int32 ids.
 */
const oneHot: Lower<{ depth: number; axis: number; dtype: "float32" | "float64" | "int32" | "bool" }> = (args) => {
  const { graph } = args;
  const { depth, axis, dtype } = args.attrs;
  const ids = graph.op("Cast", [only(args)], { to: onnx.TensorProto.DataType.INT64 });
  const values = graph.op("Cast", [graph.int64s([0, 1])], { to: elementType("float32") });
  const y = graph.op("OneHot", [ids, graph.int64s([depth], []), values], { axis });
  return [dtype === "float32" ? y : graph.op("Cast", [y], { to: elementType(dtype) })];
};

export const argLowerings: Readonly<Record<string, Lower<never>>> = {
  argmax: argReduce("ArgMax"),
  argmin: argReduce("ArgMin"),
  oneHot,
};
