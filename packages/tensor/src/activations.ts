// The activations of a Dense layer, each defined once: its value, its derivative (read from the
// layer's input Z or its output A), and its code in the WebAssembly kernels. The fused Dense ops
// (./fused.ts and the kernels), @strata/nn's activations and @strata/autograd's read this table;
// the derivative is written over a small algebra so that the same formula runs on tensors and, in
// autograd, on variables (where it can be differentiated again).
import type { DenseActivationKernel } from "./backends/backend.js";
import { UNARY_CODES } from "./backends/wasm/opcodes.js";
import { gt, leakyRelu, mul, relu, sigmoid, sub, tanh, where } from "./elementwise.js";
import type { Tensor } from "./tensor.js";

/**
 * The operations a derivative formula of {@link denseActivations} is written with, over values of
 * type V (tensors here; autograd supplies one over variables). `positive(x)` is the mask x > 0,
 * a constant bool tensor.
 *
 * @example
 * ```ts
 * import { denseActivations, tensorAlgebra, tensor, type GradientAlgebra, type Tensor } from "@strata/tensor";
 * const alg: GradientAlgebra<Tensor> = tensorAlgebra;
 * const dZ = denseActivations.tanh.grad(alg, tensor([1, 1]), tensor([0, 0.5]), 0);
 * console.log(dZ.toArray()); // [1, 0.75]
 * ```
 */
export interface GradientAlgebra<V> {
  /** a·b elementwise. */
  mul(a: V, b: V | number): V;
  /** s − a elementwise. */
  rsub(s: number, a: V): V;
  /** mask ? a : b elementwise. */
  where(mask: Tensor, a: V, b: V | number): V;
  /** The bool mask x > 0, a constant. */
  positive(x: V): Tensor;
}

/**
 * One activation g of a Dense layer: `value(Z, alpha)` is A = g(Z) on tensors; `grad(alg, dA,
 * input, alpha)` is dZ = dA·g'(·), where `input` is Z when `from` is "Z" and the output A when it is
 * "A" (and unused for the identity, whose `from` is null); `code` is its operation code in the
 * WebAssembly kernels. `alpha` is leakyRelu's slope and ignored by the others.
 *
 * @example
 * ```ts
 * import { denseActivations, tensorAlgebra, tensor, type DenseActivationDefinition } from "@strata/tensor";
 * const g: DenseActivationDefinition = denseActivations.relu;
 * const Z = tensor([-1, 2]);
 * console.log(g.value(Z, 0).toArray(), g.grad(tensorAlgebra, tensor([5, 5]), Z, 0).toArray()); // [0, 2] [0, 5]
 * ```
 */
export interface DenseActivationDefinition extends DenseActivationKernel {
  readonly name: "identity" | "relu" | "leakyRelu" | "sigmoid" | "tanh";
  value(z: Tensor, alpha: number): Tensor;
  grad<V>(alg: GradientAlgebra<V>, dA: V, input: V, alpha: number): V;
}

/**
 * {@link GradientAlgebra} over tensors, with the elementwise ops of this package.
 *
 * @example
 * ```ts
 * import { tensorAlgebra, tensor } from "@strata/tensor";
 * console.log(tensorAlgebra.rsub(1, tensor([0.25])).toArray(), tensorAlgebra.positive(tensor([-1, 1])).toArray()); // [0.75] [0, 1]
 * ```
 */
export const tensorAlgebra: GradientAlgebra<Tensor> = {
  mul: (a, b) => mul(a, b),
  rsub: (s, a) => sub(s, a),
  where: (mask, a, b) => where(mask, a, b),
  positive: (x) => gt(x, 0),
};

/**
 * The activations of the fused Dense kernels, by name (see {@link DenseActivationDefinition}):
 * - `identity`: g(z) = z, dZ = dA;
 * - `relu`: max(z, 0), dZ = dA where Z > 0, else 0;
 * - `leakyRelu`: z > 0 ? z : alpha·z, dZ = dA where Z > 0, else alpha·dA;
 * - `sigmoid`: 1 / (1 + e^−z), dZ = dA·A·(1 − A);
 * - `tanh`: dZ = dA·(1 − A²).
 *
 * @example
 * ```ts
 * import { denseActivations, tensorAlgebra, tensor } from "@strata/tensor";
 * const s = denseActivations.sigmoid;
 * const A = s.value(tensor([0]), 0);
 * console.log(s.from, A.toArray(), s.grad(tensorAlgebra, tensor([1]), A, 0).toArray()); // A [0.5] [0.25]
 * ```
 */
export const denseActivations: { readonly [name in DenseActivationDefinition["name"]]: DenseActivationDefinition } = {
  identity: { name: "identity", code: UNARY_CODES.identity, from: null, value: (z) => z, grad: (_alg, dA) => dA },
  relu: { name: "relu", code: UNARY_CODES.relu, from: "Z", value: (z) => relu(z), grad: (alg, dA, z) => alg.where(alg.positive(z), dA, 0) },
  leakyRelu: {
    name: "leakyRelu", code: UNARY_CODES.leakyRelu, from: "Z",
    value: (z, alpha) => leakyRelu(z, alpha),
    grad: (alg, dA, z, alpha) => alg.where(alg.positive(z), dA, alg.mul(dA, alpha)),
  },
  sigmoid: {
    name: "sigmoid", code: UNARY_CODES.sigmoid, from: "A",
    value: (z) => sigmoid(z),
    grad: (alg, dA, a) => alg.mul(dA, alg.mul(a, alg.rsub(1, a))),
  },
  tanh: {
    name: "tanh", code: UNARY_CODES.tanh, from: "A",
    value: (z) => tanh(z),
    grad: (alg, dA, a) => alg.mul(dA, alg.rsub(1, alg.mul(a, a))),
  },
};
