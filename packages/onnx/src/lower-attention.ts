// scaledDotProductAttention and attentionWithWeights as ONNX nodes: MatMul, Mul by the scale, Add
// the mask, Softmax, MatMul. ONNX has no attention operator before opset 23 (and the exporter
// writes 17 to 21), so the computation is written out. Strata gives a query that may attend to
// no key zero weights rather than softmax's 0/0 = NaN; the graph does the same (a Where on each
// side of the Softmax) unless the mask is a constant with no such row.
import { arange, eq, le, max, where, zeros, type DType, type Tensor } from "@strata/tensor";
import { cannotExport, infoOf, type LowerArgs, type Lower } from "./lowering.js";
import { reduceNode } from "./reduce-node.js";

/** The last two axes of a value of `rank` axes swapped (kᵀ). */
const swapLast = (rank: number): number[] => [...Array.from({ length: rank - 2 }, (_, k) => k), rank - 1, rank - 2];

/** The causal additive mask (L, S): 0 where key j ≤ query i, −∞ after. */
function causalMask(l: number, s: number, dtype: DType): Tensor {
  return where(le(arange(s).reshape([1, s]), arange(l).reshape([l, 1])), zeros([], { dtype }), -Infinity);
}

/** Whether an additive mask leaves some query row with nothing (every value −∞). */
function hasDeadRow(mask: Tensor): boolean {
  if (mask.size === 0) return false;
  return max(eq(max(mask, { axis: -1, keepDims: true }), -Infinity).cast("int32")).item() === 1;
}

/** An additive mask: its graph name and, when it is a constant of the graph, its value. */
interface Mask {
  readonly name: string;
  readonly constant: Tensor | null;
}

/**
 * `softmax(q·kᵀ·scale + mask)·v` with Strata's rule for rows the mask leaves empty: `[output,
 * weights]`. Strata scales q (not the scores), which the graph does too, so both round alike.
 */
function attentionNodes(args: LowerArgs, scale: number, dropoutP: number, mask: Mask | null): [string, string] {
  const { graph } = args;
  if (dropoutP > 0) {
    throw cannotExport(args.op, `with dropoutP ${dropoutP} drops attention weights at random; an exported graph computes evaluation (MultiheadAttention passes 0 in eval mode; pass dropoutP: 0, or training ? p : 0, to the functional form)`);
  }
  const [q, k, v] = [args.inputs[0]!, args.inputs[1]!, args.inputs[2]!];
  const { dtype } = infoOf(args, 0);
  const kT = graph.op("Transpose", [k], { perm: swapLast(infoOf(args, 1).shape.length) });
  let scores = graph.op("MatMul", [scale === 1 ? q : graph.op("Mul", [q, graph.scalar(scale, dtype)]), kT]);
  let weights: string;
  if (mask === null) {
    weights = graph.op("Softmax", [scores], { axis: -1 });
  } else {
    scores = graph.op("Add", [scores, mask.name]);
    if (mask.constant !== null && !hasDeadRow(mask.constant)) {
      weights = graph.op("Softmax", [scores], { axis: -1 });
    } else {
      // rows whose every mask value is −∞: softmax of zeros there, then zero weights, as Strata
      const dead = graph.op("Equal", [reduceNode(graph, "ReduceMax", mask.name, [-1], true, args.opset), graph.scalar(-Infinity, dtype)]);
      const zero = graph.scalar(0, dtype);
      weights = graph.op("Where", [dead, zero, graph.op("Softmax", [graph.op("Where", [dead, zero, scores])], { axis: -1 })]);
    }
  }
  return [graph.op("MatMul", [weights, v]), weights];
}

/**
 * The mask input (position 3) as an additive mask, or null. A boolean mask (`true` takes part)
 * becomes 0 where kept and −∞ elsewhere: a new constant when it is a constant, else a Where node.
 */
function maskInput(args: LowerArgs, dtype: DType): Mask | null {
  const { graph } = args;
  const name = args.inputs[3] ?? "";
  if (name === "") return null;
  const value = args.values[3];
  const constant = graph.isInitializer(name) && value !== null && typeof value === "object" ? value : null;
  if (infoOf(args, 3).dtype !== "bool") return { name, constant };
  if (constant !== null) {
    const additive = where(constant, zeros([], { dtype }), -Infinity);
    return { name: graph.constant(additive), constant: additive };
  }
  return { name: graph.op("Where", [name, graph.scalar(0, dtype), graph.scalar(-Infinity, dtype)]), constant: null };
}

/**
 * scaledDotProductAttention(q, k, v, { attnMask?, isCausal, scale, dropoutP }): a boolean mask
 * through Where, a float one added; `isCausal` as a constant causal mask of the traced L×S, so
 * those lengths are fixed in the graph (refused when either follows the batch size).
 */
export const lowerScaledDotProductAttention: Lower<{ isCausal: boolean; scale: number; dropoutP: number }> = (args) => {
  const { isCausal, scale, dropoutP } = args.attrs;
  const [q, k] = [infoOf(args, 0), infoOf(args, 1)];
  let mask = maskInput(args, q.dtype);
  if (isCausal) {
    const [l, s] = [q.shape.at(-2)!, k.shape.at(-2)!];
    if (q.dynamic.at(-2) === true || k.dynamic.at(-2) === true) {
      throw cannotExport(args.op, `with isCausal writes a causal mask of the traced ${l}×${s} queries and keys, but those lengths change with the batch size here; give the inputs a batch axis of their own`);
    }
    const value = causalMask(l, s, q.dtype);
    mask = { name: args.graph.constant(value), constant: value };
  }
  return [attentionNodes(args, scale, dropoutP, mask)[0]];
};

/** attentionWithWeights(q, k, v, { mask?, scale, dropoutP }) → [output, weights]; its mask is float (autograd refuses bool). */
export const lowerAttentionWithWeights: Lower<{ scale: number; dropoutP: number }> = (args) =>
  attentionNodes(args, args.attrs.scale, args.attrs.dropoutP, maskInput(args, infoOf(args, 0).dtype));
