// The course's layer-level building blocks on plain tensors. The gradient arithmetic lives in
// `linearActivationGradients`, written in autograd ops: the blocks run it on tensors, and Dense
// runs the same function as its recorded backward (where it may itself be differentiated).
import { matmul, mul, noGrad, sum, transpose, type Operand, type Variable } from "@strata/autograd";
import * as T from "@strata/tensor";
import type { Tensor } from "@strata/tensor";
import { activation as lookup, fusedName, type Activation, type ActivationSpec } from "./activations.js";
import { checkLayerInput, checkSameShape, checkWeights } from "./checks.js";

/** What linearForward keeps for linearBackward: the layer's input and parameters. */
export interface LinearCache {
  /** A[l-1], (n[l-1], m). */
  readonly A: Tensor;
  /** W[l], (n[l], n[l-1]). */
  readonly W: Tensor;
  /** b[l], (n[l], 1). */
  readonly b: Tensor;
}

/** What linearActivationForward keeps: the linear cache and Z (the course's activation cache). */
export interface LayerCache {
  readonly linear: LinearCache;
  /** Z[l] = W[l]·A[l-1] + b[l], (n[l], m). */
  readonly Z: Tensor;
  /** The layer's activation, so modelBackward needs no second description of the network. */
  readonly activation: Activation;
  /** A[l] = g(Z[l]), from which sigmoid's and tanh's derivatives are read; recomputed when absent. */
  readonly A?: Tensor;
}

/** The three gradients of one layer. */
export interface LinearGradients {
  /** dA[l-1] = W[l]ᵀ·dZ[l], (n[l-1], m). */
  readonly dAprev: Tensor;
  /** dW[l], (n[l], n[l-1]). */
  readonly dW: Tensor;
  /** db[l], (n[l], 1). */
  readonly db: Tensor;
}

/**
 * The linear part of a layer: `Z = W·A + b`, with b (n[l], 1) broadcast over the m columns.
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
 * One layer forward: `Z = W·A_prev + b`, `A = g(Z)` for the given activation.
 *
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
 * `dW = (1/m)·dZ·A_prevᵀ`, `db = (1/m)·Σ_columns dZ`, `dA_prev = Wᵀ·dZ`.
 *
 * @throws ShapeError when dZ is not (n[l], m) for the cached layer.
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
  const { dAprev, dW, db } = noGrad(() => linearGradients(dZ, A, W, 1 / m));
  return { dAprev: dAprev!.data, dW: dW!.data, db: db!.data };
}

/**
 * One layer backward: `dZ = dA * g'(Z)` from the cached Z, then {@link linearBackward}.
 *
 * @throws ShapeError when dA is not the shape of the layer's output.
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
