// Weight initialisers. Each draws in float64 and rounds once to the requested dtype, so a float32
// network starts from the rounded float64 weights of the same seed.
import { defaultRng, randn, zeros as zeroTensor, ValueError, type DType, type Rng, type Tensor } from "@strata/tensor";

/** Where an initialiser draws from and what it returns. */
export interface InitOptions {
  /** The generator to draw from; the package's default stream when omitted. */
  rng?: Rng;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/**
 * Draws a weight matrix `W` of shape (nOut, nIn) for a layer with nIn inputs and nOut units.
 *
 * @example
 * ```ts
 * import { he, type Initializer } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const init: Initializer = he();
 * console.log(init.weights(3, 2, { rng: rng(0) }).shape); // [3, 2]
 * ```
 */
export interface Initializer {
  /** Names the rule, for summaries and saved architectures (`"scaled(0.01)"`, `"he"`, …). */
  readonly name: string;
  /** A fresh (nOut, nIn) tensor. */
  weights(nOut: number, nIn: number, options?: InitOptions): Tensor;
}

function normal(name: string, std: (nOut: number, nIn: number) => number): Initializer {
  return {
    name,
    weights(nOut, nIn, options = {}) {
      checkDims(name, nOut, nIn);
      return randn([nOut, nIn], { std: std(nOut, nIn), rng: options.rng ?? defaultRng(), dtype: options.dtype ?? "float32" });
    },
  };
}

function checkDims(name: string, nOut: number, nIn: number): void {
  for (const [label, n] of [["nOut", nOut], ["nIn", nIn]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new ValueError(`${name}: ${label} must be an integer ≥ 1, got ${n}`);
  }
}

/**
 * `W = factor · N(0, 1)`: the course's small random start (`scaled(0.01)`), which breaks the
 * symmetry between units but lets signals shrink through deep stacks.
 *
 * @example
 * ```ts
 * import { scaled } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const w = scaled(0.01).weights(1, 1, { rng: rng(1), dtype: "float64" });
 * console.log(w.item()); // 0.003813876203556211
 * ```
 */
export function scaled(factor = 0.01): Initializer {
  if (!Number.isFinite(factor) || factor < 0) throw new ValueError(`scaled: factor must be a finite number ≥ 0, got ${factor}`);
  return normal(`scaled(${factor})`, () => factor);
}

/**
 * He (Kaiming) normal: `W = N(0, 1) · √(2 / nIn)`, which keeps the variance of ReLU activations
 * steady from layer to layer. The default for ReLU layers.
 *
 * @example
 * ```ts
 * import { he } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const w = he().weights(1, 8, { rng: rng(1), dtype: "float64" });
 * console.log(w.get(0, 0) === 0.38138762035562107 * Math.sqrt(2 / 8)); // true
 * ```
 */
export function he(): Initializer {
  return normal("he", (_nOut, nIn) => Math.sqrt(2 / nIn));
}

/**
 * Xavier (Glorot) normal: `W = N(0, 1) · √(2 / (nIn + nOut))`, balanced for tanh and sigmoid
 * layers. The default for layers that are not ReLU.
 *
 * @example
 * ```ts
 * import { xavier } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const w = xavier().weights(1, 7, { rng: rng(1), dtype: "float64" });
 * console.log(w.get(0, 0) === 0.38138762035562107 * Math.sqrt(2 / 8)); // true
 * ```
 */
export function xavier(): Initializer {
  return normal("xavier", (nOut, nIn) => Math.sqrt(2 / (nIn + nOut)));
}

/**
 * All-zero weights. Every unit of a layer then computes the same thing and receives the same
 * gradient, so use it for biases or tests, not for the weights of hidden layers.
 *
 * @example
 * ```ts
 * import { zeros } from "@strata/nn";
 * console.log(zeros().weights(2, 2).toArray()); // [[0, 0], [0, 0]]
 * ```
 */
export function zeros(): Initializer {
  return {
    name: "zeros",
    weights(nOut, nIn, options = {}) {
      checkDims("zeros", nOut, nIn);
      return zeroTensor([nOut, nIn], { dtype: options.dtype ?? "float32" });
    },
  };
}

/** He for ReLU-like layers, Xavier otherwise (PyTorch users would pick the same by hand). */
export function defaultInit(activationName: string): Initializer {
  return activationName === "relu" || activationName === "leakyRelu" ? he() : xavier();
}
