// Inverted dropout as PyTorch's F.dropout and F.dropout2d: a mask drawn from a seeded generator,
// multiplied in as a constant, so the gradient is the same mask.
import * as T from "@strata/tensor";
import { DTypeError, Rng, ShapeError, ValueError, formatShape, isFloatDType, type Tensor } from "@strata/tensor";
import { mul } from "./elementwise.js";
import { asVariable } from "./record.js";
import type { Operand, Variable } from "./variable.js";
import { tracedCall } from "./trace.js";

/**
 * Options of {@link dropout} and {@link dropout2d}, as PyTorch's `F.dropout(input, p, training)`:
 * the probability `p` of zeroing (default 0.5), `training` (default true; false passes the input
 * through) and the generator the mask is drawn from (default: the default stream, see
 * `manualSeed`).
 *
 * @example
 * ```ts
 * import { dropout, variable, type DropoutOptions } from "@strata/autograd";
 * import { ones, rng } from "@strata/tensor";
 * const options: DropoutOptions = { p: 0.25, rng: rng(0) };
 * console.log(dropout(variable(ones([8])), options).toArray()); // [1.3333333730697632, 1.3333333730697632, 0, 1.3333333730697632, 1.3333333730697632, 0, 1.3333333730697632, 1.3333333730697632]
 * ```
 */
export interface DropoutOptions {
  /** The probability of zeroing an element (a channel, for dropout2d), in [0, 1] (default 0.5). */
  p?: number;
  /** Apply dropout (default true); false returns the input unchanged. */
  training?: boolean;
  /** The generator the mask is drawn from (default: the default stream). */
  rng?: Rng;
}

/** The checked p, training and generator. */
function settings(op: string, options: DropoutOptions): { p: number; training: boolean; rng: Rng | undefined } {
  const { p = 0.5, training = true, rng } = options;
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`${op}: p must be a probability in [0, 1], got ${String(p)}`);
  if (typeof training !== "boolean") throw new ValueError(`${op}: training must be true or false, got ${String(training)}`);
  if (rng !== undefined && !(rng instanceof Rng)) throw new ValueError(`${op}: options.rng must be an Rng from rng(seed), got ${typeof rng}`);
  // no generator: the mask reads the default stream when its work runs (manualSeed replaces it)
  return { p, training, rng };
}

/**
 * The mask of `shape` in `dtype`: each element, drawn uniform in [0, 1) in float64 and row-major
 * order, is kept (scaled by 1/(1 − p)) when below 1 − p, else 0.
 */
function mask(shape: readonly number[], p: number, dtype: Tensor["dtype"], g: Rng | undefined): Tensor {
  return T.dropoutMask(shape, p, g, dtype as "float32" | "float64");
}

/**
 * Inverted dropout, as PyTorch's `F.dropout`: in training each element of `x` is zeroed with
 * probability `p` and the others scaled by `1/(1 − p)`, so the expected output is `x`:
 * `y = x ⊙ m / (1 − p)` with `m` independent Bernoulli(1 − p) draws (`p = 1` zeroes everything).
 * The gradient is the same mask. With `training: false` or `p = 0`, `x` is returned as is.
 * The mask takes one float64 draw per element in row-major order from `rng`, so a seed fixes it.
 * Shape and dtype: `x`'s.
 * @throws ValueError when p is not in [0, 1], training is not a boolean, or rng is not an Rng.
 * @throws DTypeError when `x` is not float.
 * @example
 * ```ts
 * import { dropout, variable } from "@strata/autograd";
 * import { ones, rng } from "@strata/tensor";
 * const x = variable(ones([2, 4], { dtype: "float64" }), { requiresGrad: true });
 * const y = dropout(x, { p: 0.5, rng: rng(3) });
 * y.sum().backward();
 * console.log(y.toArray()); // [[2, 0, 2, 0], [0, 0, 2, 0]]
 * console.log(x.grad?.toArray()); // [[2, 0, 2, 0], [0, 0, 2, 0]]
 * console.log(dropout(x, { training: false }) === x); // true
 * ```
 */
export function dropout(x: Operand, options: DropoutOptions = {}): Variable {
  const { p, training, rng } = settings("dropout", options);
  const v = asVariable(x);
  if (!isFloatDType(v.dtype)) throw new DTypeError(`dropout: x is ${v.dtype}; expected float32 or float64`);
  if (!training || p === 0) return v;
  return tracedCall("op", "dropout", [v], { p, training }, () => mul(v, mask(v.shape, p, v.dtype, rng)));
}

/**
 * Channel dropout, as PyTorch's `F.dropout2d` on `(N, C, H, W)` input: in training each channel
 * `x[n, c]` (all H·W of its values) is zeroed with probability `p` and the kept channels are
 * scaled by `1/(1 − p)`; `y = x ⊙ m[n, c] / (1 − p)` with `m` of shape `(N, C, 1, 1)`. Neighbouring
 * pixels are strongly correlated, so zeroing them one by one would barely regularise a
 * convolution; zeroing a channel does. The gradient is the same mask. With `training: false` or
 * `p = 0`, `x` is returned as is. The mask takes one float64 draw per channel, `n` major. Shape
 * and dtype: `x`'s. Only 4-D input is accepted: PyTorch 1.13 reads 3-D input as `(N, C, L)` with a
 * deprecation warning, where later versions read `(C, H, W)`, so Strata asks for the batch axis
 * (`x.unsqueeze(0)`) instead of guessing.
 * @throws ShapeError when `x` is not 4-D.
 * @throws ValueError when p is not in [0, 1], training is not a boolean, or rng is not an Rng.
 * @throws DTypeError when `x` is not float.
 * @example
 * ```ts
 * import { dropout2d, variable } from "@strata/autograd";
 * import { ones, rng } from "@strata/tensor";
 * const y = dropout2d(variable(ones([1, 3, 2, 2])), { p: 0.5, rng: rng(3) }); // N = 1, C = 3
 * console.log(y.sum({ axis: [2, 3] }).toArray()); // [[8, 0, 8]]
 * console.log(y.data.slice(0, 0).toArray()); // [[2, 2], [2, 2]]
 * ```
 */
export function dropout2d(x: Operand, options: DropoutOptions = {}): Variable {
  const { p, training, rng } = settings("dropout2d", options);
  const v = asVariable(x);
  if (v.ndim !== 4) {
    const hint = v.ndim === 3 ? `; for one image (C, H, W) add the batch axis: x.unsqueeze(0)` : v.ndim === 2 ? `; for (N, C) features use dropout` : "";
    throw new ShapeError(`dropout2d: expected input (N, C, H, W), got ${formatShape(v.shape)}${hint}`);
  }
  if (!isFloatDType(v.dtype)) throw new DTypeError(`dropout2d: x is ${v.dtype}; expected float32 or float64`);
  if (!training || p === 0) return v;
  return tracedCall("op", "dropout2d", [v], { p, training }, () => mul(v, mask([v.shape[0]!, v.shape[1]!, 1, 1], p, v.dtype, rng)));
}
