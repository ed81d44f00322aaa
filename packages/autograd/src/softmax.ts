// softmax and logSoftmax as single recorded ops. The forward is the stable formula (shifted by the
// slice maximum) on the tensor package's dispatched kernels, whose exp is WebAssembly SIMD: the
// fused T.softmax calls Math.exp per element and was three times slower on (128, 64, 64). The
// backward is the closed form, written with autograd ops on the saved output so that it
// differentiates again to any order; a first-order backward evaluates it on the values alone.
import * as T from "@strata/tensor";
import { ValueError, formatShape, normalizeAxes, type Tensor } from "@strata/tensor";
import { exp, mul } from "./elementwise.js";
import { sub } from "./composites.js";
import { maxShift } from "./max-shift.js";
import { sum } from "./structural.js";
import { defineFunction } from "./function.js";
import { isGradEnabled } from "./mode.js";
import { asVariable } from "./record.js";
import type { Operand, Variable } from "./variable.js";
import { tracedCall } from "./trace.js";

type Kind = "softmax" | "logSoftmax";

/** The required `axis` of softmax and logSoftmax, as the tensor package checks it. */
function requiredAxis(op: Kind, x: Variable, options: { axis: number } | undefined): number {
  const axis: unknown = options?.axis;
  if (typeof axis !== "number") {
    throw new ValueError(`${op}: axis is required for shape ${formatShape(x.shape)}, got ${String(axis)}; there is no default because examples are columns, so class scores usually lie along axis 0`);
  }
  return normalizeAxes(op, axis, x.ndim)[0]!;
}

/** The recorded op of `kind` along `axis` (already checked by the forward kernel). */
function normalizeOp(kind: Kind, axis: number): (x: Operand) => Variable {
  return defineFunction({
    name: kind,
    forward(ctx, x) {
      const xt = x as Tensor;
      const keep = { axis, keepDims: true };
      const shifted = T.sub(xt, maxShift(xt, [axis]));
      const e = T.exp(shifted);
      const y = kind === "softmax" ? T.div(e, T.sum(e, keep)) : T.sub(shifted, T.log(T.sum(e, keep)));
      ctx.save(y);
      return y;
    },
    backward(ctx, g) {
      const y = ctx.saved[0]!;
      // softmax:    dx = y ⊙ (g − Σ_axis g ⊙ y)
      // logSoftmax: dx = g − exp(y) ⊙ Σ_axis g      (exp(y) = softmax(x))
      const keep = { axis, keepDims: true };
      if (!isGradEnabled()) {
        const [gt, yt] = [g.data, y.data];
        return [kind === "softmax" ? T.mul(yt, T.sub(gt, T.sum(T.mul(gt, yt), keep))) : T.sub(gt, T.mul(T.exp(yt), T.sum(gt, keep)))];
      }
      return [kind === "softmax" ? mul(y, sub(g, sum(mul(g, y), keep))) : sub(g, mul(exp(y), sum(g, keep)))];
    },
  });
}

/**
 * `yᵢ = exp(xᵢ) / Σⱼ exp(xⱼ)` along `axis` (required), recorded as one op. The forward is
 * shifted by the slice maximum `m` (a constant; 0 where it is not finite): stable for inputs of
 * ±1e4, an empty slice stays empty. The backward is the closed form
 * `dx = y ⊙ (g − Σ_axis g ⊙ y)`, written with autograd ops on the output, so derivatives of every
 * order exist (`∂yᵢ/∂xⱼ = yᵢ(δᵢⱼ − yⱼ)`). Shape: `x`'s; int32 and bool give float32.
 * @throws ValueError when `axis` is missing, out of range, or not an integer.
 * @example
 * ```ts
 * import { softmax, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const x = variable([[0, 0], [0, Math.log(3)]], { requiresGrad: true, dtype: "float64" });
 * const p = softmax(x, { axis: 1 });
 * console.log(p.data.allClose(tensor([[0.5, 0.5], [0.25, 0.75]]))); // true
 * p.backward(tensor([[1, 0], [1, 0]], { dtype: "float64" })); // ∂p₀/∂x = p₀(δ₀ⱼ − pⱼ)
 * console.log(x.grad?.allClose(tensor([[0.25, -0.25], [0.1875, -0.1875]], { dtype: "float64" }))); // true
 * ```
 */
export function softmax(x: Operand, options: { axis: number }): Variable {
  const v = asVariable(x);
  const axis = requiredAxis("softmax", v, options);
  return tracedCall("op", "softmax", [v], { axis }, () => normalizeOp("softmax", axis)(v));
}

/**
 * `x − logSumExp(x)` along `axis` (required), the log of {@link softmax}, recorded as one op.
 * The forward is `(x − m) − log Σ exp(x − m)` with `m` the slice maximum taken as a constant, so
 * large terms cancel exactly before rounding and every finite input gives a finite result
 * (float32 logits `[1e6, 1e6-1, 1e6-2]` give `-0.40760595` at the first, exactly -0.4076059644…,
 * not the `-0.4375` that `x - logSumExp(x)` rounds to). The backward is the closed form `dx = g − softmax(x) ⊙ Σ_axis g`, with
 * `softmax(x) = exp(y)` read from the output, written with autograd ops so derivatives of every
 * order exist (`∂yᵢ/∂xⱼ = δᵢⱼ − softmax(x)ⱼ`). Shape: `x`'s (an empty slice stays empty).
 * @throws ValueError when `axis` is missing, out of range, or not an integer.
 * @example
 * ```ts
 * import { logSoftmax, variable } from "@strata/autograd";
 * console.log(logSoftmax(variable([0, 0], { dtype: "float64" }), { axis: 0 }).toArray()); // [-0.6931471805599453, -0.6931471805599453]
 * console.log(logSoftmax(variable([1e6, 1e6 - 1, 1e6 - 2]), { axis: 0 }).toArray()); // [-0.40760594606399536, -1.4076058864593506, -2.4076058864593506]
 * ```
 */
export function logSoftmax(x: Operand, options: { axis: number }): Variable {
  const v = asVariable(x);
  const axis = requiredAxis("logSoftmax", v, options);
  return tracedCall("op", "logSoftmax", [v], { axis }, () => normalizeOp("logSoftmax", axis)(v));
}
