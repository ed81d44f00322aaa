// Cross-entropy and negative log-likelihood as PyTorch's F.cross_entropy and F.nll_loss: classes
// on axis 1 of (N, K) or (N, K, d1, …) scores (or axis 0 of one unbatched (K) example). Composed
// from autograd ops on the stable logSoftmax; the integer targets enter as a constant tensor of
// per-class coefficients (−w[c] where c is the target, 0 elsewhere), so every reduction, weight and
// ignored target is one product and one sum, differentiable again.
import * as T from "@strata/tensor";
import { DTypeError, ShapeError, Tensor, ValueError, formatShape, isFloatDType } from "@strata/tensor";
import { add, mul, neg } from "./elementwise.js";
import { logSoftmax } from "./softmax.js";
import { reshape, sum } from "./structural.js";
import { asVariable } from "./record.js";
import { Variable, type Operand } from "./variable.js";

/**
 * Options of {@link nllLoss}, as PyTorch's `F.nll_loss`: `weight` (K) rescales each class,
 * `ignoreIndex` (default −100) marks targets that count for nothing, and `reduction` is
 * `"mean"` (the default: the sum divided by the total weight of the targets not ignored),
 * `"sum"` or `"none"` (one loss per target).
 *
 * @example
 * ```ts
 * import { nllLoss, variable, type NllLossOptions } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const logp = variable([[-1, -2], [-3, -4]]);
 * const options: NllLossOptions = { reduction: "none", ignoreIndex: 1 };
 * console.log(nllLoss(logp, tensor([0, 1], { dtype: "int32" }), options).toArray()); // [1, 0]
 * ```
 */
export interface NllLossOptions {
  /** A weight per class, shape (K), in the input's dtype (default: all 1). */
  weight?: Tensor | null;
  /** A target value that contributes nothing, to the loss or to the mean's divisor (default −100). */
  ignoreIndex?: number;
  /** `"mean"` (default), `"sum"` or `"none"`. */
  reduction?: "mean" | "sum" | "none";
}

/**
 * Options of {@link crossEntropy}, as PyTorch's `F.cross_entropy`: those of {@link NllLossOptions}
 * and `labelSmoothing` ε in [0, 1] (default 0), which mixes the target with the uniform
 * distribution over the K classes: `(1 − ε)·target + ε/K`.
 *
 * @example
 * ```ts
 * import { crossEntropy, variable, type CrossEntropyOptions } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const options: CrossEntropyOptions = { labelSmoothing: 0.1 };
 * const loss = crossEntropy(variable([[0, 0]], { dtype: "float64" }), tensor([0], { dtype: "int32" }), options);
 * console.log(loss.item().toFixed(6)); // 0.693147
 * ```
 */
export interface CrossEntropyOptions extends NllLossOptions {
  /** ε in [0, 1]: the share of the uniform distribution in the smoothed target (default 0). */
  labelSmoothing?: number;
}

type Reduction = "mean" | "sum" | "none";

/** The scores as (N, K, …) and whether they were one unbatched (K) example. */
function batched(op: string, input: Operand): { x: Variable; unbatched: boolean } {
  const v = asVariable(input);
  if (!isFloatDType(v.dtype)) throw new DTypeError(`${op}: input is ${v.dtype}; expected float32 or float64 scores`);
  if (v.ndim === 0) throw new ShapeError(`${op}: expected input (N, K), (N, K, d1, …) or (K), got a 0-d input`);
  return v.ndim === 1 ? { x: reshape(v, [1, v.shape[0]!]), unbatched: true } : { x: v, unbatched: false };
}

function reductionOf(op: string, r: unknown): Reduction {
  if (r === undefined) return "mean";
  if (r === "mean" || r === "sum" || r === "none") return r;
  throw new ValueError(`${op}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(r) ?? String(r)}`);
}

function weightOf(op: string, w: unknown, x: Variable): Tensor | null {
  if (w === undefined || w === null) return null;
  const k = x.shape[1]!;
  if (!(w instanceof Tensor)) throw new ValueError(`${op}: weight must be a Tensor of shape (${k}) or null, got ${typeof w}`);
  if (w.ndim !== 1 || w.shape[0] !== k) throw new ShapeError(`${op}: weight has shape ${formatShape(w.shape)}; expected (${k}), one weight per class of input ${formatShape(x.shape)}`);
  if (w.dtype !== x.dtype) throw new DTypeError(`${op}: weight is ${w.dtype} but the input is ${x.dtype}; expected the same float dtype`);
  return w;
}

function ignoreIndexOf(op: string, i: unknown): number {
  if (i === undefined) return -100;
  if (typeof i !== "number" || !Number.isInteger(i)) throw new ValueError(`${op}: ignoreIndex must be an integer, got ${String(i)}`);
  return i;
}

/** `[i, j, …]` of flat index `k` in `shape`, for messages. */
function position(k: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let a = shape.length - 1; a >= 0; a--) {
    idx.unshift(k % shape[a]!);
    k = Math.floor(k / shape[a]!);
  }
  return `[${idx.join(", ")}]`;
}

/** A (1, K, 1, …) view of the weight that broadcasts over x's other axes. */
function perClass(w: Tensor, x: Variable): Tensor {
  return w.reshape(x.shape.map((n, a) => (a === 1 ? n : 1)));
}

/** Sums `(N, …)` per-target losses down to the reduction; `divisor` is the mean's. */
function reduce(perTarget: Variable, reduction: Reduction, divisor: number | Tensor): Variable {
  if (reduction === "none") return perTarget;
  const total = sum(perTarget);
  if (reduction === "sum") return total;
  // a divisor of 0 (every target ignored) gives 0·∞ = NaN, as PyTorch's 0/0
  return mul(total, typeof divisor === "number" ? 1 / divisor : divisor);
}

interface ClassTargets {
  /** −w[target] at the target's class, 0 elsewhere and for ignored targets: x's shape. */
  readonly pick: Tensor;
  /** 1 for the targets not ignored, 0 for the others: the target's shape. */
  readonly kept: Tensor;
  /** 1 / the total weight of the targets not ignored (the mean's factor), one element. */
  readonly scale: Tensor;
}

/**
 * Checks int32 class targets `(N, d1, …)` against x `(N, K, d1, …)` and builds their coefficients.
 * The coefficients and the range check depend on the targets' values, so they are one piece of
 * work (see compute in @strata/tensor): a compiled step's replay builds them from the new targets.
 */
function classTargets(op: string, x: Variable, target: Tensor, shown: { input: readonly number[]; target: readonly number[] }, w: Tensor | null, ignoreIndex: number): ClassTargets {
  const [n, k] = x.shape as [number, number];
  const expected = [n, ...x.shape.slice(2)];
  if (target.dtype !== "int32") {
    throw new DTypeError(
      `${op}: target ${formatShape(shown.target)} is ${target.dtype}; class indices must be int32 (cast it: target.cast("int32")), and probabilities must have the input's shape ${formatShape(shown.input)}`,
    );
  }
  if (target.shape.length !== expected.length || target.shape.some((d, a) => d !== expected[a])) {
    const want = shown.input.length === 1 ? "()" : formatShape(expected);
    throw new ShapeError(`${op}: input ${formatShape(shown.input)} needs class indices of shape ${want} or probabilities of shape ${formatShape(shown.input)}, got target ${formatShape(shown.target)}`);
  }
  const pick = T.zeros(x.shape, { dtype: x.dtype });
  const kept = T.zeros(target.shape, { dtype: x.dtype });
  const scale = T.zeros([], { dtype: x.dtype });
  T.compute(() => {
    // reads inside work are no value reads in JavaScript (they are made again on every replay)
    const t = target.toTypedArray() as Int32Array;
    const weights = w ? (w.toTypedArray() as ArrayLike<number>) : null;
    const inner = t.length / Math.max(n, 1); // positions per example: d1·d2·…
    const p = pick.data as Float32Array | Float64Array;
    const m = kept.data as Float32Array | Float64Array;
    p.fill(0);
    m.fill(0);
    let weightSum = 0;
    for (let i = 0; i < t.length; i++) {
      const c = t[i]!;
      if (c === ignoreIndex) continue;
      if (c < 0 || c >= k) {
        const where = shown.target.length === 0 ? "target" : `target${position(i, shown.target)}`;
        throw new ValueError(`${op}: ${where} = ${c} is out of range for input ${formatShape(shown.input)} with ${k} classes; expected 0 <= target < ${k}, or ignoreIndex (${ignoreIndex})`);
      }
      const wc = weights ? weights[c]! : 1;
      const s = i % inner;
      // negated here rather than after the sum, so that an ignored target's loss is +0, not −0
      p[(i - s) * k + c * inner + s] = -wc;
      m[i] = 1;
      weightSum += wc;
    }
    scale.data[scale.offset] = 1 / weightSum;
  });
  return { pick, kept, scale };
}

/** Σ_c pick·logp over the class axis: w[target]·(−log p[target]) per target. */
function picked(logp: Variable, pick: Tensor): Variable {
  return sum(mul(logp, pick), { axis: 1 });
}

/** The loss of log-probabilities `logp` (N, K, …) against class indices, with optional smoothing. */
function classLoss(op: string, logp: Variable, target: Tensor, shown: { input: readonly number[]; target: readonly number[] }, options: CrossEntropyOptions, eps: number): Variable {
  const reduction = reductionOf(op, options.reduction);
  const w = weightOf(op, options.weight, logp);
  const { pick, kept, scale } = classTargets(op, logp, target, shown, w, ignoreIndexOf(op, options.ignoreIndex));
  const nll = picked(logp, pick);
  if (eps === 0) return reduce(nll, reduction, scale);
  // PyTorch's smoothing term: −Σ_c w[c]·logp[c] per target (0 where ignored); the mean divides
  // by the same total weight of the targets not ignored.
  const k = logp.shape[1]!;
  const smooth = mul(neg(sum(w ? mul(logp, perClass(w, logp)) : logp, { axis: 1 })), kept);
  return reduce(add(mul(nll, 1 - eps), mul(smooth, eps / k)), reduction, scale);
}

/** The target as a variable, or the reason it is not a tensor or variable. */
function targetOf(op: string, target: unknown): Variable {
  if (target instanceof Variable) return target;
  if (target instanceof Tensor) return new Variable(target);
  throw new ValueError(`${op}: target must be a Tensor (int32 class indices or float probabilities), got ${target === null ? "null" : typeof target}`);
}

/**
 * Negative log-likelihood, as PyTorch's `F.nll_loss`: for log-probabilities `input` of shape
 * `(N, K)` or `(N, K, d1, …)` (classes on axis 1, e.g. from `logSoftmax(z, { axis: 1 })`; or one
 * unbatched `(K)` example) and int32 class indices `target` of shape `(N)` or `(N, d1, …)` (or
 * `()`), the loss of each target is `ℓ = −w[t]·input[n, t, …]` (0 for a target equal to
 * `ignoreIndex`). `reduction: "mean"` (the default) gives `Σℓ / Σ w[t]` over the targets not
 * ignored (NaN when all are ignored, as in PyTorch), `"sum"` gives `Σℓ`, `"none"` the losses,
 * shaped as the target. Differentiable with respect to `input`.
 * @throws DTypeError when the input is not float, the target is not int32, or the weight's dtype
 *   differs from the input's.
 * @throws ShapeError when the target's shape is not the input's without axis 1, or the weight is
 *   not `(K)`.
 * @throws ValueError naming the target's position and value when it lies outside `[0, K)` and is
 *   not `ignoreIndex`, or for a bad reduction or ignoreIndex.
 * @example
 * ```ts
 * import { logSoftmax, nllLoss, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const logp = logSoftmax(variable([[2, 0, 0], [0, 0, 0]], { dtype: "float64" }), { axis: 1 });
 * const target = tensor([0, 2], { dtype: "int32" });
 * console.log(nllLoss(logp, target, { reduction: "none" }).toArray()); // [0.2395447662218847, 1.0986122886681096]
 * console.log(nllLoss(logp, target, { weight: tensor([3, 1, 1], { dtype: "float64" }) }).item()); // 0.45431164683344094
 * ```
 */
export function nllLoss(input: Operand, target: Tensor | Variable, options: NllLossOptions = {}): Variable {
  const { x, unbatched } = batched("nllLoss", input);
  const t = targetOf("nllLoss", target).data;
  const shown = { input: asVariable(input).shape, target: t.shape };
  const loss = classLoss("nllLoss", x, unbatched ? t.reshape([1, ...t.shape]) : t, shown, options, 0);
  return unbatched && loss.ndim > 0 ? reshape(loss, []) : loss;
}

/**
 * Cross-entropy of scores (logits) `input` against a target, as PyTorch's `F.cross_entropy`:
 * `input` is `(N, K)` or `(N, K, d1, …)` (classes on axis 1; or one unbatched `(K)` example) and
 * `target` either int32 class indices `(N)` / `(N, d1, …)` / `()`, or class probabilities of the
 * input's own shape (float, any values: soft labels). With `logp = logSoftmax(input)` over the
 * classes, computed stably (finite for logits of ±1e4):
 * - class indices: `ℓ = −w[t]·logp[t]` per target (0 when `t = ignoreIndex`); `"mean"` divides
 *   `Σℓ` by the total weight `Σ w[t]` of the targets not ignored. With label smoothing ε each
 *   target's loss is `(1 − ε)·ℓ + (ε/K)·s` with `s = −Σ_c w[c]·logp[c]` (0 when ignored), and
 *   `"mean"` divides their sum by the same `Σ w[t]`.
 * - probabilities `p`: smoothed to `p' = (1 − ε)·p + ε/K`, then `ℓ = −Σ_c w[c]·p'[c]·logp[c]` per
 *   example; `"mean"` divides `Σℓ` by the number of examples `N·d1·…` (weights or not);
 *   `ignoreIndex` does not apply (a non-negative one is refused, as in PyTorch).
 * `"sum"` gives `Σℓ`; `"none"` the losses, shaped as the input without axis 1. Gradients flow to
 * `input` (`softmax − target` for one-hot targets and the mean divided out) and to a
 * probability target given as a Variable.
 * @throws DTypeError when the input is not float, class indices are not int32 (with the hint to
 *   cast), probabilities are not float, or the weight's dtype differs from the input's.
 * @throws ShapeError when the target is neither the input's shape without axis 1 nor the input's
 *   shape, or the weight is not `(K)`.
 * @throws ValueError naming the position and value of a class index outside `[0, K)` that is not
 *   `ignoreIndex`, for labelSmoothing outside [0, 1], a bad reduction or ignoreIndex.
 * @example
 * ```ts
 * import { crossEntropy, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const logits = variable([[2, 0, 0], [0, 0, 0]], { dtype: "float64", requiresGrad: true });
 * const target = tensor([0, 2], { dtype: "int32" });
 * const loss = crossEntropy(logits, target);
 * loss.backward(); // (softmax − onehot) / N
 * console.log(loss.item()); // 0.6690785274449971
 * console.log(logits.grad?.toArray()); // [[-0.1065069789192008, 0.05325348945960037, 0.05325348945960037], [0.16666666666666669, 0.16666666666666669, -0.3333333333333333]]
 * const soft = tensor([[0.5, 0.5, 0], [0, 0, 1]], { dtype: "float64" });
 * console.log(crossEntropy(logits, soft, { reduction: "none" }).toArray()); // [1.2395447662218846, 1.0986122886681096]
 * console.log(crossEntropy(variable([[1e4, -1e4]], { dtype: "float64" }), tensor([1], { dtype: "int32" })).item()); // 20000
 * ```
 */
export function crossEntropy(input: Operand, target: Tensor | Variable, options: CrossEntropyOptions = {}): Variable {
  const op = "crossEntropy";
  const { x, unbatched } = batched(op, input);
  const eps: unknown = options.labelSmoothing ?? 0;
  if (typeof eps !== "number" || !(eps >= 0 && eps <= 1)) throw new ValueError(`${op}: labelSmoothing must be a number in [0, 1], got ${String(eps)}`);
  const t = targetOf(op, target);
  const shown = { input: asVariable(input).shape, target: t.shape };
  const logp = logSoftmax(x, { axis: 1 });
  const sameShape = shown.target.length === shown.input.length && shown.target.every((d, a) => d === shown.input[a]);
  let loss: Variable;
  if (!sameShape) {
    loss = classLoss(op, logp, unbatched ? t.data.reshape([1, ...t.shape]) : t.data, shown, options, eps);
  } else {
    if (!isFloatDType(t.dtype)) {
      throw new DTypeError(`${op}: target ${formatShape(t.shape)} has the input's shape, so it holds class probabilities, but it is ${t.dtype}; expected float (class indices have the shape ${unbatched ? "()" : formatShape([x.shape[0]!, ...x.shape.slice(2)])})`);
    }
    if (t.dtype !== x.dtype) throw new DTypeError(`${op}: target probabilities are ${t.dtype} but the input is ${x.dtype}; expected the same float dtype`);
    const ignoreIndex = ignoreIndexOf(op, options.ignoreIndex);
    if (ignoreIndex >= 0) throw new ValueError(`${op}: ignoreIndex (${ignoreIndex}) applies to class indices only, not to probability targets`);
    const reduction = reductionOf(op, options.reduction);
    const w = weightOf(op, options.weight, x);
    const k = x.shape[1]!;
    const p = unbatched ? reshape(t, x.shape) : t;
    const smoothed = eps === 0 ? p : add(mul(p, 1 - eps), eps / k);
    const terms = mul(logp, w ? mul(smoothed, perClass(w, x)) : smoothed);
    loss = reduce(neg(sum(terms, { axis: 1 })), reduction, x.size / Math.max(k, 1));
  }
  return unbatched && loss.ndim > 0 ? reshape(loss, []) : loss;
}
