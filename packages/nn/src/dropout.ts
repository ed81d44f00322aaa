// Inverted dropout and activation functions as layers.
import { mul, Variable, type Operand } from "@strata/autograd";
import * as T from "@strata/tensor";
import { Rng, ValueError } from "@strata/tensor";
import { guardTraining } from "./training-guard.js";
import { activation as lookup, type Activation, type ActivationSpec } from "./activations.js";
import { activationJSON, activationOf } from "./activation-json.js";
import { show, tensorOf } from "./checks.js";
import { field } from "./config-fields.js";
import { layerEntry } from "./layer-type.js";
import { Module } from "./module.js";

/**
 * Inverted dropout: in training, each element is kept with probability `keep = 1 - p` and scaled by
 * `1/keep` (so the expected output equals the input and evaluation needs no rescaling); after
 * `eval()` the input passes through unchanged. The mask is drawn from `rng` (seeded). The course's
 * `keep_prob` is `1 - p`. The output has the input's shape, e.g. A[l] (n[l], m).
 *
 * @throws ValueError from the constructor when p is not a number in [0, 1] or `options.rng` is
 *   given but is not an Rng (checked there, before any mask is drawn).
 * @example
 * ```ts
 * import { Dropout } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const drop = new Dropout(0.5, { rng: rng(0) });
 * const y = drop.forward(ones([1, 6]));
 * console.log(y.data.toTypedArray().every((v) => v === 0 || v === 2)); // true
 * console.log(drop.eval().forward(ones([1, 3])).toArray()); // [[1, 1, 1]]
 * console.log(String(drop)); // Dropout(p=0.5)
 * ```
 */
export class Dropout extends Module<[Operand], Variable> {
  /** The probability of dropping each element, in [0, 1]. */
  readonly p: number;
  readonly #rng: Rng | undefined;

  constructor(p = 0.5, options: { rng?: Rng } = {}) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`Dropout: p must be a probability in [0, 1], got ${String(p)}`);
    if (options.rng !== undefined && !(options.rng instanceof Rng)) {
      throw new ValueError(`Dropout: options.rng must be an Rng from rng(seed), got ${show(options.rng)}`);
    }
    this.p = p;
    this.#rng = options.rng;
  }

  /** In training `x ⊙ mask / (1 - p)` with a fresh mask each call; in evaluation `x`. */
  forward(x: Operand): Variable {
    const v = x instanceof Variable ? x : new Variable(tensorOf(x));
    guardTraining(this);
    if (!this.training || this.p === 0) return v;
    return mul(v, T.dropoutMask(v.shape, this.p, this.#rng, v.dtype as "float32" | "float64"));
  }

  /** `p=0.5`, as PyTorch prints it. */
  override extraRepr(): string {
    return `p=${this.p}`;
  }

  /** `Dropout(p=0.5)`. */
  override summaryLabel(): string {
    return `Dropout(p=${this.p})`;
  }
}

/**
 * An activation as a layer, for Sequential: `forward(Z) = g(Z)` with the activation's own
 * derivative as its gradient. Z and g(Z) have the same shape, e.g. (n[l], m).
 *
 * @throws ValueError from the constructor for an unknown activation name or a leakyRelu slope that
 *   is negative or not finite.
 * @example
 * ```ts
 * import { ActivationLayer } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * console.log(new ActivationLayer("relu").forward(tensor([[-1, 2]])).toArray()); // [[0, 2]]
 * console.log(String(new ActivationLayer({ name: "leakyRelu", alpha: 0.2 }))); // ActivationLayer(leakyRelu(alpha=0.2))
 * ```
 */
export class ActivationLayer extends Module<[Operand], Variable> {
  /** The activation g. */
  readonly activation: Activation;

  constructor(activation: ActivationSpec) {
    super();
    this.activation = lookup(activation);
  }

  /** g(Z). */
  forward(z: Operand): Variable {
    return this.activation.forward(z);
  }

  /** The activation's name (a leaky ReLU with its slope: `leakyRelu(alpha=0.2)`). */
  override extraRepr(): string {
    const g = this.activation;
    return g.name === "leakyRelu" ? `leakyRelu(alpha=${g.alpha})` : g.name;
  }

  /** `Activation g`. */
  override summaryLabel(): string {
    return `Activation ${this.activation.name}`;
  }
}

/** Dropout in architectures: `{ type: "dropout", p }` (the generator is not kept). @internal */
export const dropoutLayer = layerEntry(Dropout, {
  type: "dropout",
  fields: { p: field.number({ min: 0, max: 1, what: "a probability" }) },
  config: (m) => ({ p: m.p }),
  fromConfig: (c) => new Dropout(c.p),
  stateShapes: () => [],
});

/** ActivationLayer in architectures: `{ type: "activation", activation }`. @internal */
export const activationLayer = layerEntry(ActivationLayer, {
  type: "activation",
  fields: { activation: field.activation() },
  config: (m) => ({ activation: activationJSON(m.activation) }),
  fromConfig: (c) => new ActivationLayer(activationOf(c.activation)),
  stateShapes: () => [],
});
