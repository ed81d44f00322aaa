// Batch normalisation's forward and first-order backward as whole-tensor loops over (N, C, S):
// the per-channel statistics and sums are accumulated in float64 (as PyTorch does for float32),
// and each result is written in one pass, where the same formulas composed from elementwise ops
// take a dozen passes and as many allocations.
import { allocate, isFloatDType } from "./dtype.js";
import { DTypeError, ShapeError, ValueError } from "./errors.js";
import { formatShape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { compute } from "./record.js";

/**
 * What {@link batchNormForward} returns: the normalised `output` (x's shape and dtype) and, per
 * channel as float64 `(C)` tensors, the `mean` and biased `variance` it normalised by and
 * `invStd = 1 / √(variance + eps)`, which {@link batchNormBackward} takes.
 *
 * @example
 * ```ts
 * import { batchNormForward, tensor, type BatchNormForward } from "@strata/tensor";
 * const r: BatchNormForward = batchNormForward(tensor([[1], [3]]), null, null, null, 0);
 * console.log(r.output.toArray(), r.mean.toArray(), r.variance.toArray(), r.invStd.toArray()); // [[-1], [1]] [2] [1] [1]
 * ```
 */
export interface BatchNormForward {
  /** `(x − mean)·invStd·weight + bias`, x's shape and dtype, contiguous. */
  output: Tensor;
  /** The per-channel mean normalised by, float64 `(C)`. */
  mean: Tensor;
  /** The per-channel biased variance normalised by, float64 `(C)`. */
  variance: Tensor;
  /** `1 / √(variance + eps)` per channel, float64 `(C)`. */
  invStd: Tensor;
}

/**
 * What {@link batchNormBackward} returns: the gradients with respect to the input (x's shape and
 * dtype; null when not asked for), the weight γ and the bias β (`(C)`, x's dtype).
 *
 * @example
 * ```ts
 * import { batchNormBackward, batchNormForward, tensor, type BatchNormGradients } from "@strata/tensor";
 * const x = tensor([[1], [3]]);
 * const { mean, invStd } = batchNormForward(x, null, null, null, 0);
 * const g: BatchNormGradients = batchNormBackward(tensor([[1], [0]]), x, mean, invStd, null, true);
 * console.log(g.input?.toArray(), g.weight.toArray(), g.bias.toArray()); // [[0], [0]] [-1] [1]
 * ```
 */
export interface BatchNormGradients {
  /** dL/dx, x's shape and dtype, contiguous; null when `inputGrad` was false. */
  input: Tensor | null;
  /** dL/dγ = Σ g·x̂ per channel. */
  weight: Tensor;
  /** dL/dβ = Σ g per channel. */
  bias: Tensor;
}

/** x's layout as (N, C, S) over its contiguous values, checked. */
function layout(op: string, x: Tensor): { n: number; c: number; s: number } {
  if (x.ndim < 2) throw new ShapeError(`${op}: expected x (N, C, …) with at least 2 axes, got ${formatShape(x.shape)}`);
  if (!isFloatDType(x.dtype)) throw new DTypeError(`${op}: x is ${x.dtype}; expected float32 or float64`);
  const [n, c] = [x.shape[0]!, x.shape[1]!];
  return { n, c, s: c === 0 || n === 0 ? 0 : x.size / (n * c) };
}

/** Checks that a per-channel tensor, when given, is float `(C)`. */
function checkPerChannel(op: string, name: string, t: Tensor | null, c: number): void {
  if (t === null) return;
  if (t.ndim !== 1 || t.shape[0] !== c) throw new ShapeError(`${op}: ${name} has shape ${formatShape(t.shape)}; expected (${c}), one value per channel`);
  if (!isFloatDType(t.dtype)) throw new DTypeError(`${op}: ${name} is ${t.dtype}; expected float32 or float64`);
}

/** Writes a per-channel tensor's values (read now, through its view) into `out`; all `fill` when absent. */
function readPerChannel(t: Tensor | null, out: Float64Array, fill: number): Float64Array {
  if (t === null) return out.fill(fill);
  const [d, at, step] = [t.data, t.offset, t.strides[0] ?? 1];
  for (let ch = 0; ch < out.length; ch++) out[ch] = d[at + ch * step] as number;
  return out;
}

/**
 * Running statistics that {@link batchNormForward} updates in place in training, with the weight
 * of the batch: a number, or a function called each time the work runs (a cumulative average's
 * `1 / batches`, which changes from step to step).
 *
 * @example
 * ```ts
 * import { batchNormForward, ones, tensor, zeros, type RunningStatistics } from "@strata/tensor";
 * let batches = 0;
 * const running: RunningStatistics = { mean: zeros([1]), variance: ones([1]), momentum: () => 1 / ++batches };
 * batchNormForward(tensor([[1], [3]]), null, null, null, 0, running);
 * batchNormForward(tensor([[5], [7]]), null, null, null, 0, running);
 * console.log(running.mean.toArray(), running.variance.toArray()); // [4] [2]
 * ```
 */
export interface RunningStatistics {
  /** The running mean `(C)`, updated in place. */
  mean: Tensor;
  /** The running (unbiased) variance `(C)`, updated in place. */
  variance: Tensor;
  /** The weight of the batch, in [0, 1], or a function giving it when the update runs. */
  momentum: number | (() => number);
}

/** `running = batch·momentum + running·(1 − momentum)` per channel, in place through the view. */
function fold(running: Tensor, batch: Float64Array, factor: number, momentum: number): void {
  const [d, at, step] = [running.data as Float32Array | Float64Array, running.offset, running.strides[0] ?? 1];
  // the order of the products is the composed ops' (mul, mul, add), so float64 results are theirs
  for (let ch = 0; ch < batch.length; ch++) d[at + ch * step] = batch[ch]! * factor * momentum + d[at + ch * step]! * (1 - momentum);
}

/** The per-channel mean and biased variance of x's values (N, C, S), two passes in float64. */
function batchStatistics(xs: Float32Array | Float64Array, n: number, c: number, s: number, mean: Float64Array, variance: Float64Array): void {
  mean.fill(0);
  variance.fill(0);
  const m = n * s;
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      let acc = 0;
      const base = (i * c + ch) * s;
      for (let k = base; k < base + s; k++) acc += xs[k]!;
      mean[ch] = mean[ch]! + acc;
    }
  }
  for (let ch = 0; ch < c; ch++) mean[ch] = mean[ch]! / m;
  // the second pass over the centred values, exact where Σx² − m·μ² cancels
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      let acc = 0;
      const mu = mean[ch]!;
      const base = (i * c + ch) * s;
      for (let k = base; k < base + s; k++) {
        const d = xs[k]! - mu;
        acc += d * d;
      }
      variance[ch] = variance[ch]! + acc;
    }
  }
  for (let ch = 0; ch < c; ch++) variance[ch] = variance[ch]! / m;
}

/**
 * Batch normalisation's forward over the channels (axis 1) of `x`, `(N, C, …)`:
 * `y = (x − μ)·invStd·weight + bias` with `invStd = 1 / √(σ² + eps)`. With `statistics` null, μ
 * and σ² are the batch's per-channel mean and biased variance over the `m = N·(spatial)` values
 * (two passes, accumulated in float64); else they are `statistics.mean` and `statistics.variance`
 * (the running ones, in evaluation). `weight` and `bias` `(C)` may be null (1 and 0). Any layout
 * of `x` is read; the output is contiguous, of x's dtype. With `running` (training only), the
 * running statistics are updated in place as PyTorch's layer does:
 * `running = momentum·batch + (1 − momentum)·running`, with the batch's mean and its unbiased
 * variance (`σ²·m/(m − 1)`). The values, the statistics and the update are one piece of work
 * (see `compute`): a replay normalises the new x and advances the running statistics again,
 * reading a momentum given as a function when it runs.
 *
 * @throws ShapeError when `x` has fewer than 2 axes or a per-channel tensor is not `(C)`.
 * @throws DTypeError when `x` or a per-channel tensor is not float.
 * @throws ValueError when `running` is given with `statistics` (evaluation updates nothing), or
 *   with a single value per channel (its unbiased variance is undefined).
 * @example
 * ```ts
 * import { batchNormForward, tensor } from "@strata/tensor";
 * const x = tensor([[1, 10], [3, 14]], { dtype: "float64" });
 * console.log(batchNormForward(x, tensor([1, 3]), null, null, 0).output.toArray()); // [[-1, -3], [1, 3]]
 * const running = { mean: tensor([0, 10]), variance: tensor([4, 16]) };
 * console.log(batchNormForward(x, null, tensor([0, 1]), running, 0).output.toArray()); // [[0.5, 1], [1.5, 2]]
 * const tracked = { mean: tensor([0, 0], { dtype: "float64" }), variance: tensor([1, 1], { dtype: "float64" }), momentum: 0.5 };
 * batchNormForward(x, null, null, null, 0, tracked); // batch means [2, 12], unbiased variances [2, 8]
 * console.log(tracked.mean.toArray(), tracked.variance.toArray()); // [1, 6] [1.5, 4.5]
 * ```
 */
export function batchNormForward(
  x: Tensor, weight: Tensor | null, bias: Tensor | null, statistics: { mean: Tensor; variance: Tensor } | null, eps: number,
  running: RunningStatistics | null = null,
): BatchNormForward {
  const op = "batchNormForward";
  const { n, c, s } = layout(op, x);
  checkPerChannel(op, "weight", weight, c);
  checkPerChannel(op, "bias", bias, c);
  if (statistics !== null) {
    checkPerChannel(op, "statistics.mean", statistics.mean, c);
    checkPerChannel(op, "statistics.variance", statistics.variance, c);
  }
  if (running !== null) {
    if (statistics !== null) throw new ValueError(`${op}: running statistics are updated in training only; got statistics to normalise by as well`);
    if (n * s <= 1) throw new ValueError(`${op}: updating running statistics needs more than 1 value per channel, got x ${formatShape(x.shape)}`);
    checkPerChannel(op, "running.mean", running.mean, c);
    checkPerChannel(op, "running.variance", running.variance, c);
  }
  const xc = x.contiguous();
  const [mean, variance, invStd] = [new Float64Array(c), new Float64Array(c), new Float64Array(c)];
  const out = allocate(x.dtype, x.size, op) as Float32Array | Float64Array;
  compute(() => {
    const gamma = readPerChannel(weight, new Float64Array(c), 1);
    const beta = readPerChannel(bias, new Float64Array(c), 0);
    const xs = (xc.data as Float32Array | Float64Array).subarray(xc.offset, xc.offset + xc.size);
    if (statistics === null) {
      batchStatistics(xs, n, c, s, mean, variance);
    } else {
      readPerChannel(statistics.mean, mean, 0);
      readPerChannel(statistics.variance, variance, 1);
    }
    for (let ch = 0; ch < c; ch++) invStd[ch] = 1 / Math.sqrt(variance[ch]! + eps);
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        const scale = invStd[ch]! * gamma[ch]!;
        const [mu, b] = [mean[ch]!, beta[ch]!];
        const base = (i * c + ch) * s;
        for (let k = base; k < base + s; k++) out[k] = (xs[k]! - mu) * scale + b;
      }
    }
    if (running !== null) {
      const momentum = typeof running.momentum === "function" ? running.momentum() : running.momentum;
      if (!(momentum >= 0 && momentum <= 1)) throw new ValueError(`${op}: momentum must be in [0, 1], got ${String(momentum)}`);
      fold(running.mean, mean, 1, momentum);
      fold(running.variance, variance, (n * s) / (n * s - 1), momentum);
    }
  });
  return {
    output: new Tensor(out, x.shape),
    mean: new Tensor(mean, [c]),
    variance: new Tensor(variance, [c]),
    invStd: new Tensor(invStd, [c]),
  };
}

/**
 * Batch normalisation's first-order backward in closed form, per channel over its `m` values,
 * with `x̂ = (x − mean)·invStd` and `g` = dL/dy: `dβ = Σ g`, `dγ = Σ g·x̂`, and when `inputGrad`,
 * `dx = γ·invStd·(g − Σg/m − x̂·Σ(g·x̂)/m)` if the statistics were the batch's (`training`), or
 * `dx = g·γ·invStd` if they were constants (evaluation). `mean` and `invStd` are
 * {@link batchNormForward}'s; `weight` null means γ = 1. Two passes, sums in float64.
 *
 * @throws ShapeError when `grad` and `x` differ in shape or a per-channel tensor is not `(C)`.
 * @throws DTypeError when `x` is not float or `grad`'s dtype differs from x's.
 * @example
 * ```ts
 * import { batchNormBackward, batchNormForward, tensor } from "@strata/tensor";
 * const x = tensor([[1], [3]], { dtype: "float64" });
 * const { mean, invStd } = batchNormForward(x, null, null, null, 0); // x̂ = [-1, 1]
 * const g = batchNormBackward(tensor([[2], [6]], { dtype: "float64" }), x, mean, invStd, tensor([3], { dtype: "float64" }), false);
 * console.log(g.input?.toArray(), g.weight.toArray(), g.bias.toArray()); // [[6], [18]] [4] [8]
 * ```
 */
export function batchNormBackward(
  grad: Tensor, x: Tensor, mean: Tensor, invStd: Tensor, weight: Tensor | null, training: boolean, inputGrad = true,
): BatchNormGradients {
  const op = "batchNormBackward";
  const { n, c, s } = layout(op, x);
  if (grad.shape.length !== x.shape.length || grad.shape.some((d, k) => d !== x.shape[k])) {
    throw new ShapeError(`${op}: grad ${formatShape(grad.shape)} and x ${formatShape(x.shape)} must have the same shape`);
  }
  if (grad.dtype !== x.dtype) throw new DTypeError(`${op}: grad is ${grad.dtype} but x is ${x.dtype}; expected the same float dtype`);
  checkPerChannel(op, "weight", weight, c);
  checkPerChannel(op, "mean", mean, c);
  checkPerChannel(op, "invStd", invStd, c);
  const [xc, gc] = [x.contiguous(), grad.contiguous()];
  const dWeight = allocate(x.dtype, c, op) as Float32Array | Float64Array;
  const dBias = allocate(x.dtype, c, op) as Float32Array | Float64Array;
  const out = inputGrad ? (allocate(x.dtype, x.size, op) as Float32Array | Float64Array) : null;
  compute(() => {
    const gamma = readPerChannel(weight, new Float64Array(c), 1);
    const mu = readPerChannel(mean, new Float64Array(c), 0);
    const inv = readPerChannel(invStd, new Float64Array(c), 1);
    const xs = (xc.data as Float32Array | Float64Array).subarray(xc.offset, xc.offset + xc.size);
    const gs = (gc.data as Float32Array | Float64Array).subarray(gc.offset, gc.offset + gc.size);
    const sumG = new Float64Array(c);
    const sumGX = new Float64Array(c); // Σ g·(x − μ)
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        let [a, b] = [0, 0];
        const m0 = mu[ch]!;
        const base = (i * c + ch) * s;
        for (let k = base; k < base + s; k++) {
          const gk = gs[k]!;
          a += gk;
          b += gk * (xs[k]! - m0);
        }
        sumG[ch] = sumG[ch]! + a;
        sumGX[ch] = sumGX[ch]! + b;
      }
    }
    for (let ch = 0; ch < c; ch++) {
      dWeight[ch] = sumGX[ch]! * inv[ch]!;
      dBias[ch] = sumG[ch]!;
    }
    if (out === null) return;
    const m = n * s;
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        const scale = gamma[ch]! * inv[ch]!;
        const base = (i * c + ch) * s;
        if (training) {
          // γ·invStd·(g − Σg/m − (x − μ)·invStd²·Σg(x − μ)/m)
          const shift = sumG[ch]! / m;
          const slope = (inv[ch]! * inv[ch]! * sumGX[ch]!) / m;
          const m0 = mu[ch]!;
          for (let k = base; k < base + s; k++) out[k] = scale * (gs[k]! - shift - (xs[k]! - m0) * slope);
        } else {
          for (let k = base; k < base + s; k++) out[k] = scale * gs[k]!;
        }
      }
    }
  });
  return { input: out === null ? null : new Tensor(out, x.shape), weight: new Tensor(dWeight, [c]), bias: new Tensor(dBias, [c]) };
}
