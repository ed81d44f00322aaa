// The course's model-level building blocks: the L-layer network as a dictionary of tensors.
import { noGrad } from "@strata/autograd";
import * as T from "@strata/tensor";
import { ShapeError, ValueError, formatShape, type DType, type Rng, type Tensor } from "@strata/tensor";
import { activation as lookup, type ActivationSpec } from "./activations.js";
import { linearActivationForward, linearActivationGradients, type LayerCache } from "./blocks.js";
import { checkSameShape } from "./checks.js";
import { he, type Initializer } from "./init.js";
import { bceElementwise, bceGradient } from "./losses.js";

/** The parameters of an L-layer network: `W1, b1, …, WL, bL`. */
export type ParamDict = Record<string, Tensor>;

/** The gradients: `dW1, db1, …, dWL, dbL` and `dA0, …, dA{L-1}`. */
export type GradDict = Record<string, Tensor>;

/** Options of {@link initializeParametersDeep}. */
export interface InitializeOptions {
  /** The generator to draw from; the package's default stream when omitted. */
  rng?: Rng;
  /** How to draw each W; He by default (the course's exercise uses `scaled(0.01)`). Every b is zero. */
  init?: Initializer;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/** Checks the layer sizes [n0, n1, …, nL]: at least two, each an integer ≥ 1. */
export function checkLayerDims(where: string, layerDims: readonly number[]): void {
  if (!Array.isArray(layerDims) || layerDims.length < 2) {
    throw new ValueError(`${where}: expected layer sizes [n0, n1, …, nL] with at least two entries, got ${JSON.stringify(layerDims)}`);
  }
  layerDims.forEach((n, l) => {
    if (!Number.isInteger(n) || n < 1) throw new ValueError(`${where}: n[${l}] must be an integer ≥ 1, got ${n}`);
  });
}

/**
 * Draws `W[l]` (n[l], n[l-1]) with `init` and sets `b[l]` (n[l], 1) to zero, for l = 1…L, in that
 * order from one generator (so Dense layers built in the same order from the same seed match).
 *
 * @example
 * ```ts
 * import { initializeParametersDeep, scaled } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const p = initializeParametersDeep([5, 4, 3], { rng: rng(3), init: scaled(0.01) });
 * console.log(Object.keys(p), p.W2!.shape, p.b2!.shape); // ["W1", "b1", "W2", "b2"] [3, 4] [3, 1]
 * ```
 */
export function initializeParametersDeep(layerDims: readonly number[], options: InitializeOptions = {}): ParamDict {
  checkLayerDims("initializeParametersDeep", layerDims);
  const dtype = options.dtype ?? "float32";
  const init = options.init ?? he();
  const params: ParamDict = {};
  for (let l = 1; l < layerDims.length; l++) {
    params[`W${l}`] = init.weights(layerDims[l]!, layerDims[l - 1]!, { dtype, ...(options.rng && { rng: options.rng }) });
    params[`b${l}`] = T.zeros([layerDims[l]!, 1], { dtype });
  }
  return params;
}

/** The activations of a network: hidden layers and the output layer. */
export interface ModelActivations {
  /** Every layer but the last; `"relu"` by default. */
  hidden?: ActivationSpec;
  /** The last layer; `"sigmoid"` by default. */
  output?: ActivationSpec;
}

/** The number of layers L in `params`, checking that W1, b1, …, WL, bL are all there and nothing else. */
export function layerCount(where: string, params: ParamDict): number {
  const keys = Object.keys(params);
  const L = keys.length / 2;
  for (let l = 1; l <= L; l++) {
    for (const k of [`W${l}`, `b${l}`]) {
      if (!Object.hasOwn(params, k)) throw new ValueError(`${where}: expected parameters W1, b1, …, W${L}, b${L}; ${k} is missing (got ${keys.join(", ")})`);
    }
  }
  if (!Number.isInteger(L) || L < 1) throw new ValueError(`${where}: expected parameters W1, b1, …, WL, bL; got ${keys.join(", ") || "none"}`);
  return L;
}

/**
 * The forward pass of the L-layer network: `A0 = X`, then for l = 1…L
 * `A[l] = g[l](W[l]·A[l-1] + b[l])` with `hidden` for l < L and `output` for l = L.
 *
 * @returns AL (n[L], m) and one cache per layer.
 * @throws ShapeError naming the layer whose input does not fit.
 * @example
 * ```ts
 * import { initializeParametersDeep, modelForward } from "@strata/nn";
 * import { rng, zeros } from "@strata/tensor";
 * const params = initializeParametersDeep([4, 3, 1], { rng: rng(0) });
 * const { AL, caches } = modelForward(zeros([4, 10]), params);
 * console.log(AL.shape, caches.length, AL.get(0, 0)); // [1, 10] 2 0.5
 * ```
 */
export function modelForward(X: Tensor, params: ParamDict, activations: ModelActivations = {}): { AL: Tensor; caches: LayerCache[] } {
  const L = layerCount("modelForward", params);
  const hidden = lookup(activations.hidden ?? "relu");
  const output = lookup(activations.output ?? "sigmoid");
  const caches: LayerCache[] = [];
  let A = X;
  for (let l = 1; l <= L; l++) {
    const step = linearActivationForward(A, params[`W${l}`]!, params[`b${l}`]!, l === L ? output : hidden, `modelForward(layer ${l})`, l);
    caches.push(step.cache);
    A = step.A;
  }
  return { AL: A, caches };
}

function checkLabels(where: string, AL: Tensor, Y: Tensor): Tensor {
  if (AL.shape.length !== 2) throw new ShapeError(`${where}: expected AL of shape (n[L], m), got ${formatShape(AL.shape)}`);
  checkSameShape(where, "Y (one column per example, like AL)", Y, AL.shape);
  return Y.dtype === AL.dtype ? Y : Y.cast(AL.dtype);
}

/**
 * The cross-entropy cost `J = -(1/m) Σ (Y·log AL + (1-Y)·log(1-AL))` over the m columns (and the
 * output rows), as a number. The logarithms are floored at -100, so AL of exactly 0 or 1 gives a
 * finite cost, as in PyTorch's BCELoss.
 *
 * @example
 * ```ts
 * import { computeCost } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * console.log(computeCost(tensor([[0.8, 0.9, 0.4]]), tensor([[1, 1, 0]])).toFixed(6)); // "0.279777"
 * ```
 */
export function computeCost(AL: Tensor, Y: Tensor): number {
  const y = checkLabels("computeCost", AL, Y);
  return noGrad(() => T.sum(bceElementwise(AL, y).data.cast("float64")).item()) / AL.shape[1]!;
}

/**
 * The backward pass of the L-layer network for {@link computeCost}: starts from
 * `dAL = -(Y/AL - (1-Y)/(1-AL))` (computed as `(AL - Y) / (AL·(1-AL))` with the denominator floored
 * at 1e-12, so saturated outputs give finite gradients), then runs linearActivationBackward from
 * layer L down to 1 with each layer's cached activation.
 *
 * @returns `dA{l-1}`, `dW{l}` and `db{l}` for every layer.
 * @example
 * ```ts
 * import { initializeParametersDeep, modelBackward, modelForward } from "@strata/nn";
 * import { ones, rng, tensor } from "@strata/tensor";
 * const params = initializeParametersDeep([2, 3, 1], { rng: rng(0) });
 * const { AL, caches } = modelForward(ones([2, 4]), params);
 * const grads = modelBackward(AL, tensor([[1, 0, 1, 1]]), caches);
 * console.log(Object.keys(grads).sort()); // ["dA0", "dA1", "dW1", "dW2", "db1", "db2"]
 * ```
 */
export function modelBackward(AL: Tensor, Y: Tensor, caches: readonly LayerCache[]): GradDict {
  const y = checkLabels("modelBackward", AL, Y);
  const L = caches.length;
  if (L === 0 || caches[L - 1]!.Z.shape.join() !== AL.shape.join()) {
    throw new ShapeError(`modelBackward: expected the caches of the forward pass that produced AL ${formatShape(AL.shape)}; got ${L} caches${L ? ` ending in Z ${formatShape(caches[L - 1]!.Z.shape)}` : ""}`);
  }
  const m = AL.shape[1]!;
  const grads: GradDict = {};
  noGrad(() => {
    let dA = bceGradient(AL, y);
    for (let l = L; l >= 1; l--) {
      const { linear, Z, activation } = caches[l - 1]!;
      const g = linearActivationGradients(dA, linear.A, linear.W, Z, activation, 1 / m);
      grads[`dA${l - 1}`] = g.dAprev!.data;
      grads[`dW${l}`] = g.dW!.data;
      grads[`db${l}`] = g.db!.data;
      dA = g.dAprev!;
    }
  });
  return grads;
}

/**
 * One step of gradient descent: `W[l] = W[l] - α·dW[l]`, `b[l] = b[l] - α·db[l]`, returned as new
 * tensors (the given ones are left as they were).
 *
 * @throws ValueError when a gradient is missing or the learning rate is not a finite number; ShapeError when a gradient's shape differs from its parameter's.
 * @example
 * ```ts
 * import { updateParameters } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const next = updateParameters({ W1: tensor([[1, 2]]), b1: tensor([[0]]) }, { dW1: tensor([[10, 10]]), db1: tensor([[1]]) }, 0.5);
 * console.log(next.W1!.toArray(), next.b1!.toArray()); // [[-4, -3]] [[-0.5]]
 * ```
 */
export function updateParameters(params: ParamDict, grads: GradDict, learningRate: number): ParamDict {
  if (typeof learningRate !== "number" || !Number.isFinite(learningRate)) {
    throw new ValueError(`updateParameters: learningRate must be a finite number, got ${String(learningRate)}`);
  }
  const L = layerCount("updateParameters", params);
  const next: ParamDict = {};
  for (let l = 1; l <= L; l++) {
    for (const name of [`W${l}`, `b${l}`]) {
      const p = params[name]!;
      const d = grads[`d${name}`];
      if (d === undefined || !Object.hasOwn(grads, `d${name}`)) throw new ValueError(`updateParameters: grads has no d${name} for parameter ${name}`);
      checkSameShape(`updateParameters(layer ${l})`, `d${name}`, d, p.shape);
      next[name] = T.sub(p, T.mul(d.dtype === p.dtype ? d : d.cast(p.dtype), learningRate));
    }
  }
  return next;
}

/**
 * Predictions for the columns of X: with a sigmoid output, 1 where `AL > threshold` (0.5) and 0
 * elsewhere, in X's dtype, shape (n[L], m); with a softmax output, the class of largest
 * probability per column as int32, shape (1, m).
 *
 * @example
 * ```ts
 * import { predict } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const params = { W1: tensor([[1, -1]]), b1: tensor([[0]]) };
 * console.log(predict(tensor([[3, 0], [1, 2]]), params).toArray()); // [[1, 0]]
 * ```
 */
export function predict(X: Tensor, params: ParamDict, activations: ModelActivations & { threshold?: number } = {}): Tensor {
  const { AL, caches } = modelForward(X, params, activations);
  if (caches[caches.length - 1]!.activation.name === "softmax") return T.argmax(AL, { axis: 0 }).reshape([1, AL.shape[1]!]);
  return T.gt(AL, activations.threshold ?? 0.5).cast(AL.dtype);
}
