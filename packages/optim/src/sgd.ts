// Stochastic gradient descent, with momentum, dampening, Nesterov and L2 weight decay as PyTorch
// documents them.
import type { Variable } from "@strata/autograd";
import { Optimizer, buffer, updateOnKernel, type FloatArray } from "./optimizer.js";
import { lrRule, type OptimizerSpec, type OptionValues, type Schema, type Values } from "./options.js";
import type { ParamGroup, ParamGroupInput } from "./param-groups.js";
import type { ParamState } from "./state-dict.js";

/**
 * Options of {@link SGD}.
 *
 * @example
 * ```ts
 * import type { SGDOptions } from "@strata/optim";
 * const options: SGDOptions = { lr: 0.1, momentum: 0.9, nesterov: true };
 * console.log(options.lr); // 0.1
 * ```
 */
export interface SGDOptions {
  /** The learning rate: finite, >= 0. Required (in the options, or in every group). */
  lr: number;
  /** μ, the momentum factor: finite, >= 0 (default 0: no momentum). */
  momentum?: number;
  /** Dampening of the momentum, in [0, 1] (default 0). */
  dampening?: number;
  /** Nesterov momentum (default false); needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
  /** L2 penalty factor λ added to the gradient, `g + λ·w`: finite, >= 0 (default 0). */
  weightDecay?: number;
}

/**
 * One parameter group of an {@link SGD}, as `opt.paramGroups` lists it: its parameters and
 * options. Every option but `nesterov` is settable (a schedule sets `lr`, and OneCycleLR
 * `momentum`), checked as the constructor checks it.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { SGD, type SGDParamGroup } from "@strata/optim";
 * const opt = new SGD([variable([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
 * const group: SGDParamGroup = opt.paramGroups[0]!;
 * group.momentum = 0.5;
 * console.log(group.lr, group.momentum, group.nesterov); // 0.1 0.5 false
 * ```
 */
export interface SGDParamGroup extends ParamGroup {
  /** μ, the momentum factor. */
  momentum: number;
  /** Dampening of the momentum. */
  dampening: number;
  /** Nesterov momentum; fixed once the group is made. */
  readonly nesterov: boolean;
  /** The L2 penalty factor λ. */
  weightDecay: number;
}

const SCHEMA = {
  lr: lrRule(),
  momentum: { type: "number", min: 0, default: 0 },
  dampening: { type: "number", min: 0, max: 1, default: 0 },
  nesterov: { type: "boolean", default: false },
  weightDecay: { type: "number", min: 0, default: 0 },
} satisfies Schema;

type Options = OptionValues<typeof SCHEMA>;

const SPEC: OptimizerSpec<typeof SCHEMA> = {
  kind: "SGD",
  schema: SCHEMA,
  constraint: (o) =>
    o.nesterov && (o.momentum <= 0 || o.dampening !== 0)
      ? `nesterov requires momentum > 0 and dampening 0, got momentum ${o.momentum} and dampening ${o.dampening}`
      : null,
  // A schedule may switch momentum on or off, so a saved entry may have its buffer or not.
  layout: (o) => ({ step: false, buffers: o.momentum !== 0 ? ["momentumBuffer"] : [], optional: ["momentumBuffer"] }),
  fixed: ["nesterov"],
};

/**
 * Stochastic gradient descent (PyTorch's algorithm). With gradient g of parameter p, each step:
 *
 * ```text
 * g ← g + λ·p                                      (weightDecay λ ≠ 0)
 * b ← g on the first step, else μ·b + (1 − dampening)·g   (momentum μ ≠ 0)
 * g ← nesterov ? g + μ·b : b                       (momentum μ ≠ 0)
 * p ← p − lr·g
 * ```
 *
 * The plain form (no momentum, no decay) is exactly `W = W − lr·dW`. State: `momentumBuffer` b
 * per parameter when μ ≠ 0 (kept when μ later becomes 0). Each group uses its own options:
 * `new SGD([{ params: weights }, { params: biases, weightDecay: 0 }], { lr: 0.1, momentum: 0.9,
 * weightDecay: 1e-4 })` decays the weights only.
 *
 * @throws ValueError naming the option (and the group, when groups are given) and its value for
 *   an option out of range (`lr` is required, in the options or in each group), and for nesterov
 *   without momentum or with dampening; for parameters, see {@link Optimizer}.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { SGD } from "@strata/optim";
 * const w = variable([1, 2], { requiresGrad: true, dtype: "float64" });
 * const opt = new SGD([w], { lr: 0.1 });
 * w.mul(w).sum().backward(); // dw = 2w = [2, 4]
 * opt.step(); // w − 0.1·dw
 * console.log(w.toArray()); // [0.8, 1.6]
 *
 * const v = variable([1], { requiresGrad: true, dtype: "float64" });
 * const heavy = new SGD([v], { lr: 0.1, momentum: 0.5 });
 * for (let i = 0; i < 2; i++) {
 *   heavy.zeroGrad();
 *   v.sum().backward(); // dv = 1: b = 1, then 0.5·1 + 1 = 1.5
 *   heavy.step();
 * }
 * console.log(v.item()); // 0.75
 *
 * const weight = variable([1], { requiresGrad: true, dtype: "float64" });
 * const bias = variable([1], { requiresGrad: true, dtype: "float64" });
 * const grouped = new SGD([{ params: [weight] }, { params: [bias], weightDecay: 0 }], { lr: 0.5, weightDecay: 0.2 });
 * weight.grad = weight.data.mul(0);
 * bias.grad = bias.data.mul(0);
 * grouped.step(); // a zero gradient: only the weight decays, 1 − 0.5·0.2·1
 * console.log(weight.item(), bias.item()); // 0.9 1
 * ```
 */
export class SGD extends Optimizer<SGDParamGroup> {
  /** A flat list of parameters: one group with `options` (`lr` required). */
  constructor(params: Iterable<Variable>, options: SGDOptions);
  /** Parameter groups, each with options that override `options` for it. */
  constructor(groups: Iterable<ParamGroupInput<SGDOptions>>, options?: Partial<SGDOptions>);
  constructor(params: Iterable<Variable> | Iterable<ParamGroupInput<SGDOptions>>, options?: Partial<SGDOptions>) {
    super(SPEC, params, options);
  }

  /** @internal */
  protected override update(p: FloatArray, g: FloatArray, state: ParamState, values: Values, created: readonly string[]): void {
    const o = values as Options;
    const b = o.momentum !== 0 ? buffer(state, "momentumBuffer") : null;
    const fresh = created.includes("momentumBuffer");
    const { lr, weightDecay: wd, momentum: mu, nesterov } = o;
    const keep = 1 - o.dampening;
    if (updateOnKernel({ kind: "sgd", p, g, momentumBuffer: b, lr, weightDecay: wd, momentum: mu, keep, fresh, nesterov })) return;
    if (b === null && wd === 0) {
      // plain SGD, the common case: one multiply-subtract per element, no per-element branches
      for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * g[i]!;
      return;
    }
    for (let i = 0; i < p.length; i++) {
      let d = g[i]!;
      if (wd !== 0) d += wd * p[i]!;
      if (b !== null) {
        const m = fresh ? d : mu * b[i]! + keep * d;
        b[i] = m;
        d = nesterov ? d + mu * m : m;
      }
      p[i] = p[i]! - lr * d;
    }
  }
}
