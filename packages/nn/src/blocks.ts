// The course's layer-level building blocks on plain tensors. The gradient arithmetic lives in
// `linearActivationGradients`, written in autograd ops: the blocks run it on tensors, and Dense
// runs the same function as its recorded backward (where it may itself be differentiated).
import { matmul, mul, noGrad, sum, transpose, type Operand, type Variable } from "@strata/autograd";
import * as T from "@strata/tensor";
import { DTypeError, ValueError, type Tensor } from "@strata/tensor";
import { activation as lookup, fusedName, type Activation, type ActivationSpec } from "./activations.js";
import { checkLayerInput, checkSameShape, checkWeights } from "./checks.js";

/**
 * What linearForward keeps for linearBackward: the layer's input A[l-1] (n[l-1], m) and its
 * parameters W[l] (n[l], n[l-1]) and b[l] (n[l], 1), the three tensors `Z = W·A + b` was
 * computed from.
 *
 * @example
 * ```ts
 * import { linearBackward, type LinearCache } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * // one unit, one input, m = 2 examples
 * const cache: LinearCache = { A: tensor([[1, 3]]), W: tensor([[2]]), b: tensor([[0]]) };
 * // dW = (1/2)·dZ·Aᵀ = (1·1 + 1·3) / 2, db = (1 + 1) / 2
 * const { dW, db } = linearBackward(tensor([[1, 1]]), cache);
 * console.log(dW.toArray(), db.toArray()); // [[2]] [[1]]
 * ```
 */
export interface LinearCache {
  /** A[l-1], (n[l-1], m). */
  readonly A: Tensor;
  /** W[l], (n[l], n[l-1]). */
  readonly W: Tensor;
  /** b[l], (n[l], 1). */
  readonly b: Tensor;
}

/**
 * What linearActivationForward keeps for linearActivationBackward and modelBackward: the linear
 * cache (A[l-1], W[l], b[l]), Z[l] (n[l], m) (the course's activation cache), the activation g[l]
 * and usually `A[l] = g[l](Z[l])` (n[l], m).
 *
 * @example
 * ```ts
 * import { linearActivationBackward, linearActivationForward, type LayerCache } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const layer: LayerCache = linearActivationForward(tensor([[1, -1]]), tensor([[2]]), tensor([[0]]), "relu").cache;
 * console.log(layer.Z.toArray(), layer.A?.toArray(), layer.activation.name); // [[2, -2]] [[2, 0]] relu
 * // dZ = dA·relu'(Z) = [[1, 0]], dW = (1/2)·dZ·Aᵀ
 * console.log(linearActivationBackward(tensor([[1, 1]]), layer, layer.activation).dW.toArray()); // [[0.5]]
 * ```
 */
export interface LayerCache {
  readonly linear: LinearCache;
  /** Z[l] = W[l]·A[l-1] + b[l], (n[l], m). */
  readonly Z: Tensor;
  /** The layer's activation, so modelBackward needs no second description of the network. */
  readonly activation: Activation;
  /** A[l] = g(Z[l]), from which sigmoid's and tanh's derivatives are read; recomputed when absent. */
  readonly A?: Tensor;
}

/**
 * The three gradients of one layer, as linearBackward and linearActivationBackward return them:
 * dA[l-1] (n[l-1], m), dW[l] (n[l], n[l-1]) and db[l] (n[l], 1), each the shape of what it is
 * the gradient of.
 *
 * @example
 * ```ts
 * import { linearActivationBackward, linearActivationForward, type LinearGradients } from "@strata/nn";
 * import { ones, rng, randn } from "@strata/tensor";
 * // n[l-1] = 3 inputs, n[l] = 2 units, m = 5 examples
 * const { cache } = linearActivationForward(randn([3, 5], { rng: rng(0) }), randn([2, 3], { rng: rng(1) }), ones([2, 1]), "tanh");
 * const grads: LinearGradients = linearActivationBackward(ones([2, 5]), cache, "tanh");
 * console.log(grads.dAprev.shape, grads.dW.shape, grads.db.shape); // [3, 5] [2, 3] [2, 1]
 * ```
 */
export interface LinearGradients {
  /** dA[l-1] = W[l]ᵀ·dZ[l], (n[l-1], m). */
  readonly dAprev: Tensor;
  /** dW[l], (n[l], n[l-1]). */
  readonly dW: Tensor;
  /** db[l], (n[l], 1). */
  readonly db: Tensor;
}

/**
 * The linear part of a layer: `Z = W·A + b`, with A (n[l-1], m), W (n[l], n[l-1]) and b (n[l], 1)
 * broadcast over the m columns; Z is (n[l], m).
 *
 * @param where - names the caller in errors (`"modelForward(layer 2)"`).
 * @throws ShapeError when W is not (n[l], n[l-1]), b not (n[l], 1), or A has not n[l-1] rows; DTypeError for mixed dtypes.
 * @example
 * ```ts
 * import { linearForward } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const { Z } = linearForward(tensor([[1, 2], [3, 4]]), tensor([[1, -1]]), tensor([[0.5]]));
 * console.log(Z.toArray()); // [[-1.5, -1.5]]
 * ```
 */
export function linearForward(A: Tensor, W: Tensor, b: Tensor, where = "linearForward", layer?: number): { Z: Tensor; cache: LinearCache } {
  checkLinear(where, A, W, b, layer);
  return { Z: T.add(T.matmul(W, A), b), cache: { A, W, b } };
}

function checkLinear(where: string, A: Tensor, W: Tensor, b: Tensor, layer: number | undefined): void {
  checkWeights(where, W, b);
  checkLayerInput(where, A, W.shape[1]!, W.dtype, layer, layer === undefined ? "A" : `A${layer - 1}`);
}

/**
 * One layer forward: `Z = W·A_prev + b`, `A = g(Z)` for the given activation, with A_prev
 * (n[l-1], m), W (n[l], n[l-1]) and b (n[l], 1) of one float dtype; A and Z are (n[l], m). The
 * cache keeps what {@link linearActivationBackward} needs. `where` and `layer` (1-based) only
 * name the caller and the layer in error messages. A custom Activation's own errors pass through.
 *
 * @throws ValueError for an unknown activation name or a leakyRelu slope that is negative or not finite.
 * @throws ShapeError when W is not 2-D, b is not (n[l], 1), or A_prev is not 2-D with n[l-1] rows
 *   (with a hint when it looks like (m, n[l-1]): examples are columns).
 * @throws DTypeError when W is not float32/float64, or b or A_prev has another dtype than W.
 * @example
 * ```ts
 * import { linearActivationForward } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const { A, cache } = linearActivationForward(tensor([[1, -1]]), tensor([[2]]), tensor([[0]]), "relu");
 * console.log(A.toArray(), cache.Z.toArray()); // [[2, 0]] [[2, -2]]
 * ```
 */
export function linearActivationForward(
  Aprev: Tensor, W: Tensor, b: Tensor, activation: ActivationSpec, where = "linearActivationForward", layer?: number,
): { A: Tensor; cache: LayerCache } {
  const g = lookup(activation);
  const fused = fusedName(g);
  if (fused !== null) {
    // one operation on the WebAssembly kernels: the bias and g applied while Z is in cache
    checkLinear(where, Aprev, W, b, layer);
    const { Z, A } = T.denseForward(W, Aprev, b, fused, { alpha: g.alpha ?? 0 });
    return { A, cache: { linear: { A: Aprev, W, b }, Z, activation: g, A } };
  }
  const { Z, cache } = linearForward(Aprev, W, b, where, layer);
  const A = noGrad(() => g.forward(Z).data);
  return { A, cache: { linear: cache, Z, activation: g, A } };
}

/** Which of dA_prev, dW, db to compute. */
export type Needs = readonly boolean[];

/**
 * The gradients of the linear part from dZ, in autograd ops on tensors or variables:
 * `dW = scale · dZ·A_prevᵀ`, `db = scale · Σ_columns dZ`, `dA_prev = Wᵀ·dZ`.
 * `scale` is 1/m in the course's convention, where dZ is the gradient of the loss summed over the
 * examples and dW, db those of the mean cost; it is 1 for autograd, whose incoming gradient
 * already holds the 1/m.
 * @internal
 */
export function linearGradients(dZ: Operand, A: Operand, W: Operand, scale: number, needs: Needs = [true, true, true]): Gradients {
  const scaled = (x: Variable): Variable => (scale === 1 ? x : mul(x, scale));
  return {
    dAprev: needs[0] ? matmul(transpose(W), dZ) : null,
    dW: needs[1] ? scaled(matmul(dZ, transpose(A))) : null,
    db: needs[2] ? scaled(sum(dZ, { axis: 1, keepDims: true })) : null,
  };
}

/** {@link linearGradients} after `dZ = g.backward(dA, Z)` (dA * g'(Z)). @internal */
export function linearActivationGradients(dA: Operand, A: Operand, W: Operand, Z: Operand, g: Activation, scale: number, needs?: Needs): Gradients {
  return linearGradients(g.backward(dA, Z), A, W, scale, needs);
}

/** The gradients a layer computes, null where not asked for. @internal */
export interface Gradients {
  dAprev: Variable | null;
  dW: Variable | null;
  db: Variable | null;
}

/**
 * The linear part of a layer backward, in the course's convention (dZ is the gradient of the
 * loss summed over the m examples; dW and db are those of the mean cost):
 * `dW = (1/m)·dZ·A_prevᵀ`, `db = (1/m)·Σ_columns dZ`, `dA_prev = Wᵀ·dZ`. dZ is (n[l], m); the
 * results are dA_prev (n[l-1], m), dW (n[l], n[l-1]) and db (n[l], 1).
 *
 * @throws ShapeError when dZ is not (n[l], m) for the cached layer; DTypeError when dZ's dtype is
 *   not the layer's (W's): nothing is promoted, so a float32 layer gives float32 gradients.
 * @throws ValueError when the cache has m = 0 examples (the means are undefined).
 * @example
 * ```ts
 * import { linearBackward, linearForward } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const { cache } = linearForward(tensor([[1, 3]]), tensor([[2]]), tensor([[0]]));
 * const { dAprev, dW, db } = linearBackward(tensor([[1, 1]]), cache);
 * console.log(dAprev.toArray(), dW.toArray(), db.toArray()); // [[2, 2]] [[2]] [[1]]
 * ```
 */
export function linearBackward(dZ: Tensor, cache: LinearCache, where = "linearBackward"): LinearGradients {
  const { A, W } = cache;
  const m = A.shape[1]!;
  checkSameShape(where, "dZ", dZ, [W.shape[0]!, m]);
  checkGradientDType(where, "dZ", dZ, "W", W);
  checkExamples(where, A);
  const { dAprev, dW, db } = noGrad(() => linearGradients(dZ, A, W, 1 / m));
  return { dAprev: dAprev!.data, dW: dW!.data, db: db!.data };
}

/** dW and db are means over the m examples: m = 0 leaves them undefined (0/0), not NaN. */
function checkExamples(where: string, A: Tensor): void {
  if (A.shape[1] === 0) throw new ValueError(`${where}: the cached A_prev is (${A.shape.join(", ")}), with m = 0 examples; dW = (1/m)·dZ·A_prevᵀ and db = (1/m)·Σ dZ need at least one column`);
}

/** A gradient flowing back into a layer must have the layer's dtype: no silent promotion. */
function checkGradientDType(where: string, what: string, grad: Tensor, cachedName: string, cached: Tensor): void {
  if (grad.dtype !== cached.dtype) {
    throw new DTypeError(`${where}: ${what} is ${grad.dtype} but the layer's ${cachedName} is ${cached.dtype}; cast it (${what}.cast("${cached.dtype}"))`);
  }
}

/**
 * One layer backward: `dZ = dA * g'(Z)` from the cached Z, then {@link linearBackward}. dA is
 * (n[l], m), like the layer's output; the gradients are as in {@link LinearGradients}.
 *
 * @throws ShapeError when dA is not the shape of the layer's output (n[l], m).
 * @throws ValueError for an unknown activation name or a bad leakyRelu slope.
 * @throws DTypeError when dA's dtype is not the layer's (Z's), for every activation (softmax and
 *   custom ones included): nothing is promoted.
 * @throws ValueError when the cache has m = 0 examples (the means are undefined).
 * @example
 * ```ts
 * import { linearActivationBackward, linearActivationForward } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const { cache } = linearActivationForward(tensor([[1, -1]]), tensor([[2]]), tensor([[0]]), "relu");
 * const { dW, db } = linearActivationBackward(tensor([[1, 1]]), cache, "relu");
 * console.log(dW.toArray(), db.toArray()); // [[0.5]] [[0.5]]
 * ```
 */
export function linearActivationBackward(dA: Tensor, cache: LayerCache, activation: ActivationSpec, where = "linearActivationBackward"): LinearGradients {
  const { A, W } = cache.linear;
  checkSameShape(where, "dA", dA, cache.Z.shape);
  checkGradientDType(where, "dA", dA, "Z", cache.Z);
  checkExamples(where, A);
  const g = lookup(activation);
  const fused = fusedName(g);
  if (fused !== null) {
    const output = cache.A ?? noGrad(() => g.forward(cache.Z).data);
    const grads = T.denseBackward(dA, A, W, cache.Z, output, fused, { alpha: g.alpha ?? 0, scale: 1 / A.shape[1]! });
    return { dAprev: grads.dX!, dW: grads.dW!, db: grads.db! };
  }
  const { dAprev, dW, db } = noGrad(() => linearActivationGradients(dA, A, W, cache.Z, g, 1 / A.shape[1]!));
  return { dAprev: dAprev!.data, dW: dW!.data, db: db!.data };
}
