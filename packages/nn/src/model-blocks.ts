// The course's model-level building blocks: the L-layer network as a dictionary of tensors.
import { noGrad, type Operand } from "@strata/autograd";
import * as T from "@strata/tensor";
import { DTypeError, ShapeError, ValueError, formatShape, isFloatDType, type DType, type Rng, type Tensor } from "@strata/tensor";
import { activation as lookup, type ActivationSpec } from "./activations.js";
import { linearActivationForward, linearActivationGradients, type LayerCache } from "./blocks.js";
import { checkSameShape, checkWeights, show } from "./checks.js";
import { checkParamOptions, he, type Initializer } from "./init.js";
import { checkFinite, checkUnitInterval } from "./loss-checks.js";
import { bceElementwise, bceGradient } from "./losses.js";

/**
 * The parameters of an L-layer network: `W1, b1, …, WL, bL`, with W[l] of shape (n[l], n[l-1])
 * and b[l] of shape (n[l], 1), all of one float dtype. What initializeParametersDeep returns and
 * modelForward, updateParameters and predict take; a deepNetwork's stateDict has the same keys.
 *
 * @example
 * ```ts
 * import { modelForward, type ParamDict } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * // n = [2, 1]: W1 is (1, 2), b1 is (1, 1)
 * const params: ParamDict = { W1: tensor([[1, -1]]), b1: tensor([[0.5]]) };
 * // two examples as columns: Z1 = W1·X + b1
 * const { AL } = modelForward(tensor([[2, 0], [1, 3]]), params, { output: "identity" });
 * console.log(AL.toArray()); // [[1.5, -2.5]]
 * ```
 */
export type ParamDict = Record<string, Tensor>;

/**
 * The gradients of the cost: `dW1, db1, …, dWL, dbL` (each the shape of its parameter: dW[l]
 * (n[l], n[l-1]), db[l] (n[l], 1)) and `dA0, …, dA{L-1}` (dA[l] is (n[l], m)). What modelBackward
 * returns and updateParameters takes.
 *
 * @example
 * ```ts
 * import { initializeParametersDeep, modelBackward, modelForward, updateParameters, type GradDict } from "@strata/nn";
 * import { ones, rng, tensor } from "@strata/tensor";
 * const params = initializeParametersDeep([2, 3, 1], { rng: rng(0) });
 * const { AL, caches } = modelForward(ones([2, 4]), params);
 * const grads: GradDict = modelBackward(AL, tensor([[1, 0, 1, 1]]), caches);
 * console.log(grads.dW1!.shape, grads.db1!.shape, grads.dA1!.shape); // [3, 2] [3, 1] [3, 4]
 * console.log(updateParameters(params, grads, 0.1).W1!.shape); // [3, 2]
 * ```
 */
export type GradDict = Record<string, Tensor>;

/**
 * Options of {@link initializeParametersDeep}: the generator, the initialiser of every W[l] and
 * the dtype of W[l] and b[l].
 *
 * @example
 * ```ts
 * import { initializeParametersDeep, zeros, type InitializeOptions } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const options: InitializeOptions = { rng: rng(0), dtype: "float64" };
 * const a = initializeParametersDeep([3, 2], options);
 * const b = initializeParametersDeep([3, 2], { ...options, rng: rng(0) }); // the same seed
 * console.log(a.W1!.dtype, a.W1!.equals(b.W1!)); // float64 true
 * console.log(initializeParametersDeep([3, 2], { init: zeros() }).W1!.toArray()); // [[0, 0, 0], [0, 0, 0]]
 * ```
 */
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
 * `layerDims` is [n0, n1, …, nL]: the input size n0, then each layer's number of units.
 *
 * @throws ValueError when layerDims has fewer than two entries or an entry is not an integer ≥ 1,
 *   or when `options.rng` is not an Rng (checked up front, also with `init: zeros()`).
 * @throws DTypeError when `options.dtype` is not float32 or float64, whatever the initialiser.
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
  const { dtype } = checkParamOptions("initializeParametersDeep", options);
  const init = options.init ?? he();
  const params: ParamDict = {};
  for (let l = 1; l < layerDims.length; l++) {
    params[`W${l}`] = init.weights(layerDims[l]!, layerDims[l - 1]!, { dtype, ...(options.rng && { rng: options.rng }) });
    params[`b${l}`] = T.zeros([layerDims[l]!, 1], { dtype });
  }
  return params;
}

/**
 * The activations of a network: g[l] for the hidden layers l = 1…L-1 and for the output layer L.
 * Taken by modelForward and predict (the caches carry them on to modelBackward).
 *
 * @example
 * ```ts
 * import { initializeParametersDeep, modelForward, predict, zeros, type ModelActivations } from "@strata/nn";
 * import { ones } from "@strata/tensor";
 * const activations: ModelActivations = { hidden: "tanh", output: "softmax" };
 * const params = initializeParametersDeep([2, 3, 4], { init: zeros() });
 * // all-zero weights: the softmax spreads each column evenly over the 4 classes
 * console.log(modelForward(ones([2, 1]), params, activations).AL.toArray()); // [[0.25], [0.25], [0.25], [0.25]]
 * console.log(predict(ones([2, 1]), params, activations).toArray()); // [[0]]
 * ```
 */
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
 * @throws ShapeError naming the layer whose input does not fit (or whose W is not 2-D or b not (n[l], 1)).
 * @throws DTypeError naming the layer when X or a b has another dtype than the weights, or a W is not float.
 * @throws ValueError when params are not exactly W1, b1, …, WL, bL, or an activation is unknown.
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

/**
 * The shape checks computeCost and modelBackward share: AL a float (n[L], m) matrix with m ≥ 1
 * (both are means over the m columns), Y of its shape. The callers check the values (AL first,
 * then Y). Returns Y in AL's dtype.
 */
function checkLabels(where: string, AL: Tensor, Y: Tensor): Tensor {
  if (AL.shape.length !== 2) throw new ShapeError(`${where}: expected AL of shape (n[L], m), got ${formatShape(AL.shape)}`);
  if (!isFloatDType(AL.dtype)) throw new DTypeError(`${where}: expected AL of float32 or float64, got ${AL.dtype}`);
  checkSameShape(where, "Y (one column per example, like AL)", Y, AL.shape);
  if (AL.shape[1] === 0) throw new ValueError(`${where}: AL is ${formatShape(AL.shape)}, with m = 0 examples; expected at least one column (the cost and its gradients are means over m)`);
  return Y.dtype === AL.dtype ? Y : Y.cast(AL.dtype);
}

/**
 * The cross-entropy cost `J = -(1/m) Σ (Y·log AL + (1-Y)·log(1-AL))` over the m columns (and the
 * output rows), as a number, for AL (n[L], m) and labels Y of the same shape (cast to AL's dtype).
 * Each logarithm is floored at -100, as in PyTorch's BCELoss, so that AL of exactly 0 or 1 gives a
 * finite cost (100 per wrong certain prediction); elsewhere it changes the value only where AL or
 * 1 - AL is below e^-100 ≈ 3.7e-44. AL must lie in [0, 1], where the logarithms are defined; the
 * labels may be any finite numbers (the formula is defined for them), not only 0 and 1.
 *
 * @throws ShapeError when AL is not 2-D, or Y's shape is not exactly AL's (nothing broadcasts, so
 *   a Y of shape (m) or (m, 1) fails).
 * @throws DTypeError when AL is not float32 or float64.
 * @throws ValueError naming the first offending value and its index when an AL value is NaN or
 *   outside [0, 1], where log AL or log(1 - AL) is undefined (`computeCost: AL value 1.5 at index
 *   (0, 2) is outside [0, 1]; expected probabilities…`), when a label is NaN or ±Infinity
 *   (`computeCost: labels Y contain Infinity at index (0, 1); expected finite values`), and when
 *   m = 0 (AL has no columns).
 * @example
 * ```ts
 * import { computeCost } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * console.log(computeCost(tensor([[0.8, 0.9, 0.4]]), tensor([[1, 1, 0]])).toFixed(6)); // "0.279777"
 * ```
 */
export function computeCost(AL: Tensor, Y: Tensor): number {
  const y = checkLabels("computeCost", AL, Y);
  checkUnitInterval("computeCost", "AL values", "AL value", AL, "; expected probabilities in [0, 1], where log AL and log(1 - AL) are defined (AL of a sigmoid output layer)");
  // any finite label: the formula is defined for it
  checkFinite("computeCost", "labels Y", y);
  return noGrad(() => T.sum(bceElementwise(AL, y).data.cast("float64")).item()) / AL.shape[1]!;
}

/**
 * The backward pass of the L-layer network for {@link computeCost}: starts from
 * `dAL = -(Y/AL - (1-Y)/(1-AL))`, then runs linearActivationBackward from layer L down to 1 with
 * each layer's cached activation (`dZ[l] = dA[l]·g'(Z[l])` from the cached Z). AL and Y are
 * (n[L], m); `caches` are modelForward's, one per layer (or caches built by hand, as the
 * course's tests do: only each layer's A[l-1], W[l], b[l], Z[l] and activation are read).
 *
 * dAL is computed as `(AL - Y) / d` with `d = AL·(1-AL)`, the same formula, with d floored away
 * from 0 keeping its sign: `max(d, 1e-12)` for d ≥ 0 (as PyTorch's BCELoss backward), so that a
 * saturated output (AL exactly 0 or 1, as a float32 sigmoid gives) has a finite gradient, and
 * `min(d, -1e-12)` for d < 0. The floor acts only within about 1e-12 of AL = 0 or 1; elsewhere dAL
 * is the course's. Any finite AL and Y are accepted, since the formula is defined for them: AL
 * outside [0, 1] (the course's L_model_backward test feeds AL = 1.78862847 from randn) and labels
 * other than 0 and 1.
 *
 * @returns `dA{l-1}` (n[l-1], m), `dW{l}` (n[l], n[l-1]) and `db{l}` (n[l], 1) for every layer.
 * @throws ShapeError when AL is not 2-D, Y's shape is not AL's, `caches` is empty or its last Z is
 *   not AL's shape, or any cache does not fit its W or its neighbours, all checked up front and
 *   naming the layer (`modelBackward(layer 2): expected Z2 (n[2], m), like the A2 cached by layer
 *   3, of shape (3,7), got (7,7)`).
 * @throws DTypeError when AL is not float32 or float64, or a cached tensor has another dtype
 *   (naming the layer).
 * @throws ValueError naming the first offending value and its index when an AL value or a label
 *   is NaN or ±Infinity (`modelBackward: AL values contain NaN at index (0, 3); expected finite
 *   values`), and when m = 0 (AL has no columns).
 * @example
 * ```ts
 * import { activation, initializeParametersDeep, modelBackward, modelForward, type LayerCache } from "@strata/nn";
 * import { ones, rng, tensor } from "@strata/tensor";
 * const params = initializeParametersDeep([2, 3, 1], { rng: rng(0) });
 * const { AL, caches } = modelForward(ones([2, 4]), params);
 * const grads = modelBackward(AL, tensor([[1, 0, 1, 1]]), caches);
 * console.log(Object.keys(grads).sort()); // ["dA0", "dA1", "dW1", "dW2", "db1", "db2"]
 * // a cache built by hand, as the course's tests build them, with AL = 1.5 (not a probability):
 * // through an identity layer with W = [[1]], dA0 is dAL = -(1/1.5 - 0/(1 - 1.5))
 * const layer: LayerCache = { linear: { A: tensor([[2]]), W: tensor([[1]]), b: tensor([[0]]) }, Z: tensor([[1.5]]), activation: activation("identity") };
 * console.log(modelBackward(tensor([[1.5]]), tensor([[1]]), [layer]).dA0!.item().toFixed(4)); // "-0.6667"
 * ```
 */
export function modelBackward(AL: Tensor, Y: Tensor, caches: readonly LayerCache[]): GradDict {
  const y = checkLabels("modelBackward", AL, Y);
  // any finite AL and Y: dAL = -(Y/AL - (1-Y)/(1-AL)) is defined for them (AL = 0 and 1 floored)
  checkFinite("modelBackward", "AL values", AL);
  checkFinite("modelBackward", "labels Y", y);
  checkCaches(AL, caches);
  const L = caches.length;
  const m = AL.shape[1]!;
  const grads: GradDict = {};
  noGrad(() => {
    let dA: Operand = bceGradient(AL, y);
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
 * Checks every cache against AL and its neighbours before any arithmetic, from layer L down as the
 * backward pass runs: Z[l] (n[l], m) with n[l] the rows of the A[l] that layer l+1 cached (AL's
 * for l = L), W[l] (n[l], n[l-1]), b[l] (n[l], 1), A[l-1] (n[l-1], m), all in AL's dtype. (The
 * cached output A[l] is not read here, so it is not checked.)
 */
function checkCaches(AL: Tensor, caches: readonly LayerCache[]): void {
  const L = caches.length;
  if (L === 0 || caches[L - 1]!.Z.shape.join() !== AL.shape.join()) {
    throw new ShapeError(`modelBackward: expected the caches of the forward pass that produced AL ${formatShape(AL.shape)}; got ${L} caches${L ? ` ending in Z ${formatShape(caches[L - 1]!.Z.shape)}` : ""}`);
  }
  const m = AL.shape[1]!;
  let rows = AL.shape[0]!;
  for (let l = L; l >= 1; l--) {
    const where = `modelBackward(layer ${l})`;
    const { linear: { A, W, b }, Z } = caches[l - 1]!;
    checkSameShape(where, `Z${l} (n[${l}], m), like ${l === L ? "AL" : `the A${l} cached by layer ${l + 1}`},`, Z, [rows, m]);
    checkWeights(where, W, b);
    checkSameShape(where, `W${l} (n[${l}], n[${l - 1}])`, W, [rows, W.shape[1]!]);
    checkSameShape(where, `A${l - 1} (n[${l - 1}], m), the input W${l} takes,`, A, [W.shape[1]!, m]);
    for (const [name, t] of [[`W${l}`, W], [`A${l - 1}`, A], [`Z${l}`, Z]] as const) {
      if (t.dtype !== AL.dtype) throw new DTypeError(`${where}: the cached ${name} is ${t.dtype} but AL is ${AL.dtype}; expected one dtype`);
    }
    rows = W.shape[1]!;
  }
}

/**
 * One step of gradient descent: `W[l] = W[l] - α·dW[l]`, `b[l] = b[l] - α·db[l]`, returned as new
 * tensors (the given ones are left as they were). Any finite α is taken (0 or negative included:
 * the formula is defined for it); gradients of another float dtype are cast to the parameter's.
 *
 * @throws ValueError when params are not exactly W1, b1, …, WL, bL, a gradient is missing or the
 *   learning rate is not a finite number (NaN, ±Infinity, or not a number); ShapeError when a
 *   gradient's shape differs from its parameter's.
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
 * probability per column as int32, shape (1, m). Runs {@link modelForward}.
 *
 * @throws ValueError when `threshold` is given but is not a finite number (checked for every
 *   output, softmax included), params are not exactly W1, b1, …, WL, bL, or an activation is unknown.
 * @throws ShapeError naming the layer when a W is not 2-D, a b is not (n[l], 1), or X (or a
 *   layer's input) does not have n[l-1] rows.
 * @throws DTypeError naming the layer when a W is not float, or X or a b has another dtype than the weights.
 * @example
 * ```ts
 * import { predict } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const params = { W1: tensor([[1, -1]]), b1: tensor([[0]]) };
 * console.log(predict(tensor([[3, 0], [1, 2]]), params).toArray()); // [[1, 0]]
 * ```
 */
export function predict(X: Tensor, params: ParamDict, activations: ModelActivations & { threshold?: number } = {}): Tensor {
  const { threshold = 0.5 } = activations;
  if (typeof threshold !== "number" || !Number.isFinite(threshold)) {
    throw new ValueError(`predict: threshold must be a finite number, got ${show(threshold)}`);
  }
  const { AL, caches } = modelForward(X, params, activations);
  if (caches[caches.length - 1]!.activation.name === "softmax") return T.argmax(AL, { axis: 0 }).reshape([1, AL.shape[1]!]);
  return T.gt(AL, threshold).cast(AL.dtype);
}
