// RMSprop: divide the gradient by a running root mean square of its recent values.
import type { Variable } from "@strata/autograd";
import { Optimizer, buffer, updateOnKernel, type FloatArray } from "./optimizer.js";
import { lrRule, type OptimizerSpec, type OptionValues, type Schema, type Values } from "./options.js";
import type { ParamGroup, ParamGroupInput } from "./param-groups.js";
import type { ParamState } from "./state-dict.js";

/**
 * Options of {@link RMSprop}.
 *
 * @example
 * ```ts
 * import type { RMSpropOptions } from "@strata/optim";
 * const options: RMSpropOptions = { lr: 1e-3, centered: true };
 * console.log(options.centered); // true
 * ```
 */
export interface RMSpropOptions {
  /** The learning rate: finite, >= 0 (default 1e-2). */
  lr?: number;
  /** α, the decay rate of the averages, in [0, 1] (default 0.99). */
  alpha?: number;
  /** ε added to the denominator: finite, > 0 (default 1e-8). */
  eps?: number;
  /** λ, an L2 penalty added to the gradient, `g + λ·p`: finite, >= 0 (default 0). */
  weightDecay?: number;
  /** μ, the momentum factor: finite, >= 0 (default 0). */
  momentum?: number;
  /** Divide by an estimate of the gradient's variance instead of its second moment (default false). */
  centered?: boolean;
}

/**
 * One parameter group of an {@link RMSprop}, as `opt.paramGroups` lists it: its parameters and
 * options. Every option but `centered` is settable (a schedule sets `lr`, and OneCycleLR
 * `momentum`), checked as the constructor checks it.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { RMSprop, type RMSpropParamGroup } from "@strata/optim";
 * const opt = new RMSprop([variable([1], { requiresGrad: true })]);
 * const group: RMSpropParamGroup = opt.paramGroups[0]!;
 * console.log(group.lr, group.alpha, group.momentum, group.centered); // 0.01 0.99 0 false
 * ```
 */
export interface RMSpropParamGroup extends ParamGroup {
  /** α, the decay rate of the averages. */
  alpha: number;
  /** ε added to the denominator. */
  eps: number;
  /** λ, the L2 penalty. */
  weightDecay: number;
  /** μ, the momentum factor. */
  momentum: number;
  /** Centered RMSprop; fixed once the group is made. */
  readonly centered: boolean;
}

const SCHEMA = {
  lr: lrRule(1e-2),
  alpha: { type: "number", min: 0, max: 1, default: 0.99 },
  eps: { type: "number", min: 0, minOpen: true, default: 1e-8 },
  weightDecay: { type: "number", min: 0, default: 0 },
  momentum: { type: "number", min: 0, default: 0 },
  centered: { type: "boolean", default: false },
} satisfies Schema;

type Options = OptionValues<typeof SCHEMA>;

const SPEC: OptimizerSpec<typeof SCHEMA> = {
  kind: "RMSprop",
  schema: SCHEMA,
  layout: (o) => ({
    step: true,
    buffers: ["squareAvg", ...(o.momentum > 0 ? ["momentumBuffer"] : []), ...(o.centered ? ["gradAvg"] : [])],
    // a schedule may switch momentum on or off: a saved entry may have its buffer or not
    optional: ["momentumBuffer"],
  }),
  fixed: ["centered"],
};

/**
 * RMSprop (Hinton), PyTorch's documented algorithm. With gradient g of parameter p, each step:
 *
 * ```text
 * g ← g + λ·p                                  (weightDecay λ; default 0)
 * v ← α·v + (1 − α)·g²
 * centered:  ga ← α·ga + (1 − α)·g,  denom = √(v − ga²) + ε
 * otherwise: denom = √v + ε
 * momentum μ > 0: b ← μ·b + g/denom,  p ← p − lr·b
 * otherwise:      p ← p − lr·g/denom
 * ```
 *
 * Defaults: lr 1e-2, alpha 0.99, eps 1e-8. All averages start at zero. State per parameter:
 * `step`, `squareAvg` v, `momentumBuffer` b (μ > 0; zeros when μ turns positive later), `gradAvg`
 * ga (centered). A variance `v − ga²` that rounding makes slightly negative counts as 0. Each
 * parameter group uses its own options (see {@link SGD} for groups).
 *
 * @throws ValueError naming the option (and the group, when groups are given) and value for an
 *   option out of range; for parameters, see {@link Optimizer}.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { RMSprop } from "@strata/optim";
 * const w = variable([1], { requiresGrad: true, dtype: "float64" });
 * const opt = new RMSprop([w], { lr: 0.01, alpha: 0.75 });
 * w.grad = w.data.mul(2); // g = 2: v = 0.25·4 = 1, so the step is lr·2/(1 + ε)
 * opt.step();
 * console.log(w.item().toFixed(8)); // 0.98000000
 * ```
 */
export class RMSprop extends Optimizer<RMSpropParamGroup> {
  /** Parameters (a flat list: one group), or parameter groups whose options override `options`. */
  constructor(params: Iterable<Variable> | Iterable<ParamGroupInput<RMSpropOptions>>, options: RMSpropOptions = {}) {
    super(SPEC, params, options);
  }

  /** @internal */
  protected override update(p: FloatArray, g: FloatArray, state: ParamState, values: Values): void {
    const o = values as Options;
    state.step = (state.step as number) + 1;
    const v = buffer(state, "squareAvg");
    const ga = o.centered ? buffer(state, "gradAvg") : null;
    const b = o.momentum > 0 ? buffer(state, "momentumBuffer") : null;
    const { lr, alpha: a, eps, weightDecay: wd, momentum: mu } = o;
    const req = { kind: "rmsprop", p, g, squareAvg: v, gradAvg: ga, momentumBuffer: b, lr, alpha: a, oneMinusAlpha: 1 - a, eps, weightDecay: wd, momentum: mu } as const;
    if (updateOnKernel(req)) return;
    for (let i = 0; i < p.length; i++) {
      let gi = g[i]!;
      if (wd !== 0) gi += wd * p[i]!;
      const vi = a * v[i]! + (1 - a) * gi * gi;
      v[i] = vi;
      let avg = vi;
      if (ga !== null) {
        const gai = a * ga[i]! + (1 - a) * gi;
        ga[i] = gai;
        avg = Math.max(vi - gai * gai, 0);
      }
      const step = gi / (Math.sqrt(avg) + eps);
      if (b !== null) {
        const bi = mu * b[i]! + step;
        b[i] = bi;
        p[i] = p[i]! - lr * bi;
      } else {
        p[i] = p[i]! - lr * step;
      }
    }
  }
}
