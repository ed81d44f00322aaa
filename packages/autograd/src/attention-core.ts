// The attention both scaledDotProductAttention and nn's MultiheadAttention run: batched products
// over every head at once (no per-head loops), a mask turned into one additive constant, and the
// rule for a query that may attend to nothing (its weights are zeros, not softmax's 0/0).
import * as T from "@strata/tensor";
import { DTypeError, ShapeError, Tensor, ValueError, broadcastShapes, formatShape, type Rng } from "@strata/tensor";
import { softmax } from "./softmax.js";
import { dropout } from "./dropout.js";
import { add, mul, where } from "./elementwise.js";
import { matmul } from "./shapes.js";
import { valueOf } from "./record.js";
import { mT } from "./rules.js";
import { Variable, type Operand } from "./variable.js";

/**
 * What {@link attentionWithWeights} returns: the attended values `(..., L, Ev)` and the attention
 * weights `(..., L, S)`.
 *
 * @example
 * ```ts
 * import { attentionWithWeights, variable, type Attended } from "@strata/autograd";
 * const q = variable([[0]]);
 * const r: Attended = attentionWithWeights(q, q, variable([[5]]));
 * console.log(r.output.toArray(), r.weights.toArray()); // [[5]] [[1]]
 * ```
 */
export interface Attended {
  /** softmax(scores)·v after dropout on the weights, `(..., L, Ev)`. */
  output: Variable;
  /** softmax(scores) with dropout applied, `(..., L, S)`: what multiplied v (as PyTorch's MultiheadAttention returns them). */
  weights: Variable;
}

/** Options of {@link attend}. @internal */
export interface AttendOptions {
  /** Added to the scaled scores, broadcast to `(..., L, S)`; −∞ masks a position out. */
  mask: Operand | null;
  scale: number;
  dropoutP: number;
  rng?: Rng | undefined;
}

/**
 * `softmax(q·kᵀ·scale + mask)·v` over `(..., L, E)`, `(..., S, E)`, `(..., S, Ev)`, with dropout
 * (probability `dropoutP`) on the weights before they multiply v. A query row the mask leaves no key
 * in (every mask value −∞) gets zero weights (so a zero output and zero gradients) instead of NaN. Checks nothing.
 *
 * @internal
 */
export function attend(q: Variable, k: Variable, v: Variable, options: AttendOptions): Attended {
  // scaling q (L·E values) rather than the scores (L·S) is the same product, cheaper
  let scores = matmul(options.scale === 1 ? q : mul(q, options.scale), mT(k));
  if (options.mask !== null) scores = add(scores, options.mask);
  let weights: Variable;
  // rows the mask leaves nothing in, found on the mask's own (often broadcast, so small) shape
  const m = options.mask === null ? null : valueOf(options.mask);
  const dead = m instanceof Tensor && m.size > 0 && scores.size > 0 ? T.eq(T.max(m, { axis: -1, keepDims: true }), -Infinity) : null;
  // Eagerly, the plain softmax is kept when no row is dead (one pass fewer); a compiled step cannot
  // decide from values, so it always takes the safe form, which equals the plain one when no row is
  // dead (where(false, 0, s) is s, and s·1 is s).
  if (dead !== null && (T.isRecording() || T.max(dead.cast("int32")).item() === 1)) {
    const alive = T.logicalNot(dead).cast(scores.dtype);
    weights = mul(softmax(where(dead, 0, scores), { axis: -1 }), alive);
  } else {
    weights = softmax(scores, { axis: -1 });
  }
  const dropped = options.dropoutP > 0 ? dropout(weights, { p: options.dropoutP, ...(options.rng !== undefined && { rng: options.rng }) }) : weights;
  return { output: matmul(dropped, v), weights: dropped };
}

/**
 * A mask as an additive float constant (or the float operand itself), checked to broadcast to the
 * scores' `shape` (..., L, S). A boolean `true` means the position is kept (PyTorch 2.x's sdpa;
 * MultiheadAttention's opposite convention is turned into a float mask by nn). @internal
 */
export function additiveMask(op: string, name: string, mask: Operand, shape: readonly number[], dtype: T.DType): Operand {
  if (!(mask instanceof Tensor) && !(mask instanceof Variable)) {
    throw new ValueError(`${op}: ${name} must be a bool or float Tensor (or a Variable), got ${typeof mask === "number" ? `the number ${mask}` : String(mask)}`);
  }
  let fits: boolean;
  try {
    const b = broadcastShapes(op, mask.shape, shape);
    fits = b.length === shape.length && b.every((n, i) => n === shape[i]);
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    fits = false;
  }
  if (!fits) throw new ShapeError(`${op}: ${name} of shape ${formatShape(mask.shape)} does not broadcast to the attention scores ${formatShape(shape)} (…, L, S)`);
  if (mask.dtype === "bool") {
    const m = mask instanceof Variable ? mask.data : mask;
    const zero = T.zeros([], { dtype });
    return T.where(m, zero, -Infinity);
  }
  if (mask.dtype !== dtype) throw new DTypeError(`${op}: ${name} is ${mask.dtype}; expected bool or the inputs' ${dtype}`);
  return mask;
}

/** `true` where key j may be attended from query i, j ≤ i: `(L, S)`. @internal */
export function causalKeep(l: number, s: number): Tensor {
  return T.le(T.arange(s).reshape([1, s]), T.arange(l).reshape([l, 1]));
}
