// mean and logSumExp, reported as one op each: mean's 1/n and logSumExp's shift are computed from
// the traced values, so their primitives would fix the batch size in the graph.
import type { Lower, LowerArgs } from "./lowering.js";
import { only } from "./lowering.js";

type ReduceAttrs = { axis: readonly number[]; keepDims: boolean };

/** A reduction node, its axes an input from `inputFrom` on and an attribute before. */
function reduce(args: LowerArgs, opType: string, x: string, axes: readonly number[], keepdims: 0 | 1, inputFrom: number): string {
  const { graph } = args;
  if (args.opset >= inputFrom) return graph.op(opType, [x, graph.int64s(axes)], { keepdims });
  return graph.op(opType, [x], { axes: [...axes], keepdims });
}

/** mean as ReduceMean over the axes (its input arrives in the output's dtype). */
const mean: Lower<ReduceAttrs> = (args) => {
  const { axis, keepDims } = args.attrs;
  if (axis.length === 0) return [args.graph.op("Identity", [only(args)])];
  return [reduce(args, "ReduceMean", only(args), axis, keepDims ? 1 : 0, 18)];
};

/**
 * logSumExp as m + log Σ exp(x − m) with m the maximum over the axes (0 where it is not finite,
 * as Strata's shift), so that large inputs stay finite.
 */
const logSumExp: Lower<ReduceAttrs> = (args) => {
  const { graph } = args;
  const { axis, keepDims } = args.attrs;
  const x = only(args);
  if (axis.length === 0) return [graph.op("Identity", [x])];
  const dtype = args.outputs[0]!.dtype;
  const max = reduce(args, "ReduceMax", x, axis, 1, 18);
  const finite = graph.op("Not", [graph.op("Or", [graph.op("IsInf", [max]), graph.op("IsNaN", [max])])]);
  const shift = graph.op("Where", [finite, max, graph.scalar(0, dtype)]);
  const sum = reduce(args, "ReduceSum", graph.op("Exp", [graph.op("Sub", [x, shift])]), axis, 1, 13);
  const kept = graph.op("Add", [graph.op("Log", [sum]), shift]);
  return [keepDims ? kept : graph.op("Squeeze", [kept, graph.int64s(axis)])];
};

export const reductionLowerings: Readonly<Record<string, Lower<never>>> = { mean, logSumExp };
