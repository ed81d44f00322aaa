// Special functions, elementwise. Their kernels run on the TypeScript backend only (the dispatcher
// asks WebAssembly first, which declines ops it has no code for).
import type { Tensor } from "./tensor.js";
import type { TensorLike } from "./elementwise.js";
import { unary } from "./apply.js";

/**
 * The error function `erf(x) = 2/√π ∫₀ˣ e^(−t²) dt`, elementwise: odd, increasing from −1 to 1,
 * with `erf(x) = 1` exactly from `x ≥ 6` on (and −1 below −6), NaN for NaN. In float64 it is
 * within a few units in the last place (relative error below 2e-15), with no table of
 * coefficients: a series of positive terms below |x| = 2.5 and the continued fraction of
 * `erfc` above. Used by the exact GELU, `x·Φ(x)` with `Φ(x) = (1 + erf(x/√2))/2`. Shape as `x`;
 * dtype: float32 and float64 stay, int32 and bool give float32.
 * @throws DTypeError when `x` is neither a Tensor nor a number.
 * @example
 * ```ts
 * import { erf, tensor } from "@strata/tensor";
 * console.log(erf(tensor([0, 0.5, -1, 6], { dtype: "float64" })).toArray()); // [0, 0.5204998778130465, -0.8427007929497149, 1]
 * ```
 */
export function erf(x: TensorLike): Tensor { return unary("erf", x, "float"); }
