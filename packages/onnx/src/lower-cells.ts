// The recurrent cells' fused ops as the ONNX nodes of their formulas (Split, Sigmoid, Tanh, Mul,
// Add), and the two loop helpers the recurrent layers use (unbind, sharedLinear). The cell
// formulas are also what a float64 recurrent layer is unrolled into (recurrent-steps.ts).
import type { DType } from "@strata/tensor";
import type { GraphBuilder } from "./graph-builder.js";
import { infoOf, only, type Lower } from "./lowering.js";

/** The `count` gate blocks of `gates` (N, count·H) along axis 1. */
function gatesOf(graph: GraphBuilder, gates: string, count: number, hidden: number): string[] {
  return graph.node("Split", [gates, graph.int64s(Array<number>(count).fill(hidden))], { axis: 1 }, { outputs: count });
}

/**
 * An LSTM step's pointwise half from `gates` (N, 4H) in PyTorch's order i, f, g, o and `c`
 * (N, H): `c' = σ(f)·c + σ(i)·tanh(g)`, `h' = σ(o)·tanh(c')`; returns `[h', c']`.
 */
export function lstmCellNodes(graph: GraphBuilder, gates: string, c: string, hidden: number): [string, string] {
  const [i, f, g, o] = gatesOf(graph, gates, 4, hidden) as [string, string, string, string];
  const sigmoid = (x: string): string => graph.op("Sigmoid", [x]);
  const next = graph.op("Add", [graph.op("Mul", [sigmoid(f), c]), graph.op("Mul", [sigmoid(i), graph.op("Tanh", [g])])]);
  return [graph.op("Mul", [sigmoid(o), graph.op("Tanh", [next])]), next];
}

/**
 * A GRU step's pointwise half from `gi`, `gh` (N, 3H) in PyTorch's order r, z, n and `h` (N, H):
 * `r = σ(gi_r + gh_r)`, `z = σ(gi_z + gh_z)`, `n = tanh(gi_n + r·gh_n)`, `h' = (1 − z)·n + z·h`.
 */
export function gruCellNodes(graph: GraphBuilder, gi: string, gh: string, h: string, hidden: number, dtype: DType): string {
  const [ir, iz, inn] = gatesOf(graph, gi, 3, hidden) as [string, string, string];
  const [hr, hz, hn] = gatesOf(graph, gh, 3, hidden) as [string, string, string];
  const r = graph.op("Sigmoid", [graph.op("Add", [ir, hr])]);
  const z = graph.op("Sigmoid", [graph.op("Add", [iz, hz])]);
  const n = graph.op("Tanh", [graph.op("Add", [inn, graph.op("Mul", [r, hn])])]);
  const keep = graph.op("Sub", [graph.scalar(1, dtype), z]);
  return graph.op("Add", [graph.op("Mul", [keep, n]), graph.op("Mul", [z, h])]);
}

/** lstmCellPointwise(gates, c) → [h', c']. */
export const lowerLstmCell: Lower = (args) => lstmCellNodes(args.graph, args.inputs[0]!, args.inputs[1]!, infoOf(args, 1).shape[1]!);

/** gruCellPointwise(gi, gh, h) → h'. */
export const lowerGruCell: Lower = (args) => {
  const h = infoOf(args, 2);
  return [gruCellNodes(args.graph, args.inputs[0]!, args.inputs[1]!, args.inputs[2]!, h.shape[1]!, h.dtype)];
};

/**
 * unbind(x, { axis }) → one Gather per slice, each with a 0-d index (which drops the axis). The
 * slices' count is the axis' length at the trace; along an axis that follows the batch size the
 * second trace gives another number of outputs, which the exporter refuses before this runs.
 */
export const lowerUnbind: Lower<{ axis: number }> = (args) => {
  const x = infoOf(args, 0);
  const { axis } = args.attrs;
  return Array.from({ length: x.shape[axis]! }, (_, k) => args.graph.op("Gather", [only(args), args.graph.int64s([k], [])], { axis }));
};

/** sharedLinear(W)(x) = x·Wᵀ for x (N, in) and W (out, in): one Gemm with transB, no Transpose node per call. */
export const lowerSharedLinear: Lower = (args) => [args.graph.op("Gemm", [args.inputs[0]!, args.inputs[1]!], { transB: 1 })];
