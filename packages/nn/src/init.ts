// The course's weight initialisers, for (nOut, nIn) matrices (Dense and the building blocks; the
// n-D initialisers with PyTorch's fans are in init-nd.ts). Each draws in float64 and rounds once to
// the requested dtype, so a float32 network starts from the rounded float64 weights of the same seed.
import {
  DTypeError, Rng, ValueError, defaultRng, isDType, isFloatDType, randn, zeros as zeroTensor, type DType, type Tensor,
} from "@strata/tensor";
import { show } from "./checks.js";

/**
 * Where an initialiser draws from and what it returns: the options of
 * {@link Initializer.weights}. The same generator state gives the same (nOut, nIn) weights.
 *
 * @example
 * ```ts
 * import { xavier, type InitOptions } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const options: InitOptions = { rng: rng(0), dtype: "float64" };
 * const W = xavier().weights(2, 3, options);
 * console.log(W.shape, W.dtype); // [2, 3] float64
 * console.log(W.equals(xavier().weights(2, 3, { rng: rng(0), dtype: "float64" }))); // true
 * ```
 */
export interface InitOptions {
  /** The generator to draw from; the package's default stream when omitted. */
  rng?: Rng;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/**
 * Draws a weight matrix `W` of shape (nOut, nIn) for a layer with nIn inputs and nOut units (the
 * course's layout, used by Dense). Weights of other ranks, with PyTorch's fans, come from
 * {@link kaimingUniform}, {@link xavierNormal} and the other n-D initialisers.
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

/**
 * Checks the options every parameter maker shares (initialisers, Dense, deepNetwork,
 * initializeParametersDeep) up front, whether or not anything is drawn: `rng` an Rng when given,
 * `dtype` float32 (the default) or float64, since parameters are float.
 * @internal
 */
export function checkParamOptions(where: string, options: InitOptions): { rng: Rng; dtype: "float32" | "float64" } {
  const { rng, dtype = "float32" } = options;
  if (rng !== undefined && !(rng instanceof Rng)) throw new ValueError(`${where}: options.rng must be an Rng from rng(seed), got ${show(rng)}`);
  if (!isDType(dtype) || !isFloatDType(dtype)) {
    throw new DTypeError(`${where}: options.dtype must be float32 or float64 (parameters are float), got ${show(dtype)}`);
  }
  return { rng: rng ?? defaultRng(), dtype: dtype as "float32" | "float64" };
}

function normal(name: string, std: (nOut: number, nIn: number) => number): Initializer {
  return {
    name,
    weights(nOut, nIn, options = {}) {
      checkDims(name, nOut, nIn);
      const { rng, dtype } = checkParamOptions(name, options);
      return randn([nOut, nIn], { std: std(nOut, nIn), rng, dtype });
    },
  };
}

function checkDims(name: string, nOut: number, nIn: number): void {
  if (Array.isArray(nOut)) {
    // A shape given where the course's (nOut, nIn) numbers go: point to the n-D initialisers.
    throw new ValueError(
      `${name}: weights(nOut, nIn) takes two numbers and makes an (nOut, nIn) matrix, got the shape [${nOut.join(", ")}]; for a weight of any rank use the n-D initialisers (kaimingUniform, kaimingNormal, xavierUniform, xavierNormal, defaultLayerInit) with PyTorch's fans`,
    );
  }
  for (const [label, n] of [["nOut", nOut], ["nIn", nIn]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new ValueError(`${name}: ${label} must be an integer ≥ 1, got ${n}`);
  }
}

/**
 * `W = factor · N(0, 1)`: the course's small random start (`scaled(0.01)`), which breaks the
 * symmetry between units but lets signals shrink through deep stacks. W is (nOut, nIn), i.e.
 * (n[l], n[l-1]).
 *
 * @throws ValueError when factor is not a finite number ≥ 0. The returned initialiser's
 *   `weights(nOut, nIn, options)` throws ValueError when nOut or nIn is not an integer ≥ 1,
 *   `options.rng` is not an Rng, or a drawn weight overflows the dtype (factor · N(0, 1) is
 *   ±Infinity, e.g. `scaled(1e308)`, or `scaled(1e39)` in float32), and DTypeError when
 *   `options.dtype` is not float32 or float64.
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
  const init = normal(`scaled(${factor})`, () => factor);
  return {
    name: init.name,
    weights(nOut, nIn, options) {
      const W = init.weights(nOut, nIn, options);
      // No fixed bound on factor is right for every dtype and draw: look at what came out.
      const values = W.toTypedArray();
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i])) {
          throw new ValueError(`${init.name}: factor ${factor} overflows ${W.dtype}: W[${Math.floor(i / nIn)}, ${i % nIn}] = ${values[i]}; use a smaller factor (the course uses 0.01)`);
        }
      }
      return W;
    },
  };
}

/**
 * He (Kaiming) normal: `W = N(0, 1) · √(2 / nIn)`, which keeps the variance of ReLU activations
 * steady from layer to layer. The default for ReLU layers. W is (nOut, nIn), i.e. (n[l], n[l-1]).
 *
 * Never throws. The returned initialiser's `weights(nOut, nIn, options)` throws ValueError when
 * nOut or nIn is not an integer ≥ 1 or `options.rng` is not an Rng, and DTypeError when
 * `options.dtype` is not float32 or float64.
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
 * layers. The default for layers that are not ReLU. W is (nOut, nIn), i.e. (n[l], n[l-1]).
 *
 * Never throws. The returned initialiser's `weights(nOut, nIn, options)` throws ValueError when
 * nOut or nIn is not an integer ≥ 1 or `options.rng` is not an Rng, and DTypeError when
 * `options.dtype` is not float32 or float64.
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
 * gradient, so use it for biases or tests, not for the weights of hidden layers. W is (nOut, nIn),
 * float32 or float64 like every initialiser's; `options.rng` is checked but not drawn from.
 *
 * Never throws. The returned initialiser's `weights(nOut, nIn, options)` throws ValueError when
 * nOut or nIn is not an integer ≥ 1 or `options.rng` is not an Rng, and DTypeError when
 * `options.dtype` is not float32 or float64 (int32 and bool included).
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
      return zeroTensor([nOut, nIn], { dtype: checkParamOptions("zeros", options).dtype });
    },
  };
}

/** He for ReLU-like layers, Xavier otherwise (PyTorch users would pick the same by hand). */
export function defaultInit(activationName: string): Initializer {
  return activationName === "relu" || activationName === "leakyRelu" ? he() : xavier();
}
