// Gradient clipping by the total norm over all parameters (PyTorch's clip_grad_norm_).
import { Variable } from "@strata/autograd";
import { ValueError, compute, mulInPlace, refuseRecording } from "@strata/tensor";
import { flat } from "./optimizer.js";

/**
 * Options of {@link clipGradNorm}.
 *
 * @example
 * ```ts
 * import type { ClipGradNormOptions } from "@strata/optim";
 * const options: ClipGradNormOptions = { normType: Infinity };
 * console.log(options.normType); // Infinity
 * ```
 */
export interface ClipGradNormOptions {
  /** Which norm: 2 (default, Euclidean), 1 (sum of absolute values) or `Infinity` (largest absolute value). */
  normType?: 1 | 2 | typeof Infinity;
}

/**
 * Rescales the gradients of `params` so that their total norm is at most `maxNorm`, and returns
 * the total norm from before. The total norm treats all gradients as one vector (the norm of the
 * per-parameter norms), computed in float64. When it exceeds `maxNorm`, every gradient is
 * multiplied in place by `maxNorm / (total + 1e-6)` (PyTorch's factor); otherwise nothing changes.
 * Parameters with a null gradient are skipped; a parameter listed twice counts once. In a
 * compiled step the norm and the scaling are one piece of work: each replay measures and clips
 * the new gradients (the number returned is the recorded call's).
 *
 * @throws ValueError for a maxNorm that is not a finite number >= 0, a normType other than 1, 2 or
 *   Infinity, or a non-finite total norm (a NaN or infinite gradient): nothing is changed then,
 *   like PyTorch with `error_if_nonfinite=True`.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { tensor, type Tensor } from "@strata/tensor";
 * import { clipGradNorm } from "@strata/optim";
 * const a = variable([0, 0], { requiresGrad: true });
 * const b = variable([0], { requiresGrad: true });
 * a.grad = tensor([3, 0]);
 * b.grad = tensor([4]);
 * const total = clipGradNorm([a, b], 1); // ‖(3, 0, 4)‖ = 5, scaled by 1/(5 + 1e-6)
 * const fixed = (t: Tensor | null) => Array.from(t!.toTypedArray(), (x) => x.toFixed(4));
 * console.log(total, fixed(a.grad), fixed(b.grad)); // 5 ["0.6000", "0.0000"] ["0.8000"]
 * ```
 */
export function clipGradNorm(params: Variable | Iterable<Variable>, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const normType = options.normType ?? 2;
  if (typeof maxNorm !== "number" || !Number.isFinite(maxNorm) || maxNorm < 0) {
    throw new ValueError(`clipGradNorm: maxNorm must be a finite number >= 0, got ${String(maxNorm)}`);
  }
  if (normType !== 1 && normType !== 2 && normType !== Infinity) {
    throw new ValueError(`clipGradNorm: normType must be 1, 2 or Infinity, got ${String(normType)}`);
  }
  const list = params instanceof Variable ? [params] : [...new Set(params)];
  list.forEach((p, i) => {
    if (!(p instanceof Variable)) throw new ValueError(`clipGradNorm: parameter ${i} is not a Variable, got ${String(p)}`);
  });
  let total = 0;
  // One piece of work: a replay of a compiled step measures the new gradients and scales them by
  // their own norm (the value returned is the recorded call's).
  compute(() => {
    total = clip(list, maxNorm, normType);
  });
  return total;
}

/** The total norm of the gradients of `list`, which are scaled in place when it is above maxNorm. */
function clip(list: readonly Variable[], maxNorm: number, normType: number): number {
  const withGrad = list.filter((p) => p.grad !== null);
  let acc = 0;
  for (const p of withGrad) {
    const g = flat(p.grad!.contiguous());
    if (normType === 2) for (let i = 0; i < g.length; i++) acc += g[i]! * g[i]!;
    else if (normType === 1) for (let i = 0; i < g.length; i++) acc += Math.abs(g[i]!);
    else for (let i = 0; i < g.length; i++) acc = Math.max(acc, Math.abs(g[i]!));
  }
  const total = normType === 2 ? Math.sqrt(acc) : acc;
  if (!Number.isFinite(total)) {
    throw new ValueError(
      `clipGradNorm: the total ${normType}-norm of the gradients of ${withGrad.length} parameters is ${total}, so they cannot be clipped; nothing was changed (look for a NaN or infinite gradient, e.g. a log of 0 or a too large learning rate)`,
    );
  }
  if (total > maxNorm) {
    const scale = maxNorm / (total + 1e-6);
    for (const p of withGrad) {
      const g = p.grad!;
      // A broadcast gradient (stride 0) cannot be scaled in place: replace it by a scaled copy,
      // which a replay would not see (the next op holds the old one).
      if (g.shape.some((n, ax) => n > 1 && g.strides[ax] === 0)) {
        refuseRecording("clipGradNorm: a broadcast gradient (stride 0) is replaced by a scaled copy, which a replay would not hand on");
        p.grad = g.mul(scale);
      } else {
        mulInPlace(g, scale);
      }
    }
  }
  return total;
}
