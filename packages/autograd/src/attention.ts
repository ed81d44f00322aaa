// Scaled dot-product attention as PyTorch 2.x's F.scaled_dot_product_attention: its arguments
// checked, then the shared batched attention (attention-core.ts).
import { DTypeError, Rng, ShapeError, Tensor, ValueError, broadcastShapes, formatShape, isFloatDType } from "@strata/tensor";
import { additiveMask, attend, causalKeep, type Attended } from "./attention-core.js";
import { asVariable } from "./record.js";
import { Variable, type Operand } from "./variable.js";
import { tracedCall } from "./trace.js";

/**
 * Options of {@link scaledDotProductAttention}, as PyTorch 2.x's: `attnMask` (bool: `true` takes
 * part; float: added to the scores), `dropoutP` (default 0) the probability of dropping an
 * attention weight, `isCausal` (default false) lets query i attend to keys j ≤ i only, `scale`
 * (default 1/√E) multiplies q·kᵀ, `rng` the generator of dropout's mask.
 *
 * @example
 * ```ts
 * import { scaledDotProductAttention, variable, type ScaledDotProductAttentionOptions } from "@strata/autograd";
 * const options: ScaledDotProductAttentionOptions = { isCausal: true };
 * const q = variable([[1], [1]]);
 * console.log(scaledDotProductAttention(q, q, variable([[2], [4]]), options).toArray()); // [[2], [3]]
 * ```
 */
export interface ScaledDotProductAttentionOptions {
  /** Broadcasts to `(..., L, S)`: bool, `true` where a query may attend to a key; or float, added to the scores. */
  attnMask?: Operand | null;
  /** The probability of zeroing each attention weight, in [0, 1] (default 0). */
  dropoutP?: number;
  /** Mask out key j for query i when j > i (default false); not together with attnMask. */
  isCausal?: boolean;
  /** The factor of q·kᵀ (default 1/√E, E the last axis of q). */
  scale?: number;
  /** The generator of dropout's mask (default: the default stream). */
  rng?: Rng;
}

/**
 * Scaled dot-product attention, as PyTorch 2.x's `F.scaled_dot_product_attention`:
 * `softmax(q·kᵀ·scale + mask)·v` for `q (..., L, E)`, `k (..., S, E)` and `v (..., S, Ev)`, giving
 * `(..., L, Ev)`; the leading axes broadcast (heads are one more leading axis, computed in one
 * batched product). `scale` defaults to `1/√E`. A boolean `attnMask` lets query i attend to key j
 * where it is `true` (PyTorch 2.x's sdpa; the opposite of MultiheadAttention's masks); a float mask
 * is added to the scores (−∞ masks out). `isCausal` keeps j ≤ i. Dropout with probability
 * `dropoutP` applies to the attention weights. **A query that may attend to no key at all** (every
 * position of its row masked) gets zero weights, so a zero output and zero gradients, where
 * PyTorch 2.x returns NaN. Gradients flow to q, k, v and a float mask that is a Variable.
 * @throws ShapeError when an input has fewer than 2 axes, q's and k's last axes differ, k and v do not
 *   have the same number of keys, the leading axes do not broadcast, or the mask does not broadcast
 *   to `(..., L, S)`.
 * @throws DTypeError when the inputs are not float or differ in dtype, or a float mask's dtype is not theirs.
 * @throws ValueError when both attnMask and isCausal are given, or for dropoutP outside [0, 1] or a scale that is not a finite number.
 * @example
 * ```ts
 * import { scaledDotProductAttention, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const q = variable([[0], [0]]); // every score is 0: uniform weights over the keys kept
 * const v = variable([[1, 10], [3, 30]]);
 * console.log(scaledDotProductAttention(q, q, v).toArray()); // [[2, 20], [2, 20]]
 * const attnMask = tensor([[true, false], [false, false]]); // query 1 may attend to nothing
 * console.log(scaledDotProductAttention(q, q, v, { attnMask }).toArray()); // [[1, 10], [0, 0]]
 * ```
 */
export function scaledDotProductAttention(q: Operand, k: Operand, v: Operand, options: ScaledDotProductAttentionOptions = {}): Variable {
  const op = "scaledDotProductAttention";
  const { Q, K, V, scores, e } = checkInputs(op, q, k, v);
  const { attnMask = null, dropoutP = 0, isCausal = false, scale = 1 / Math.sqrt(e), rng } = options;
  if (typeof isCausal !== "boolean") throw new ValueError(`${op}: isCausal must be true or false, got ${String(isCausal)}`);
  if (isCausal && attnMask !== null) throw new ValueError(`${op}: pass attnMask or isCausal, not both (as PyTorch)`);
  checkSettings(op, dropoutP, scale, rng);
  const [l, s] = scores.slice(-2) as [number, number];
  const keep = isCausal ? causalKeep(l, s) : attnMask;
  return tracedCall("op", op, [Q, K, V, attnMask], { isCausal, scale, dropoutP }, () => {
    const mask = keep === null ? null : additiveMask(op, isCausal ? "the causal mask" : "attnMask", keep, scores, Q.dtype);
    return attend(Q, K, V, { mask, scale, dropoutP, rng }).output;
  });
}

/**
 * Options of {@link attentionWithWeights}: `mask` a float tensor added to the scaled scores (−∞
 * masks a position out), broadcast to `(..., L, S)`; `scale` (default 1/√E); `dropoutP` (default
 * 0) and `rng` for dropout on the weights.
 *
 * @example
 * ```ts
 * import { attentionWithWeights, variable, type AttentionWithWeightsOptions } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const options: AttentionWithWeightsOptions = { mask: tensor([0, -Infinity]) };
 * const q = variable([[1], [2]]);
 * console.log(attentionWithWeights(q, q, q, options).weights.toArray()); // [[1, 0], [1, 0]]
 * ```
 */
export interface AttentionWithWeightsOptions {
  /** Added to the scaled scores, broadcast to `(..., L, S)`; −∞ masks a position out. */
  mask?: Operand | null;
  /** The factor of q·kᵀ (default 1/√E). */
  scale?: number;
  /** The probability of zeroing each attention weight, in [0, 1] (default 0). */
  dropoutP?: number;
  /** The generator of dropout's mask (default: the default stream). */
  rng?: Rng;
}

/**
 * The attended values and the attention weights: {@link scaledDotProductAttention}'s computation
 * with an additive float `mask`, also returning `weights = dropout(softmax(q·kᵀ·scale + mask))`,
 * `(..., L, S)`, the matrix that multiplied v (what PyTorch's MultiheadAttention returns). A query
 * whose every mask value is −∞ (no key left to attend to) gets zero weights, as in scaledDotProductAttention.
 * @throws as {@link scaledDotProductAttention}, for a mask that does not broadcast to `(..., L, S)` or is not of the inputs' dtype.
 * @example
 * ```ts
 * import { attentionWithWeights, variable } from "@strata/autograd";
 * const q = variable([[0], [0]]);
 * const { output, weights } = attentionWithWeights(q, q, variable([[1], [3]]));
 * console.log(output.toArray(), weights.toArray()); // [[2], [2]] [[0.5, 0.5], [0.5, 0.5]]
 * ```
 */
export function attentionWithWeights(q: Operand, k: Operand, v: Operand, options: AttentionWithWeightsOptions = {}): Attended {
  const op = "attentionWithWeights";
  const { Q, K, V, scores, e } = checkInputs(op, q, k, v);
  const { mask = null, dropoutP = 0, scale = 1 / Math.sqrt(e), rng } = options;
  checkSettings(op, dropoutP, scale, rng);
  if (mask !== null && !(mask instanceof Tensor || mask instanceof Variable) || (mask !== null && mask.dtype === "bool")) {
    throw new DTypeError(`${op}: mask must be a float Tensor or Variable added to the scores (−∞ masks out), got ${mask instanceof Tensor || mask instanceof Variable ? mask.dtype : typeof mask}`);
  }
  return tracedCall("op", op, [Q, K, V, mask], { scale, dropoutP }, () =>
    attend(Q, K, V, { mask: mask === null ? null : additiveMask(op, "mask", mask, scores, Q.dtype), scale, dropoutP, rng }),
  );
}

/** q, k and v checked: ranks, one float dtype, the same E and S, leading axes that broadcast; the scores' shape. */
function checkInputs(op: string, q: Operand, k: Operand, v: Operand): { Q: Variable; K: Variable; V: Variable; scores: number[]; e: number } {
  const [Q, K, V] = [asVariable(q), asVariable(k), asVariable(v)];
  if (Q.ndim < 2 || K.ndim < 2 || V.ndim < 2) {
    throw new ShapeError(`${op}: expected q (…, L, E), k (…, S, E) and v (…, S, Ev), got ${formatShape(Q.shape)}, ${formatShape(K.shape)} and ${formatShape(V.shape)}`);
  }
  if (!isFloatDType(Q.dtype) || K.dtype !== Q.dtype || V.dtype !== Q.dtype) {
    throw new DTypeError(`${op}: expected q, k and v of one float dtype, got ${Q.dtype}, ${K.dtype} and ${V.dtype}`);
  }
  const e = Q.shape[Q.ndim - 1]!;
  const [l, s] = [Q.shape[Q.ndim - 2]!, K.shape[K.ndim - 2]!];
  if (K.shape[K.ndim - 1] !== e || V.shape[V.ndim - 2] !== s) {
    throw new ShapeError(`${op}: expected q (…, L, E), k (…, S, E) and v (…, S, Ev) with the same E and S, got ${formatShape(Q.shape)}, ${formatShape(K.shape)} and ${formatShape(V.shape)}`);
  }
  let batch: number[];
  try {
    batch = broadcastShapes(op, broadcastShapes(op, Q.shape.slice(0, -2), K.shape.slice(0, -2)), V.shape.slice(0, -2));
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    throw new ShapeError(`${op}: the leading axes of q ${formatShape(Q.shape)}, k ${formatShape(K.shape)} and v ${formatShape(V.shape)} do not broadcast`);
  }
  return { Q, K, V, scores: [...batch, l, s], e };
}

/** dropoutP, scale and rng checked. */
function checkSettings(op: string, dropoutP: unknown, scale: unknown, rng: unknown): void {
  if (typeof dropoutP !== "number" || !(dropoutP >= 0 && dropoutP <= 1)) throw new ValueError(`${op}: dropoutP must be a probability in [0, 1], got ${String(dropoutP)}`);
  if (typeof scale !== "number" || !Number.isFinite(scale)) throw new ValueError(`${op}: scale must be a finite number, got ${String(scale)}`);
  if (rng !== undefined && !(rng instanceof Rng)) throw new ValueError(`${op}: options.rng must be an Rng from rng(seed), got ${typeof rng}`);
}
