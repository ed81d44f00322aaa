// PyTorch's activation modules (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.Softmax,
// nn.LogSoftmax), batch-first or any shape: each applies its @strata/autograd function.
import { gelu, leakyRelu, logSoftmax, relu, sigmoid, softmax, tanh, Variable, type Operand } from "@strata/autograd";
import { ValueError } from "@strata/tensor";
import { field } from "./config-fields.js";
import { asLayer } from "./layer-position.js";
import { layerEntry } from "./layer-type.js";
import { Module } from "./module.js";

/**
 * `max(0, x)` elementwise, as PyTorch's `nn.ReLU`; any shape. Gradient: 1 where x > 0, else 0.
 *
 * Never throws for a float input.
 * @example
 * ```ts
 * import { ReLU } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * console.log(new ReLU().forward(tensor([[-1, 2]])).toArray(), String(new ReLU())); // [[0, 2]] ReLU()
 * ```
 */
export class ReLU extends Module<[Operand], Variable> {
  /** relu(x). */
  forward(x: Operand): Variable {
    return asLayer(this, () => relu(x));
  }
}

/**
 * `x` for x > 0, `negativeSlope·x` otherwise (default 0.01), as PyTorch's `nn.LeakyReLU`.
 *
 * @throws ValueError from the constructor when negativeSlope is not a finite number.
 * @example
 * ```ts
 * import { LeakyReLU } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const act = new LeakyReLU(0.5);
 * console.log(act.forward(tensor([[-2, 2]])).toArray(), String(act)); // [[-1, 2]] LeakyReLU(negativeSlope=0.5)
 * ```
 */
export class LeakyReLU extends Module<[Operand], Variable> {
  /** The slope for negative inputs. */
  readonly negativeSlope: number;
  constructor(negativeSlope = 0.01) {
    super();
    if (typeof negativeSlope !== "number" || !Number.isFinite(negativeSlope)) throw new ValueError(`LeakyReLU: negativeSlope must be a finite number, got ${String(negativeSlope)}`);
    this.negativeSlope = negativeSlope;
  }
  /** leakyRelu(x, negativeSlope). */
  forward(x: Operand): Variable {
    return asLayer(this, () => leakyRelu(x, this.negativeSlope));
  }
  /** `negativeSlope=0.01`. */
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/**
 * `tanh(x)` elementwise, as PyTorch's `nn.Tanh`. Gradient: `1 − tanh²(x)`.
 *
 * Never throws for a float input.
 * @example
 * ```ts
 * import { Tanh } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * console.log(new Tanh().forward(tensor([0])).toArray(), String(new Tanh())); // [0] Tanh()
 * ```
 */
export class Tanh extends Module<[Operand], Variable> {
  /** tanh(x). */
  forward(x: Operand): Variable {
    return asLayer(this, () => tanh(x));
  }
}

/**
 * `σ(x) = 1/(1 + e⁻ˣ)` elementwise, as PyTorch's `nn.Sigmoid`. Gradient: `σ(x)(1 − σ(x))`.
 *
 * Never throws for a float input.
 * @example
 * ```ts
 * import { Sigmoid } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * console.log(new Sigmoid().forward(tensor([0])).toArray(), String(new Sigmoid())); // [0.5] Sigmoid()
 * ```
 */
export class Sigmoid extends Module<[Operand], Variable> {
  /** sigmoid(x). */
  forward(x: Operand): Variable {
    return asLayer(this, () => sigmoid(x));
  }
}

/**
 * The Gaussian error linear unit, as PyTorch's `nn.GELU`: `x·Φ(x)` (approximate `"none"`, the
 * default) or its tanh approximation (`"tanh"`), see {@link gelu}.
 *
 * @throws ValueError from the constructor when approximate is neither "none" nor "tanh".
 * @example
 * ```ts
 * import { GELU } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const act = new GELU();
 * console.log(act.forward(tensor([0, 1], { dtype: "float64" })).toArray(), String(act)); // [0, 0.841344746068543] GELU(approximate='none')
 * ```
 */
export class GELU extends Module<[Operand], Variable> {
  /** `"none"` (exact) or `"tanh"`. */
  readonly approximate: "none" | "tanh";
  constructor(options: { approximate?: "none" | "tanh" } = {}) {
    super();
    const approximate: unknown = options.approximate ?? "none";
    if (approximate !== "none" && approximate !== "tanh") throw new ValueError(`GELU: approximate must be "none" or "tanh", got ${JSON.stringify(approximate) ?? String(approximate)}`);
    this.approximate = approximate;
  }
  /** gelu(x). */
  forward(x: Operand): Variable {
    return asLayer(this, () => gelu(x, { approximate: this.approximate }));
  }
  /** `approximate='none'`, as PyTorch prints it. */
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

function checkDim(layer: string, dim: unknown): number {
  if (!Number.isSafeInteger(dim)) throw new ValueError(`${layer}: dim must be an integer (the axis to normalise over, e.g. 1 for (N, K) scores), got ${String(dim)}`);
  return dim as number;
}

/**
 * `exp(xᵢ) / Σⱼ exp(xⱼ)` along axis `dim`, as PyTorch's `nn.Softmax(dim)` (dim is required; for
 * (N, K) scores it is 1, negative counts from the end).
 *
 * @throws ValueError from the constructor when dim is not an integer; from `forward` when it is out of range.
 * @example
 * ```ts
 * import { Softmax } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const act = new Softmax(1);
 * console.log(act.forward(tensor([[0, 0]])).toArray(), String(act)); // [[0.5, 0.5]] Softmax(dim=1)
 * ```
 */
export class Softmax extends Module<[Operand], Variable> {
  /** The axis the probabilities sum to 1 along. */
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = checkDim("Softmax", dim);
  }
  /** softmax(x) along dim. */
  forward(x: Operand): Variable {
    return asLayer(this, () => softmax(x, { axis: this.dim }));
  }
  /** `dim=1`. */
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * `xᵢ − log Σⱼ exp(xⱼ)` along axis `dim`, as PyTorch's `nn.LogSoftmax(dim)`, computed stably
 * ({@link logSoftmax}).
 *
 * @throws ValueError from the constructor when dim is not an integer; from `forward` when it is out of range.
 * @example
 * ```ts
 * import { LogSoftmax } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const act = new LogSoftmax(-1);
 * console.log(act.forward(tensor([[0, 0]], { dtype: "float64" })).toArray(), String(act)); // [[-0.6931471805599453, -0.6931471805599453]] LogSoftmax(dim=-1)
 * ```
 */
export class LogSoftmax extends Module<[Operand], Variable> {
  /** The axis normalised over. */
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = checkDim("LogSoftmax", dim);
  }
  /** logSoftmax(x) along dim. */
  forward(x: Operand): Variable {
    return asLayer(this, () => logSoftmax(x, { axis: this.dim }));
  }
  /** `dim=1`. */
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

const noFields = {};
const slopeFields = { negativeSlope: field.number() };
const geluFields = { approximate: field.oneOf("none", "tanh") };
const dimFields = { dim: field.integer({ min: -64, max: 64 }) };

/** ReLU in architectures. @internal */
export const reluLayer = layerEntry(ReLU, { type: "ReLU", fields: noFields, config: () => ({}), fromConfig: () => new ReLU(), stateShapes: () => [] });
/** Tanh in architectures. @internal */
export const tanhLayer = layerEntry(Tanh, { type: "Tanh", fields: noFields, config: () => ({}), fromConfig: () => new Tanh(), stateShapes: () => [] });
/** Sigmoid in architectures. @internal */
export const sigmoidLayer = layerEntry(Sigmoid, { type: "Sigmoid", fields: noFields, config: () => ({}), fromConfig: () => new Sigmoid(), stateShapes: () => [] });
/** LeakyReLU in architectures. @internal */
export const leakyReluLayer = layerEntry(LeakyReLU, {
  type: "LeakyReLU", fields: slopeFields, config: (m) => ({ negativeSlope: m.negativeSlope }), fromConfig: (c) => new LeakyReLU(c.negativeSlope), stateShapes: () => [],
});
/** GELU in architectures. @internal */
export const geluLayer = layerEntry(GELU, {
  type: "GELU", fields: geluFields, config: (m) => ({ approximate: m.approximate }), fromConfig: (c) => new GELU({ approximate: c.approximate }), stateShapes: () => [],
});
/** Softmax in architectures. @internal */
export const softmaxLayer = layerEntry(Softmax, { type: "Softmax", fields: dimFields, config: (m) => ({ dim: m.dim }), fromConfig: (c) => new Softmax(c.dim), stateShapes: () => [] });
/** LogSoftmax in architectures. @internal */
export const logSoftmaxLayer = layerEntry(LogSoftmax, { type: "LogSoftmax", fields: dimFields, config: (m) => ({ dim: m.dim }), fromConfig: (c) => new LogSoftmax(c.dim), stateShapes: () => [] });
