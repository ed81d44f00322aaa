// Adam and AdamW: one update loop; they differ in where weight decay goes (into the gradient as an
// L2 term for Adam, straight onto the parameter for AdamW) and in its default.
import type { Variable } from "@strata/autograd";
import { Optimizer, buffer, updateOnKernel, type FloatArray } from "./optimizer.js";
import { lrRule, type OptimizerSpec, type OptionValues, type Schema, type Values } from "./options.js";
import type { ParamGroup, ParamGroupInput } from "./param-groups.js";
import type { ParamState } from "./state-dict.js";

/**
 * Options of {@link Adam} and {@link AdamW}.
 *
 * @example
 * ```ts
 * import type { AdamOptions } from "@strata/optim";
 * const options: AdamOptions = { lr: 3e-4, betas: [0.9, 0.99], amsgrad: true };
 * console.log(options.betas); // [0.9, 0.99]
 * ```
 */
export interface AdamOptions {
  /** The learning rate: finite, >= 0 (default 1e-3). */
  lr?: number;
  /** β1, β2: decay rates of the moving averages of the gradient and its square, each in [0, 1) (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** ε added to the denominator: finite, > 0 (default 1e-8). */
  eps?: number;
  /** λ: finite, >= 0. Adam adds `λ·p` to the gradient (default 0); AdamW decays `p` directly (default 1e-2). */
  weightDecay?: number;
  /** Use the running maximum of v̂ (AMSGrad; default false). */
  amsgrad?: boolean;
}

/**
 * One parameter group of an {@link Adam} or {@link AdamW}, as `opt.paramGroups` lists it: its
 * parameters and options. Every option but `amsgrad` is settable (a schedule sets `lr`, and
 * OneCycleLR `betas[0]`), checked as the constructor checks it; `betas` is set as a whole pair.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { Adam, type AdamParamGroup } from "@strata/optim";
 * const opt = new Adam([variable([1], { requiresGrad: true })], { lr: 0.01 });
 * const group: AdamParamGroup = opt.paramGroups[0]!;
 * group.betas = [0.85, group.betas[1]];
 * console.log(group.lr, group.betas, group.amsgrad); // 0.01 [0.85, 0.999] false
 * ```
 */
export interface AdamParamGroup extends ParamGroup {
  /** β1, β2. */
  betas: readonly [number, number];
  /** ε added to the denominator. */
  eps: number;
  /** λ: an L2 penalty (Adam) or a decoupled decay (AdamW). */
  weightDecay: number;
  /** AMSGrad; fixed once the group is made. */
  readonly amsgrad: boolean;
}

const schema = (weightDecay: number) =>
  ({
    lr: lrRule(1e-3),
    beta1: { type: "number", min: 0, max: 1, maxOpen: true, default: 0.9, label: "betas[0]" },
    beta2: { type: "number", min: 0, max: 1, maxOpen: true, default: 0.999, label: "betas[1]" },
    eps: { type: "number", min: 0, minOpen: true, default: 1e-8 },
    weightDecay: { type: "number", min: 0, default: weightDecay },
    amsgrad: { type: "boolean", default: false },
  }) satisfies Schema;

type AdamSchema = ReturnType<typeof schema>;
type Options = OptionValues<AdamSchema>;

const spec = (kind: string, weightDecay: number): OptimizerSpec<AdamSchema> => ({
  kind,
  schema: schema(weightDecay),
  layout: (o) => ({ step: true, buffers: o.amsgrad ? ["expAvg", "expAvgSq", "maxExpAvgSq"] : ["expAvg", "expAvgSq"] }),
  tuples: { betas: ["beta1", "beta2"] },
  fixed: ["amsgrad"],
});

const ADAM = spec("Adam", 0);
const ADAMW = spec("AdamW", 1e-2);

/**
 * The Adam update of one parameter: t ← t+1; g ← g + λp (L2) or p ← p(1 − lr·λ) (decoupled);
 * m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; with amsgrad vmax ← max(vmax, v) replaces v;
 * m̂ = m/(1−β1^t); v̂ = v/(1−β2^t); p ← p − lr·m̂/(√v̂ + ε).
 */
function adamUpdate(o: Options, decoupled: boolean, p: FloatArray, g: FloatArray, state: ParamState): void {
  const t = (state.step as number) + 1;
  state.step = t;
  const m = buffer(state, "expAvg");
  const v = buffer(state, "expAvgSq");
  const vmax = o.amsgrad ? buffer(state, "maxExpAvgSq") : null;
  const { lr, beta1: b1, beta2: b2, eps } = o;
  const l2 = decoupled ? 0 : o.weightDecay;
  const shrink = decoupled ? 1 - lr * o.weightDecay : 1;
  // the bias corrections folded into one factor and one reciprocal: a division and a square
  // root per element instead of three divisions and a square root
  const stepSize = lr / (1 - b1 ** t);
  const invC2 = 1 / (1 - b2 ** t);
  const [k1, k2] = [1 - b1, 1 - b2];
  const req = { kind: "adam", p, g, expAvg: m, expAvgSq: v, maxExpAvgSq: vmax, stepSize, invC2, beta1: b1, beta2: b2, k1, k2, eps, l2, shrink } as const;
  if (updateOnKernel(req)) return;
  for (let i = 0; i < p.length; i++) {
    let pi = p[i]!;
    let gi = g[i]!;
    if (l2 !== 0) gi += l2 * pi;
    if (shrink !== 1) pi *= shrink;
    const mi = b1 * m[i]! + k1 * gi;
    const vi = b2 * v[i]! + k2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    let vi2 = vi;
    if (vmax !== null) {
      vi2 = Math.max(vmax[i]!, vi);
      vmax[i] = vi2;
    }
    const vhat = vi2 * invC2;
    p[i] = pi - (stepSize * mi) / (Math.sqrt(vhat) + eps);
  }
}

/**
 * Adam (Kingma & Ba), as PyTorch computes it. With gradient g of parameter p, each step:
 *
 * ```text
 * t ← t + 1
 * g ← g + λ·p                        (weightDecay λ, an L2 penalty; default 0)
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * v ← vmax ← max(vmax, v)           (amsgrad, for the denominator only)
 * m̂ = m / (1 − β1^t),   v̂ = v / (1 − β2^t)
 * p ← p − lr·m̂ / (√v̂ + ε)
 * ```
 *
 * Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8. State per parameter: `step` t, `expAvg` m,
 * `expAvgSq` v and, with amsgrad, `maxExpAvgSq` vmax, the running maximum of v before its bias
 * correction, as PyTorch's code keeps it (its documentation's algorithm takes the maximum of the
 * corrected v̂, which gives other values; PyTorch 1.13 computes this). In the state dict the betas are the options `beta1`, `beta2`.
 * Each parameter group uses its own options (see {@link SGD} for groups).
 *
 * @throws ValueError naming the option (and the group, when groups are given) and value for an
 *   option out of range, e.g. `Adam: betas[1] must be in [0, 1), got 1.2`; for parameters, see
 *   {@link Optimizer}.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { Adam } from "@strata/optim";
 * const w = variable([1, -2], { requiresGrad: true, dtype: "float64" });
 * const opt = new Adam([w], { lr: 0.1 });
 * w.mul(w).sum().backward();
 * opt.step(); // the first step moves each weight by lr against the gradient's sign
 * console.log(Array.from(w.data.toTypedArray(), (x) => x.toFixed(6))); // ["0.900000", "-1.900000"]
 * ```
 */
export class Adam extends Optimizer<AdamParamGroup> {
  /** Parameters (a flat list: one group), or parameter groups whose options override `options`. */
  constructor(params: Iterable<Variable> | Iterable<ParamGroupInput<AdamOptions>>, options: AdamOptions = {}) {
    super(ADAM, params, options);
  }

  /** @internal */
  protected override update(p: FloatArray, g: FloatArray, state: ParamState, o: Values): void {
    adamUpdate(o as Options, false, p, g, state);
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay. Each step first shrinks the
 * parameter, `p ← p·(1 − lr·λ)`, then takes {@link Adam}'s step with the gradient alone (λ is not
 * added to g, so the decay is not rescaled by the moment estimates). Default weightDecay 1e-2;
 * other options, defaults, state and parameter groups as Adam's.
 *
 * @throws ValueError naming the option (and the group, when groups are given) and value for an
 *   option out of range; for parameters, see {@link Optimizer}.
 *
 * @example
 * ```ts
 * import { variable } from "@strata/autograd";
 * import { AdamW } from "@strata/optim";
 * const w = variable([10], { requiresGrad: true, dtype: "float64" });
 * const opt = new AdamW([w], { lr: 0.1, weightDecay: 0.5 });
 * w.grad = w.data.mul(0); // a zero gradient: only the decay acts
 * opt.step(); // 10·(1 − 0.1·0.5)
 * console.log(w.item()); // 9.5
 * ```
 */
export class AdamW extends Optimizer<AdamParamGroup> {
  /** Parameters (a flat list: one group), or parameter groups whose options override `options`. */
  constructor(params: Iterable<Variable> | Iterable<ParamGroupInput<AdamOptions>>, options: AdamOptions = {}) {
    super(ADAMW, params, options);
  }

  /** @internal */
  protected override update(p: FloatArray, g: FloatArray, state: ParamState, o: Values): void {
    adamUpdate(o as Options, true, p, g, state);
  }
}
