// Layer normalisation's forward and first-order backward as loops over rows: x is read as R rows
// of D contiguous values (D the size of the normalised trailing axes), each row's statistics and
// sums accumulated in float64, and each result written in one pass, where the same formula built
// from elementwise ops takes a dozen passes and as many allocations.
import { allocate, isFloatDType } from "./dtype.js";
import { DTypeError, ShapeError } from "./errors.js";
import { formatShape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { compute } from "./record.js";

/**
 * What {@link layerNormForward} returns: the normalised `output` (x's shape and dtype) and, per
 * row (one row per position of x's leading axes), as float64 `(R)` tensors, the `mean` it
 * normalised by and `invStd = 1 / √(biased variance + eps)`, which {@link layerNormBackward} takes.
 *
 * @example
 * ```ts
 * import { layerNormForward, tensor, type LayerNormForward } from "@strata/tensor";
 * const r: LayerNormForward = layerNormForward(tensor([[1, 3]]), 1, null, null, 0);
 * console.log(r.output.toArray(), r.mean.toArray(), r.invStd.toArray()); // [[-1, 1]] [2] [1]
 * ```
 */
export interface LayerNormForward {
  /** `(x − mean)·invStd·weight + bias`, x's shape and dtype, contiguous. */
  output: Tensor;
  /** Each row's mean, float64 `(R)`. */
  mean: Tensor;
  /** Each row's `1 / √(variance + eps)`, float64 `(R)`. */
  invStd: Tensor;
}

/**
 * What {@link layerNormBackward} returns: the gradients with respect to the input (x's shape and
 * dtype; null when not asked for), and, flat `(D)` in x's dtype, the weight γ and the bias β.
 *
 * @example
 * ```ts
 * import { layerNormBackward, layerNormForward, tensor, type LayerNormGradients } from "@strata/tensor";
 * const x = tensor([[1, 3]]);
 * const { mean, invStd } = layerNormForward(x, 1, null, null, 0);
 * const g: LayerNormGradients = layerNormBackward(tensor([[1, 0]]), x, 1, mean, invStd, null);
 * console.log(g.input?.toArray(), g.weight.toArray(), g.bias.toArray()); // [[0, 0]] [-1, 0] [1, 0]
 * ```
 */
export interface LayerNormGradients {
  /** dL/dx, x's shape and dtype, contiguous; null when `inputGrad` was false. */
  input: Tensor | null;
  /** dL/dγ = Σ_rows g·x̂, flat (D). */
  weight: Tensor;
  /** dL/dβ = Σ_rows g, flat (D). */
  bias: Tensor;
}

/** x's layout as R rows of D values, checked: the last `axes` axes are normalised. */
function rows(op: string, x: Tensor, axes: number): { r: number; d: number } {
  if (!isFloatDType(x.dtype)) throw new DTypeError(`${op}: x is ${x.dtype}; expected float32 or float64`);
  if (!Number.isInteger(axes) || axes < 1 || axes > x.ndim) {
    throw new ShapeError(`${op}: expected 1 to ${x.ndim} normalised trailing axes of x ${formatShape(x.shape)}, got ${axes}`);
  }
  const d = x.shape.slice(x.ndim - axes).reduce((a, b) => a * b, 1);
  return { r: d === 0 ? 0 : x.size / d, d };
}

/** The values of a weight or bias, checked to hold `d` values; all `fill` when absent. */
/** An affine parameter checked to hold d float values, as a contiguous tensor (its values are read in the work). */
function affine(op: string, name: string, t: Tensor | null, d: number): Tensor | null {
  if (t === null) return null;
  if (t.size !== d) throw new ShapeError(`${op}: ${name} has shape ${formatShape(t.shape)}; expected ${d} values, one per normalised position`);
  if (!isFloatDType(t.dtype)) throw new DTypeError(`${op}: ${name} is ${t.dtype}; expected float32 or float64`);
  return t.contiguous();
}

/** A contiguous tensor's values, read when called (inside the work); all `fill` when absent. */
function valuesOf(t: Tensor | null, d: number, fill: number): Float64Array {
  const out = new Float64Array(d);
  if (t === null) return out.fill(fill);
  for (let j = 0; j < d; j++) out[j] = t.data[t.offset + j] as number;
  return out;
}

/** A contiguous float tensor's values as a view, read when called. */
function view(t: Tensor): Float32Array | Float64Array {
  return (t.data as Float32Array | Float64Array).subarray(t.offset, t.offset + t.size);
}

/**
 * Layer normalisation's forward over the last `axes` axes of `x` (D values per row, R rows):
 * `y = (x − μ)·invStd·weight + bias` with μ and σ² each row's mean and biased variance (two
 * passes, accumulated in float64) and `invStd = 1 / √(σ² + eps)`. `weight` and `bias` hold D values
 * (the normalised shape) or are null (1 and 0). Any layout of `x` is read; the output is
 * contiguous, of x's dtype.
 *
 * @throws ShapeError when `axes` is not in 1..ndim or a weight or bias does not hold D values.
 * @throws DTypeError when `x`, the weight or the bias is not float.
 * @example
 * ```ts
 * import { layerNormForward, tensor } from "@strata/tensor";
 * const x = tensor([[1, 3], [10, 14]], { dtype: "float64" });
 * console.log(layerNormForward(x, 1, tensor([1, 2]), tensor([0, 1]), 0).output.toArray()); // [[-1, 3], [-1, 3]]
 * ```
 */
export function layerNormForward(x: Tensor, axes: number, weight: Tensor | null, bias: Tensor | null, eps: number): LayerNormForward {
  const op = "layerNormForward";
  const { r, d } = rows(op, x, axes);
  const [w, b, xc] = [affine(op, "weight", weight, d), affine(op, "bias", bias, d), x.contiguous()];
  const mean = new Float64Array(r);
  const invStd = new Float64Array(r);
  const out = allocate(x.dtype, x.size, op) as Float32Array | Float64Array;
  compute(() => {
    const gamma = w === null ? null : valuesOf(w, d, 1);
    const beta = b === null ? null : valuesOf(b, d, 0);
    const xs = view(xc);
    for (let i = 0; i < r; i++) {
      const base = i * d;
      let acc = 0;
      for (let k = base; k < base + d; k++) acc += xs[k]!;
      const mu = acc / d;
      // the second pass over the centred values, exact where Σx² − d·μ² cancels
      let sq = 0;
      for (let k = base; k < base + d; k++) {
        const c = xs[k]! - mu;
        sq += c * c;
      }
      const inv = 1 / Math.sqrt(sq / d + eps);
      mean[i] = mu;
      invStd[i] = inv;
      if (gamma === null && beta === null) {
        for (let k = base; k < base + d; k++) out[k] = (xs[k]! - mu) * inv;
      } else {
        for (let j = 0; j < d; j++) out[base + j] = (xs[base + j]! - mu) * inv * (gamma === null ? 1 : gamma[j]!) + (beta === null ? 0 : beta[j]!);
      }
    }
  });
  return { output: new Tensor(out, x.shape), mean: new Tensor(mean, [r]), invStd: new Tensor(invStd, [r]) };
}

/**
 * Layer normalisation's first-order backward in closed form over the last `axes` axes of `x`,
 * with `x̂ = (x − mean)·invStd` and `g` = dL/dy, per row of D values: `dx = invStd·(gγ − Σ(gγ)/D −
 * x̂·Σ(gγ·x̂)/D)` (when `inputGrad`), and over the rows `dγ = Σ g·x̂`, `dβ = Σ g`. `mean` and
 * `invStd` are {@link layerNormForward}'s; `weight` null means γ = 1. Sums in float64.
 *
 * @throws ShapeError when `grad` and `x` differ in shape or the statistics are not one per row.
 * @throws DTypeError when `x` is not float or `grad`'s dtype differs from x's.
 * @example
 * ```ts
 * import { layerNormBackward, layerNormForward, tensor } from "@strata/tensor";
 * const x = tensor([[1, 3]], { dtype: "float64" });
 * const { mean, invStd } = layerNormForward(x, 1, null, null, 0); // x̂ = [-1, 1]
 * const g = layerNormBackward(tensor([[2, 6]], { dtype: "float64" }), x, 1, mean, invStd, tensor([1, 1], { dtype: "float64" }));
 * console.log(g.input?.toArray(), g.weight.toArray(), g.bias.toArray()); // [[0, 0]] [-2, 6] [2, 6]
 * ```
 */
export function layerNormBackward(
  grad: Tensor, x: Tensor, axes: number, mean: Tensor, invStd: Tensor, weight: Tensor | null, inputGrad = true,
): LayerNormGradients {
  const op = "layerNormBackward";
  const { r, d } = rows(op, x, axes);
  if (grad.shape.length !== x.shape.length || grad.shape.some((n, k) => n !== x.shape[k])) {
    throw new ShapeError(`${op}: grad ${formatShape(grad.shape)} and x ${formatShape(x.shape)} must have the same shape`);
  }
  if (grad.dtype !== x.dtype) throw new DTypeError(`${op}: grad is ${grad.dtype} but x is ${x.dtype}; expected the same float dtype`);
  if (mean.size !== r || invStd.size !== r) throw new ShapeError(`${op}: expected mean and invStd of ${r} values (one per row), got ${formatShape(mean.shape)} and ${formatShape(invStd.shape)}`);
  const w = affine(op, "weight", weight, d);
  const [xc, gc, mc, ic] = [x.contiguous(), grad.contiguous(), mean.contiguous(), invStd.contiguous()];
  const out = inputGrad ? (allocate(x.dtype, x.size, op) as Float32Array | Float64Array) : null;
  const weightGrad = allocate(x.dtype, d, op) as Float32Array | Float64Array;
  const biasGrad = allocate(x.dtype, d, op) as Float32Array | Float64Array;
  compute(() => {
    const gamma = valuesOf(w, d, 1);
    const [xs, gs, mu, inv] = [view(xc), view(gc), view(mc), view(ic)];
    // the parameter gradients sum over rows: fresh zeros on every run
    const dWeight = new Float64Array(d);
    const dBias = new Float64Array(d);
    for (let i = 0; i < r; i++) {
      const base = i * d;
      const [m0, s] = [mu[i]!, inv[i]!];
      let sumG = 0; // Σ gγ
      let sumGX = 0; // Σ gγ·x̂
      for (let j = 0; j < d; j++) {
        const gk = gs[base + j]!;
        const xh = (xs[base + j]! - m0) * s;
        dWeight[j] = dWeight[j]! + gk * xh;
        dBias[j] = dBias[j]! + gk;
        const gg = gk * gamma[j]!;
        sumG += gg;
        sumGX += gg * xh;
      }
      if (out !== null) {
        const [shift, slope] = [sumG / d, sumGX / d];
        for (let j = 0; j < d; j++) out[base + j] = s * (gs[base + j]! * gamma[j]! - shift - (xs[base + j]! - m0) * s * slope);
      }
    }
    weightGrad.set(dWeight);
    biasGrad.set(dBias);
  });
  return { input: out === null ? null : new Tensor(out, x.shape), weight: new Tensor(weightGrad, [d]), bias: new Tensor(biasGrad, [d]) };
}
