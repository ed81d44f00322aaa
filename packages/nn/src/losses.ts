// Losses, examples as columns: each loss is an elementwise term over (k, m) predictions, summed
// over the k rows into one loss per example, then reduced over the m examples by one rule
// (`reduce`). Binary cross-entropy on probabilities and on logits are custom ops whose backward is
// the closed form (written with autograd ops, so it differentiates again); softmax cross-entropy
// and MSE are composed from autograd ops. Every loss checks its inputs before computing: shapes
// must match exactly (no silent broadcasting), and values that would give NaN are rejected.
import {
  Variable, defineFunction, div, ge, logSoftmax, maximum, minimum, mul, neg, sigmoid, square, sub, where, type Operand,
} from "@strata/autograd";
import * as T from "@strata/tensor";
import { DTypeError, ShapeError, Tensor, ValueError, compute } from "@strata/tensor";
import {
  castTo, checkFinite, checkPredictions, checkSameShape, checkUnitInterval, elementwiseArgs, findFirst, isTransposed, reduce, reductionOf,
  sameShape, shapeText, tensorValue,
} from "./loss-checks.js";
import { tensorOf } from "./checks.js";

/**
 * How a loss reduces its per-example losses (each the sum over the k rows of the elementwise
 * loss of one column): `"mean"` (the default) their mean over the m examples, a scalar;
 * `"sum"` their sum, a scalar; `"none"` the per-example losses themselves, shape `(1, m)`.
 *
 * @example
 * ```ts
 * import { mse, type Reduction } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const prediction = tensor([[1, 2, 3], [0, 0, 1]]); // k = 2 outputs, m = 3 examples
 * const target = tensor([[0, 0, 0], [0, 0, 0]]);
 * const per: Reduction = "none";
 * console.log(mse(prediction, target, { reduction: per }).toArray()); // [[1, 4, 10]]
 * console.log(mse(prediction, target, { reduction: "sum" }).item()); // 15
 * console.log(mse(prediction, target).item()); // 5
 * ```
 */
export type Reduction = "mean" | "sum" | "none";

/**
 * Options shared by the losses. `reduction` (default `"mean"`): see {@link Reduction}.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropy, type LossOptions } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const options: LossOptions = { reduction: "sum" };
 * const AL = tensor([[0.5, 0.5]], { dtype: "float64" });
 * console.log(binaryCrossEntropy(AL, tensor([[1, 0]]), options).item().toFixed(6)); // 1.386294
 * ```
 */
export interface LossOptions {
  /** `"mean"` (default), `"sum"` or `"none"`. */
  reduction?: Reduction;
}

// ---------------------------------------------------------------------------------------------
// Checks shared by the losses. Messages name the op, the shapes and what was expected.

// ---------------------------------------------------------------------------------------------
// Binary cross-entropy on probabilities.

/** −(y·log p + (1−y)·log(1−p)) on tensors, each −log clamped at 100; written as a sum of non-negative terms. */
function bceValue(p: Tensor, y: Tensor): Tensor {
  const nlogP = T.minimum(T.neg(T.log(p)), 100);
  const nlog1mP = T.minimum(T.neg(T.log1p(T.neg(p))), 100);
  return T.add(T.mul(y, nlogP), T.mul(T.sub(1, y), nlog1mP));
}

/** (p − y) / d with d = p·(1 − p) kept at least 1e-12 away from 0 on its own side, in autograd
 * ops: max(d, 1e-12) for the probabilities the losses take (as PyTorch), min(d, -1e-12) for the
 * p outside [0, 1] that the course's modelBackward accepts. */
function bceSlope(p: Operand, y: Operand): Variable {
  const d = mul(p, sub(1, p));
  return div(sub(p, y), where(ge(d, 0), maximum(d, 1e-12), minimum(d, -1e-12)));
}

// The custom op: value bceValue, gradient g · bceSlope(p, y); labels are constants.
const bceOp = defineFunction({
  name: "binaryCrossEntropy",
  forward(ctx, p, y) {
    ctx.save(p as Tensor, y as Tensor);
    return bceValue(p as Tensor, y as Tensor);
  },
  backward(ctx, g) {
    const [p, y] = ctx.saved;
    return [ctx.needsInputGrad[0] ? mul(g, bceSlope(p!, y!)) : null, null];
  },
});

/**
 * The elementwise binary cross-entropy `−(y·log p + (1−y)·log(1−p))`, each log clamped at −100
 * (as PyTorch's `BCELoss`), so that `p = 0` or `1` give finite values (100 for a wrong certain
 * prediction, 0 for a right one). Differentiable with respect to `p` with gradient
 * {@link bceGradient}; `y` is a constant. Same shape as `p`; `y` must have `p`'s shape (or be a
 * number) and is cast to `p`'s dtype. No value checks: {@link binaryCrossEntropy} does them.
 * Used by the textbook building blocks (computeCost); not exported from the package index.
 *
 * @throws DTypeError when `p` is not float; ShapeError when `y`'s shape differs from `p`'s.
 * @internal
 */
export function bceElementwise(p: Operand, y: Operand): Variable {
  const Y = elementwiseArgs("bceElementwise", p, y);
  const P = tensorOf(p);
  return bceOp(p, typeof Y === "number" ? T.full(P.shape, Y, { dtype: P.dtype }) : tensorOf(Y));
}

/**
 * The derivative of {@link bceElementwise} with respect to `p`, `−(y/p − (1−y)/(1−p))`, computed
 * as `(p − y) / d` with `d = p·(1−p)` floored at 1e-12 (as PyTorch's `BCELoss` backward) so that it
 * stays finite at `p = 0` and `p = 1`; for `p` outside [0, 1], where d is negative, d is kept at
 * most -1e-12 instead, so the formula holds there too. Written with autograd ops, so it is itself
 * differentiable (second derivatives of {@link binaryCrossEntropy}). Shapes and dtypes as
 * {@link bceElementwise}. This is `dAL` of the textbook's `modelBackward`; not exported from the
 * package index.
 *
 * @throws DTypeError when `p` is not float; ShapeError when `y`'s shape differs from `p`'s.
 * @internal
 */
export function bceGradient(p: Operand, y: Operand): Variable {
  return bceSlope(p, elementwiseArgs("bceGradient", p, y));
}

/**
 * Binary cross-entropy of probabilities `AL` against labels `Y`, both `(k, m)` (examples are
 * columns): the elementwise loss `−(y·log p + (1−y)·log(1−p))`, each log clamped at −100 (see
 * {@link computeCost}), summed over the k rows into one loss per example, then reduced over the
 * m examples: `"mean"` (default) `(1/m)·Σ`, the textbook cost; `"sum"` `Σ`; `"none"` the `(1, m)`
 * per-example losses. Gradient with respect to `AL`: `(p − y) / max(p(1 − p), 1e-12)` per
 * element (the textbook's dAL), times 1/m under `"mean"`; it is written with autograd ops, so
 * second derivatives exist. `Y` gets no gradient. The result has `AL`'s dtype.
 *
 * @param AL - probabilities in [0, 1], float32 or float64, shape (k, m).
 * @param Y - labels in [0, 1] of the same shape; int32 and bool labels, and floats of another
 *   dtype, are cast to `AL`'s dtype.
 * @throws ShapeError when `AL` is not 2-D or `Y`'s shape differs from it (the message says when
 *   `Y` is the transpose).
 * @throws DTypeError when `AL` is not float.
 * @throws ValueError naming the first offending value and its index when a prediction or label is
 *   outside [0, 1] or NaN, or for an unknown reduction.
 * @example
 * ```ts
 * import { binaryCrossEntropy } from "@strata/nn";
 * import { variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const AL = variable([[0.8, 0.4]], { requiresGrad: true, dtype: "float64" }); // m = 2 examples
 * const Y = tensor([[1, 0]], { dtype: "int32" });
 * const cost = binaryCrossEntropy(AL, Y); // −(log 0.8 + log 0.6) / 2
 * console.log(cost.item().toFixed(6)); // 0.366985
 * cost.backward();
 * console.log(AL.grad?.allClose(tensor([[-0.625, 0.8333333333333334]]))); // true
 * ```
 */
export function binaryCrossEntropy(AL: Operand, Y: Operand, options: LossOptions = {}): Variable {
  const op = "binaryCrossEntropy";
  const reduction = reductionOf(op, options);
  const P = tensorOf(AL);
  const L = tensorOf(Y);
  checkPredictions(op, "predictions", P);
  checkSameShape(op, "predictions", "labels", P, L);
  checkUnitInterval(op, "predictions", "prediction", P, "; expected probabilities (for logits use binaryCrossEntropyWithLogits)");
  checkUnitInterval(op, "labels", "label", L);
  return reduce(op, bceOp(AL, L.dtype === P.dtype ? L : L.cast(P.dtype)), reduction);
}

// ---------------------------------------------------------------------------------------------
// Binary cross-entropy on logits.

// The custom op: value max(z, 0) − z·y + log(1 + e^−|z|) = softplus(z) − z·y (the first part is
// exact for y ∈ {0, 1}, the exponent never positive), gradients σ(z) − y and −z.
const bceLogitsOp = defineFunction({
  name: "binaryCrossEntropyWithLogits",
  forward(ctx, z, y) {
    const Z = z as Tensor;
    const Y = y as Tensor;
    ctx.save(Z, Y);
    return T.add(T.sub(T.relu(Z), T.mul(Z, Y)), T.log1p(T.exp(T.neg(T.abs(Z)))));
  },
  backward(ctx, g) {
    const [z, y] = ctx.saved;
    const [dz, dy] = ctx.needsInputGrad;
    return [dz ? mul(g, sub(sigmoid(z!), y!)) : null, dy ? mul(g, neg(z!)) : null];
  },
});

/**
 * Binary cross-entropy of `σ(Z)` against `Y`, computed from the logits `Z` (k, m) without
 * forming σ: per element `softplus(z) − z·y = max(z, 0) − z·y + log(1 + e^−|z|)`, exact and
 * finite for any finite `z` (at z = 1e4, y = 0 it is 1e4; at y = 1 it is 0). Summed over the k
 * rows into one loss per example, then reduced over the m examples: `"mean"` (default) `(1/m)·Σ`,
 * `"sum"` `Σ`, `"none"` the `(1, m)` per-example losses. Gradient with respect to `Z`: `σ(z) − y`
 * per element (times 1/m under `"mean"`), differentiable again; with respect to `Y` (when it
 * requires gradients): `−z`. The result has `Z`'s dtype.
 *
 * @param Z - finite logits, float32 or float64, shape (k, m).
 * @param Y - labels in [0, 1] of the same shape; int32, bool and other float dtypes are cast to `Z`'s.
 * @throws ShapeError when `Z` is not 2-D or `Y`'s shape differs from it.
 * @throws DTypeError when `Z` is not float.
 * @throws ValueError naming the first offending value and its index for a NaN or infinite logit or
 *   a label outside [0, 1], or for an unknown reduction.
 * @example
 * ```ts
 * import { binaryCrossEntropyWithLogits } from "@strata/nn";
 * import { variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const Z = variable([[1e4, 0]], { requiresGrad: true, dtype: "float64" });
 * const loss = binaryCrossEntropyWithLogits(Z, tensor([[0, 1]]), { reduction: "none" });
 * console.log(loss.toArray()); // [[10000, 0.6931471805599453]]
 * loss.sum().backward();
 * console.log(Z.grad?.toArray()); // [[1, -0.5]]
 * ```
 */
export function binaryCrossEntropyWithLogits(Z: Operand, Y: Operand, options: LossOptions = {}): Variable {
  const op = "binaryCrossEntropyWithLogits";
  const reduction = reductionOf(op, options);
  const logits = tensorOf(Z);
  const L = tensorOf(Y);
  checkPredictions(op, "logits", logits);
  checkSameShape(op, "logits", "labels", logits, L);
  checkFinite(op, "logits", logits);
  checkUnitInterval(op, "labels", "label", L);
  return reduce(op, bceLogitsOp(Z, castTo(Y, logits.dtype)), reduction);
}

// ---------------------------------------------------------------------------------------------
// Softmax cross-entropy.

/** The labels of softmaxCrossEntropy as a (k, m) matrix in the logits' dtype, after their checks. */
function softmaxLabels(op: string, logits: Tensor, labels: Operand): Operand {
  const L = tensorOf(labels);
  const [k, m] = logits.shape as [number, number];
  const indexShapes = `(${m}) or (1, ${m})`;
  if (L.dtype === "int32") {
    if (!(L.ndim === 1 && L.shape[0] === m) && !(L.ndim === 2 && L.shape[0] === 1 && L.shape[1] === m)) {
      if (sameShape(L.shape, logits.shape)) {
        throw new DTypeError(
          `${op}: int32 labels are class indices of shape ${indexShapes}, got an int32 matrix ${shapeText(L.shape)}; cast one-hot labels to ${logits.dtype} first`,
        );
      }
      const hint = L.ndim === 2 && L.shape[0] === m && L.shape[1] === 1 ? " (examples are columns)" : "";
      throw new ShapeError(
        `${op}: logits are ${shapeText(logits.shape)} but int32 labels are ${shapeText(L.shape)}; expected class indices of shape ${indexShapes}${hint}`,
      );
    }
    // work, so that a replay of a compiled step checks the labels it is given then
    compute(() => {
      const at = findFirst(L, (c) => c < 0 || c >= k);
      if (at >= 0) throw new ValueError(`${op}: label ${tensorValue(L, at)} of example ${at} is outside [0, ${k})`);
    });
    return T.oneHot(L.reshape([m]), k, { dtype: logits.dtype });
  }
  if (!sameShape(L.shape, logits.shape)) {
    const asIndices = (L.ndim === 1 && L.shape[0] === m) || (L.ndim === 2 && L.shape[0] === 1 && L.shape[1] === m);
    const hint = isTransposed(L.shape, logits.shape)
      ? " (examples are columns)"
      : asIndices ? `; class indices must be int32 (cast them with .cast("int32"))` : "";
    throw new ShapeError(
      `${op}: logits are ${shapeText(logits.shape)} but labels are ${shapeText(L.shape)}; expected one-hot or probability labels of shape ${shapeText(logits.shape)}, or int32 class indices of shape ${indexShapes}${hint}`,
    );
  }
  checkUnitInterval(op, "labels", "label", L, "; expected one-hot or probability columns");
  return castTo(labels, logits.dtype);
}

/**
 * Softmax cross-entropy of logits `(k, m)` (k classes, one column per example) against labels:
 * per example `−Σ_rows y·logSoftmax(z)` with the log-softmax taken over the k rows (stable: finite
 * for logits of ±1e4), then reduced over the m examples: `"mean"` (default) `(1/m)·Σ`, `"sum"`
 * `Σ`, `"none"` the `(1, m)` per-example losses. Gradient with respect to the logits:
 * `softmax(z) − y` per column (for columns of `y` summing to 1), times 1/m under `"mean"`.
 * Integer labels and their one-hot matrix give identical values and gradients. The result has
 * the logits' dtype.
 *
 * @param logits - finite, float32 or float64, shape (k, m).
 * @param labels - int32 class indices in [0, k) of shape (m) or (1, m); or a float (or bool)
 *   one-hot or probability matrix with entries in [0, 1] of shape (k, m), cast to the logits' dtype.
 * @throws ShapeError when the logits are not 2-D, have no rows, or the labels' shape fits neither form.
 * @throws DTypeError when the logits are not float, or int32 labels have the (k, m) shape.
 * @throws ValueError for a class index outside [0, k) (`label 12 of example 3 is outside [0, 10)`),
 *   a NaN or infinite logit, a label matrix entry outside [0, 1], or an unknown reduction.
 * @example
 * ```ts
 * import { softmaxCrossEntropy } from "@strata/nn";
 * import { variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const logits = variable([[0, 1e4], [0, 0]], { requiresGrad: true, dtype: "float64" }); // k = 2, m = 2
 * const labels = tensor([1, 1], { dtype: "int32" });
 * const loss = softmaxCrossEntropy(logits, labels); // (log 2 + 1e4) / 2
 * console.log(loss.item()); // 5000.34657359028
 * loss.backward();
 * console.log(logits.grad?.toArray()); // [[0.25, 0.5], [-0.25, -0.5]]
 * ```
 */
export function softmaxCrossEntropy(logits: Operand, labels: Operand, options: LossOptions = {}): Variable {
  const op = "softmaxCrossEntropy";
  const reduction = reductionOf(op, options);
  const Z = tensorOf(logits);
  checkPredictions(op, "logits", Z);
  if (Z.shape[0] === 0) throw new ShapeError(`${op}: logits are ${shapeText(Z.shape)}, with no class rows; expected (k, m) with k >= 1`);
  const Y = softmaxLabels(op, Z, labels);
  checkFinite(op, "logits", Z);
  return reduce(op, neg(mul(Y, logSoftmax(logits, { axis: 0 }))), reduction);
}

// ---------------------------------------------------------------------------------------------
// Mean squared error.

/**
 * Squared error of `prediction` against `target`, both `(k, m)` (examples are columns): the
 * elementwise loss `(ŷ − y)²`, summed over the k rows into one loss per example, then reduced
 * over the m examples: `"mean"` (default) `(1/m)·Σ` (for one output row, the familiar mean of
 * the squares), `"sum"` `Σ`, `"none"` the `(1, m)` per-example losses. Gradient with respect to
 * the prediction: `2(ŷ − y)`, times 1/m under `"mean"`; the target gets the opposite when it
 * requires gradients. The result has the prediction's dtype.
 *
 * @param prediction - finite values, float32 or float64, shape (k, m).
 * @param target - finite values of the same shape; int32, bool and other float dtypes are cast to
 *   the prediction's.
 * @throws ShapeError when the prediction is not 2-D or the target's shape differs from it.
 * @throws DTypeError when the prediction is not float.
 * @throws ValueError naming the first offending value and its index for a NaN or infinite
 *   prediction or target, or for an unknown reduction.
 * @example
 * ```ts
 * import { mse } from "@strata/nn";
 * import { variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const yHat = variable([[1, 2, 4]], { requiresGrad: true });
 * const loss = mse(yHat, tensor([[1, 0, 1]])); // (0 + 4 + 9) / 3
 * console.log(loss.item().toFixed(4), loss.dtype); // 4.3333 float32
 * loss.backward();
 * console.log(yHat.grad?.toArray()); // [[0, 1.3333333730697632, 2]]
 * ```
 */
export function mse(prediction: Operand, target: Operand, options: LossOptions = {}): Variable {
  const op = "mse";
  const reduction = reductionOf(op, options);
  const P = tensorOf(prediction);
  const L = tensorOf(target);
  checkPredictions(op, "predictions", P);
  checkSameShape(op, "predictions", "targets", P, L);
  checkFinite(op, "predictions", P);
  checkFinite(op, "targets", L);
  return reduce(op, square(sub(prediction, castTo(target, P.dtype))), reduction);
}
