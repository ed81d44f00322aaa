// Constants that follow the batch size: a forward that starts from `zeros([n, H])` (a recurrent
// cell's initial state, a user's loop) makes a tensor of the traced batch size outside any op.
// Filled with one value, it is ConstantOfShape of a shape the graph computes from its batch size;
// the unrolled recurrent layers make their zero initial state the same way (filledOfShape).
import { Tensor, full, type DType } from "@strata/tensor";
import type { GraphBuilder } from "./graph-builder.js";

/** Where the graph's batch size comes from: an input, its batch axis, and the two traced sizes. */
export interface BatchSource {
  readonly input: string;
  readonly axis: number;
  readonly sizes: readonly [number, number];
}

/** The one value every element of `t` holds, or null (also for an empty tensor). */
function fillValue(t: Tensor): number | null {
  if (t.size === 0) return null;
  const values = t.toTypedArray();
  const first = Number(values[0]);
  for (let i = 1; i < values.length; i++) if (!Object.is(Number(values[i]), first)) return null;
  return first;
}

/**
 * `t` (traced at one batch size; `other` at the other) as ConstantOfShape when both hold the same
 * one value and each length that differs is the batch size times a whole factor; null otherwise.
 * `batchSize` gives the graph's batch size as a 1-element int64 value (made once, when needed).
 */
export function batchFilled(graph: GraphBuilder, t: Tensor, other: Tensor, batch: BatchSource, batchSize: () => string): string | null {
  if (t.ndim !== other.ndim || t.dtype !== other.dtype) return null;
  const value = fillValue(t);
  if (value === null || !Object.is(fillValue(other), value)) return null;
  const [a, b] = batch.sizes;
  const factors = t.shape.map((n, k) => (n === other.shape[k] ? 0 : n % a === 0 && (n / a) * b === other.shape[k] ? n / a : -1));
  if (factors.includes(-1)) return null;
  const parts = t.shape.map((n, k) => (factors[k] === 0 ? graph.int64s([n]) : factors[k] === 1 ? batchSize() : graph.op("Mul", [batchSize(), graph.int64s([factors[k]!])])));
  return filledOfShape(graph, parts, value, t.dtype);
}

/** The length of `x`'s axis `axis` as the graph finds it when it runs, a 1-element int64 value. */
export function axisLength(graph: GraphBuilder, x: string, axis: number): string {
  return graph.op("Gather", [graph.op("Shape", [x]), graph.int64s([axis])], { axis: 0 });
}

/**
 * A tensor of `dtype` whose every element is `value`, shaped by `parts` (each a 1-element int64
 * value: a length written in the graph, or one it computes such as {@link axisLength}).
 */
export function filledOfShape(graph: GraphBuilder, parts: readonly string[], value: number, dtype: DType): string {
  return graph.op("ConstantOfShape", [graph.concat(parts, 0)], { value: full([1], value, { dtype }) });
}
