// Batch normalisation as PyTorch's F.batch_norm: its arguments checked, one op (fast kernels,
// with the composite's gradients when a backward is recorded), and the running statistics
// updated in place on plain tensors, outside the graph, by the forward kernel's own work (so a
// replayed step advances them as an eager one does).
import * as T from "@strata/tensor";
import { DTypeError, ShapeError, Tensor, ValueError, formatShape, isFloatDType } from "@strata/tensor";
import { batchNormOp } from "./batch-norm-op.js";
import { asVariable } from "./record.js";
import { Variable, type Operand } from "./variable.js";
import { tracedCall } from "./trace.js";

/**
 * Options of {@link batchNorm}, as PyTorch's `F.batch_norm(..., training, momentum, eps)`:
 * `training` (default false) normalises by the batch's statistics and updates the running ones;
 * `momentum` (default 0.1) weighs the new batch in the running averages; `eps` (default 1e-5) is
 * added to the variance before its square root.
 *
 * @example
 * ```ts
 * import { batchNorm, variable, type BatchNormOptions } from "@strata/autograd";
 * import { ones, zeros } from "@strata/tensor";
 * const runningMean = zeros([1]);
 * const options: BatchNormOptions = { training: true, momentum: 0.5 };
 * batchNorm(variable([[1], [3]]), runningMean, ones([1]), null, null, options);
 * console.log(runningMean.toArray()); // [1]
 * ```
 */
export interface BatchNormOptions {
  /** Normalise by the batch's statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /**
   * The weight of the batch in `running = (1 − momentum)·running + momentum·batch`, in [0, 1]
   * (default 0.1), or a function returning it, called each time the update runs (on every replay
   * of a compiled step too). PyTorch's `momentum=None` (a cumulative average) is what its layer
   * does by passing `() => 1 / numBatchesTracked` here.
   */
  momentum?: number | (() => number);
  /** Added to the variance for stability, ≥ 0 (default 1e-5). */
  eps?: number;
}

/** A parameter or buffer of one value per channel: absent, or a 1-D tensor of length C. */
function checkPerChannel(name: string, value: unknown, x: Variable, c: number, kind: "tensor" | "operand"): void {
  if (value === null || value === undefined) return;
  const ok = kind === "tensor" ? value instanceof Tensor : value instanceof Tensor || value instanceof Variable;
  if (!ok) {
    const wanted = kind === "tensor" ? "a Tensor or null" : "a Variable, a Tensor or null";
    throw new ValueError(`batchNorm: ${name} must be ${wanted}, got ${typeof value === "object" ? (value.constructor?.name ?? "an object") : typeof value}`);
  }
  const t = value as Tensor | Variable;
  if (t.ndim !== 1 || t.shape[0] !== c) {
    throw new ShapeError(`batchNorm: ${name} has shape ${formatShape(t.shape)}; expected (${c}), one value per channel of input ${formatShape(x.shape)} (channels are axis 1)`);
  }
  if (t.dtype !== x.dtype) throw new DTypeError(`batchNorm: ${name} is ${t.dtype} but the input is ${x.dtype}; expected the same float dtype`);
}

/**
 * Batch normalisation over the channels (axis 1) of `x`, shaped `(N, C)`, `(N, C, L)` or
 * `(N, C, H, W)` (any rank ≥ 2), as PyTorch's `F.batch_norm`:
 * `y = (x − μ) / √(σ² + eps) · weight + bias`, with μ and σ² per channel, over the batch and
 * spatial axes (`n = N·L` or `N·H·W` values each). In training, μ and σ² are the batch's mean and
 * *biased* variance (divided by n), and `runningMean`/`runningVar`, when given, are updated in
 * place, outside the graph: `running = (1 − momentum)·running + momentum·batch` with the batch's
 * mean and its *unbiased* variance (divided by n − 1), as PyTorch does. Null running tensors (a
 * layer with `trackRunningStats: false`) are left alone. In evaluation (`training: false`, the
 * default) μ and σ² are the running statistics, which are constants. `weight` (γ) and `bias` (β),
 * of shape `(C)`, are optional (absent: 1 and 0). Gradients flow to `x`, `weight` and `bias`;
 * running tensors never get any. The forward and a first-order backward run whole-tensor kernels
 * (sums in float64; dx in closed form, `γ/σ·(g − mean(g) − x̂·mean(g·x̂))` in training); a
 * backward recorded with `createGraph` gives the gradients of the same formula composed from
 * primitives, so they differentiate again.
 * Shape and dtype: `x`'s.
 * @throws ShapeError when `x` has fewer than 2 axes, or a per-channel tensor is not `(C)`.
 * @throws DTypeError when `x` is not float, or a per-channel tensor's dtype differs from `x`'s.
 * @throws ValueError when training on a single value per channel (its variance is undefined), when
 *   evaluating without running statistics, when only one running tensor is given, or for a
 *   momentum outside [0, 1] or a negative eps.
 * @example
 * ```ts
 * import { batchNorm, variable } from "@strata/autograd";
 * import { ones, tensor, zeros } from "@strata/tensor";
 * const x = variable([[1, 10], [3, 14]], { dtype: "float64", requiresGrad: true }); // N = 2, C = 2
 * const runningMean = zeros([2], { dtype: "float64" });
 * const runningVar = ones([2], { dtype: "float64" });
 * // the batch's means [2, 12] and biased variances [1, 4]
 * const y = batchNorm(x, runningMean, runningVar, tensor([1, 3], { dtype: "float64" }), null, { training: true, eps: 0 });
 * console.log(y.toArray()); // [[-1, -3], [1, 3]]
 * // the running statistics moved 10% of the way towards the mean and the unbiased variances [2, 8]
 * console.log(runningMean.toArray(), runningVar.toArray()); // [0.2, 1.2000000000000002] [1.1, 1.7000000000000002]
 * const z = batchNorm(x, runningMean, runningVar, null, null, { eps: 0 }); // evaluation
 * console.log(z.toArray()); // [[0.7627700713964738, 6.74929190185686], [2.669695249887658, 9.817151857246342]]
 * ```
 */
export function batchNorm(
  x: Operand, runningMean: Tensor | null | undefined, runningVar: Tensor | null | undefined,
  weight?: Operand | null, bias?: Operand | null, options: BatchNormOptions = {},
): Variable {
  const v = asVariable(x);
  const { training = false, momentum = 0.1, eps = 1e-5 } = options;
  if (v.ndim < 2) throw new ShapeError(`batchNorm: expected input (N, C), (N, C, L) or (N, C, H, W), got ${formatShape(v.shape)}`);
  if (!isFloatDType(v.dtype)) throw new DTypeError(`batchNorm: input is ${v.dtype}; expected float32 or float64`);
  const c = v.shape[1]!;
  checkPerChannel("runningMean", runningMean, v, c, "tensor");
  checkPerChannel("runningVar", runningVar, v, c, "tensor");
  checkPerChannel("weight", weight, v, c, "operand");
  checkPerChannel("bias", bias, v, c, "operand");
  if ((runningMean == null) !== (runningVar == null)) {
    throw new ValueError(`batchNorm: pass both runningMean and runningVar, or neither; got only ${runningMean == null ? "runningVar" : "runningMean"}`);
  }
  if (typeof training !== "boolean") throw new ValueError(`batchNorm: training must be true or false, got ${String(training)}`);
  if (typeof momentum !== "function" && (typeof momentum !== "number" || !(momentum >= 0 && momentum <= 1))) {
    throw new ValueError(`batchNorm: momentum must be a number in [0, 1], got ${String(momentum)} (or a function returning one when the update runs)`);
  }
  if (typeof eps !== "number" || !(eps >= 0) || !Number.isFinite(eps)) throw new ValueError(`batchNorm: eps must be a finite number >= 0, got ${String(eps)}`);

  const n = v.size / Math.max(c, 1);
  if (training && n <= 1) {
    throw new ValueError(`batchNorm: expected more than 1 value per channel when training, got input ${formatShape(v.shape)}; the variance of one value is undefined`);
  }
  if (!training && (!runningMean || !runningVar)) {
    throw new ValueError(`batchNorm: training is false but runningMean and runningVar are null; evaluation normalises by the running statistics (pass training: true to use the batch's)`);
  }
  const inputs = [v, runningMean ?? null, runningVar ?? null, weight ?? null, bias ?? null];
  return tracedCall("op", "batchNorm", inputs, { training, momentum, eps }, () => normalized(v, runningMean, runningVar, weight, bias, { training, momentum, eps }));
}

function normalized(
  v: Variable, runningMean: Tensor | null | undefined, runningVar: Tensor | null | undefined, weight: Operand | null | undefined, bias: Operand | null | undefined,
  { training, momentum, eps }: Required<Pick<BatchNormOptions, "training" | "momentum" | "eps">>,
): Variable {
  // evaluation's statistics are copied, so that a later update in place leaves this backward alone
  const statistics = training ? null : { mean: runningMean!.clone(), variance: runningVar!.clone() };
  const running = training && runningMean && runningVar ? { mean: runningMean, variance: runningVar, momentum } : null;
  const y = batchNormOp(v, weight ?? null, bias ?? null, statistics, eps, running);
  // the kernel wrote them in place: count the writes, as assign would have
  if (running !== null) {
    T.bumpVersion(running.mean);
    T.bumpVersion(running.variance);
  }
  return y;
}
