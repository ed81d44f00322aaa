// mean and logSumExp, reported as one op each: mean's 1/n and logSumExp's shift are computed from
// the traced values, so their primitives would fix the batch size in the graph.
import type { Lower } from "./lowering.js";
import { only } from "./lowering.js";
import { reduceNode } from "./reduce-node.js";

type ReduceAttrs = { axis: readonly number[]; keepDims: boolean };

/** mean as ReduceMean over the axes (its input arrives in the output's dtype). */
const mean: Lower<ReduceAttrs> = (args) => [reduceNode(args.graph, "ReduceMean", only(args), args.attrs.axis, args.attrs.keepDims, args.opset)];

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
  const max = reduceNode(graph, "ReduceMax", x, axis, true, args.opset);
  const finite = graph.op("Not", [graph.op("Or", [graph.op("IsInf", [max]), graph.op("IsNaN", [max])])]);
  const shift = graph.op("Where", [finite, max, graph.scalar(0, dtype)]);
  const sum = reduceNode(graph, "ReduceSum", graph.op("Exp", [graph.op("Sub", [x, shift])]), axis, true, args.opset);
  const kept = graph.op("Add", [graph.op("Log", [sum]), shift]);
  return [keepDims ? kept : graph.op("Squeeze", [kept, graph.int64s(axis)])];
};

export const reductionLowerings: Readonly<Record<string, Lower<never>>> = { mean, logSumExp };
