// PyTorch's BatchNorm1d and BatchNorm2d as layers over the functional batchNorm of
// @strata/autograd: parameters weight and bias, buffers running_mean, running_var and
// num_batches_tracked (int32, see the modules guide), training and evaluation as PyTorch's.
import { batchNorm, variable, Variable, type Operand } from "@strata/autograd";
import { ShapeError, ValueError, bumpVersion, compute, guard, ones, zeros, type DType } from "@strata/tensor";
import { field } from "./config-fields.js";
import { checkParamOptions } from "./init.js";
import { layerInput, shapeText } from "./layer-input.js";
import { asLayer, layerLabel } from "./layer-position.js";
import { pyValue } from "./layer-repr.js";
import { layerEntry, type StateShape } from "./layer-type.js";
import { checkCount, checkFlag } from "./linear.js";
import { Module } from "./module.js";
import { guardTraining } from "./training-guard.js";

/**
 * Options of {@link BatchNorm1d} and {@link BatchNorm2d}, PyTorch's arguments in camelCase:
 * `eps` (default 1e-5) added to the variance; `momentum` (default 0.1) the weight of each batch
 * in the running averages, or null for their cumulative average (PyTorch's `momentum=None`);
 * `affine` (default true) learns weight and bias; `trackRunningStats` (default true) keeps the
 * running statistics (without them the batch's are used in evaluation too); `dtype`.
 *
 * @example
 * ```ts
 * import { BatchNorm2d, type BatchNormLayerOptions } from "@strata/nn";
 * const options: BatchNormLayerOptions = { momentum: null, affine: false };
 * console.log(String(new BatchNorm2d(8, options))); // BatchNorm2d(8, eps=1e-05, momentum=null, affine=false, trackRunningStats=true)
 * ```
 */
export interface BatchNormLayerOptions {
  /** Added to the variance before its square root, ≥ 0 (default 1e-5). */
  eps?: number;
  /** The weight of each batch in the running averages, in [0, 1], or null for a cumulative average (default 0.1). */
  momentum?: number | null;
  /** Learn a per-channel scale `weight` and shift `bias` (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true). */
  trackRunningStats?: boolean;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/** What BatchNorm1d and BatchNorm2d share: only the accepted input ranks differ. */
abstract class BatchNormNd extends Module<[Operand], Variable> {
  /** γ, one scale per channel (numFeatures), or null when not affine. */
  readonly weight: Variable | null;
  /** β, one shift per channel (numFeatures), or null when not affine. */
  readonly bias: Variable | null;
  /** The number of channels C. */
  readonly numFeatures: number;
  /** Added to the variance. */
  readonly eps: number;
  /** The running averages' momentum, or null for a cumulative average. */
  readonly momentum: number | null;
  /** Whether weight and bias are learned. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;

  constructor(layer: string, numFeatures: number, options: BatchNormLayerOptions) {
    super();
    this.numFeatures = checkCount(layer, "numFeatures", numFeatures);
    const { eps = 1e-5, momentum = 0.1 } = options;
    if (typeof eps !== "number" || !Number.isFinite(eps) || eps < 0) throw new ValueError(`${layer}: eps must be a finite number ≥ 0, got ${String(eps)}`);
    if (momentum !== null && (typeof momentum !== "number" || !(momentum >= 0 && momentum <= 1))) {
      throw new ValueError(`${layer}: momentum must be a number in [0, 1] or null (a cumulative average), got ${String(momentum)}`);
    }
    this.eps = eps;
    this.momentum = momentum;
    this.affine = checkFlag(layer, "affine", options.affine ?? true);
    this.trackRunningStats = checkFlag(layer, "trackRunningStats", options.trackRunningStats ?? true);
    const { dtype } = checkParamOptions(layer, { ...(options.dtype !== undefined && { dtype: options.dtype }) });
    this.weight = this.affine ? variable(ones([numFeatures], { dtype }), { requiresGrad: true, name: "weight" }) : null;
    this.bias = this.affine ? variable(zeros([numFeatures], { dtype }), { requiresGrad: true, name: "bias" }) : null;
    const track = this.trackRunningStats;
    this.registerBuffer("running_mean", track ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer("running_var", track ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer("num_batches_tracked", track ? zeros([], { dtype: "int32" }) : null);
  }

  /** The ranks this layer takes and how its message names them. */
  protected abstract readonly layouts: { ranks: readonly number[]; text: string };

  /**
   * Normalises x per channel (axis 1): in training by the batch's mean and biased variance,
   * updating the running statistics (and num_batches_tracked); in evaluation by the running ones
   * (by the batch's when trackRunningStats is false).
   */
  forward(x: Operand): Variable {
    const dtype = (this.weight ?? { dtype: this.getBuffer("running_mean")?.dtype ?? (x as Variable).dtype }).dtype as DType;
    const v = layerInput(this, x, dtype);
    const { ranks, text } = this.layouts;
    if (!ranks.includes(v.ndim) || v.shape[1] !== this.numFeatures) {
      const fix = ranks.includes(v.ndim) ? `; it has ${v.shape[1]} channels (axis 1), the layer was built for ${this.numFeatures}` : "";
      throw new ShapeError(`${layerLabel(this)}: expected input ${text.replaceAll("C", String(this.numFeatures))}, got ${shapeText(v.shape)}${fix}`);
    }
    const mean = this.getBuffer("running_mean");
    const variance = this.getBuffer("running_var");
    const count = this.getBuffer("num_batches_tracked");
    const training = this.training || mean === null;
    guardTraining(this);
    // the buffers a replay updates are the ones read here: one replaced with setBuffer records afresh
    guard(() => this.getBuffer("running_mean") === mean && this.getBuffer("running_var") === variance && this.getBuffer("num_batches_tracked") === count, `${layerLabel(this)}'s buffers are the tensors recorded`);
    // read when the update runs, so that a momentum set between calls of a compiled step counts
    let momentum: () => number = () => this.momentum ?? 0;
    if (this.training && count !== null) {
      // counted in the work, and the cumulative average's momentum read when the update runs, so
      // that a replayed step advances both as an eager one does
      compute(() => {
        count.data[count.offset] = (count.data[count.offset] as number) + 1;
      });
      bumpVersion(count);
      momentum = () => this.momentum ?? 1 / (count.data[count.offset] as number);
    }
    return asLayer(this, () => batchNorm(v, mean, variance, this.weight, this.bias, { training, momentum, eps: this.eps }));
  }

  /** `16, eps=1e-05, momentum=0.1, affine=true, trackRunningStats=true`, as PyTorch prints it. */
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyValue(this.eps)}, momentum=${pyValue(this.momentum)}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation over (N, C) or (N, C, L) input, as PyTorch's `nn.BatchNorm1d`:
 * `y = (x − μ) / √(σ² + eps) · weight + bias` per channel (axis 1), with μ and σ² the batch's
 * (biased variance) in training and the running statistics in evaluation. Each training step
 * updates `running = (1 − momentum)·running + momentum·batch` (the batch's unbiased variance)
 * and adds 1 to `num_batches_tracked`; momentum null averages all batches so far (momentum
 * 1/num_batches_tracked). Parameters weight (ones) and bias (zeros), buffers running_mean (zeros),
 * running_var (ones), num_batches_tracked (int32 0), as PyTorch names them, so its state dict loads.
 *
 * @throws ValueError from the constructor for numFeatures not an integer ≥ 1, a negative eps, a
 *   momentum outside [0, 1] (other than null) or a flag that is not a boolean; from `forward`
 *   when training on one value per channel.
 * @throws ShapeError from `forward` when the input is not (N, numFeatures) or (N, numFeatures, L);
 *   DTypeError when its dtype is not the layer's.
 * @example
 * ```ts
 * import { BatchNorm1d } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const bn = new BatchNorm1d(2, { eps: 0, dtype: "float64" });
 * // the batch's means [2, 12] and biased variances [1, 4]
 * console.log(bn.forward(tensor([[1, 10], [3, 14]], { dtype: "float64" })).toArray()); // [[-1, -1], [1, 1]]
 * console.log(bn.getBuffer("running_mean")!.toArray(), bn.getBuffer("num_batches_tracked")!.item()); // [0.2, 1.2000000000000002] 1
 * ```
 */
export class BatchNorm1d extends BatchNormNd {
  protected readonly layouts = { ranks: [2, 3], text: "(N, C) or (N, C, L)" };
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super("BatchNorm1d", numFeatures, options);
  }
}

/**
 * Batch normalisation over (N, C, H, W) input, as PyTorch's `nn.BatchNorm2d`: per channel over
 * the batch and both spatial axes, otherwise as {@link BatchNorm1d} (same parameters, buffers,
 * momentum and evaluation behaviour).
 *
 * @throws as {@link BatchNorm1d}, for input (N, numFeatures, H, W).
 * @example
 * ```ts
 * import { BatchNorm2d } from "@strata/nn";
 * import { ones } from "@strata/tensor";
 * const bn = new BatchNorm2d(3);
 * console.log(bn.forward(ones([2, 3, 4, 4])).shape, Object.keys(bn.stateDict())); // [2, 3, 4, 4] ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
 * console.log(String(bn)); // BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=true, trackRunningStats=true)
 * ```
 */
export class BatchNorm2d extends BatchNormNd {
  protected readonly layouts = { ranks: [4], text: "(N, C, H, W)" };
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super("BatchNorm2d", numFeatures, options);
  }
}

const batchNormFields = {
  numFeatures: field.integer({ min: 1, max: 1 << 24 }),
  eps: field.number({ min: 0 }),
  momentum: field.nullable(field.number({ min: 0, max: 1 })),
  affine: field.boolean(),
  trackRunningStats: field.boolean(),
  dtype: field.dtype(),
};
type BatchNormConfig = { numFeatures: number; eps: number; momentum: number | null; affine: boolean; trackRunningStats: boolean; dtype: "float32" | "float64" };

function batchNormConfig(m: BatchNormNd): BatchNormConfig {
  const dtype = (m.weight?.dtype ?? m.getBuffer("running_mean")?.dtype ?? "float32") as "float32" | "float64";
  return { numFeatures: m.numFeatures, eps: m.eps, momentum: m.momentum, affine: m.affine, trackRunningStats: m.trackRunningStats, dtype };
}

function batchNormShapes(c: BatchNormConfig): StateShape[] {
  const n = [c.numFeatures];
  return [
    ...(c.affine ? [["weight", n], ["bias", n]] as const : []),
    ...(c.trackRunningStats ? [["running_mean", n], ["running_var", n], ["num_batches_tracked", [], "int32"]] as const : []),
  ];
}

/** A batch-norm class's registry entry: the same fields, config and state for every rank. */
function batchNormEntry(Class: typeof BatchNorm1d | typeof BatchNorm2d, type: string) {
  return layerEntry(Class, {
    type,
    fields: batchNormFields,
    config: batchNormConfig,
    fromConfig: (c) => new Class(c.numFeatures, c),
    stateShapes: batchNormShapes,
  });
}

/** BatchNorm1d in architectures. @internal */
export const batchNorm1dLayer = batchNormEntry(BatchNorm1d, "BatchNorm1d");

/** BatchNorm2d in architectures. @internal */
export const batchNorm2dLayer = batchNormEntry(BatchNorm2d, "BatchNorm2d");
