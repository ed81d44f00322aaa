// Input checks and shared plumbing of the losses: exact shapes, finite values, labels in range,
// one reduction rule.
import { Variable, cast, mul, sum, type Operand } from "@strata/autograd";
import { DTypeError, ShapeError, Tensor, ValueError, compute, isFloatDType, type DType } from "@strata/tensor";
import { tensorOf } from "./checks.js";
import type { LossOptions, Reduction } from "./losses.js";

/** A shape as messages write it: `(1, 200)`. */
export function shapeText(shape: readonly number[]): string {
  return `(${shape.join(", ")})`;
}


export function reductionOf(op: string, options: LossOptions | undefined): Reduction {
  const reduction = options?.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new ValueError(`${op}: unknown reduction ${JSON.stringify(reduction)}; expected "mean", "sum" or "none"`);
  }
  return reduction;
}

/** Predictions (or logits) must be a 2-D float (k, m) matrix. */
export function checkPredictions(op: string, noun: string, x: Tensor): void {
  if (x.ndim !== 2) {
    const hint = x.ndim === 1 ? `; reshape a row of m values to (1, ${x.shape[0]})` : "";
    throw new ShapeError(`${op}: ${noun} must be 2-D (k, m), one column per example, got shape ${shapeText(x.shape)}${hint}`);
  }
  if (!isFloatDType(x.dtype)) {
    throw new DTypeError(`${op}: ${noun} must be float32 or float64, got ${x.dtype}; cast them first`);
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** Whether `labels` is the (k, m) shape `expected` with its axes swapped (and not the same). */
export function isTransposed(labels: readonly number[], expected: readonly number[]): boolean {
  return labels.length === 2 && labels[0] === expected[1] && labels[1] === expected[0] && !sameShape(labels, expected);
}

/** Labels must have the predictions' shape exactly. */
export function checkSameShape(op: string, noun: string, labelNoun: string, pred: Tensor, labels: Tensor): void {
  if (sameShape(pred.shape, labels.shape)) return;
  const hint = isTransposed(labels.shape, pred.shape) ? " (examples are columns)" : "";
  throw new ShapeError(
    `${op}: ${noun} are ${shapeText(pred.shape)} but ${labelNoun} are ${shapeText(labels.shape)}; expected ${labelNoun} of shape ${shapeText(pred.shape)}${hint}`,
  );
}

/** The row-major index of the first element of `t` for which `bad` holds, or -1. */
export function findFirst(t: Tensor, bad: (v: number) => boolean): number {
  const flat = t.isContiguous ? t.data.subarray(t.offset, t.offset + t.size) : t.toTypedArray();
  for (let i = 0; i < flat.length; i++) if (bad(flat[i]!)) return i;
  return -1;
}

/** The row-major index `i` of `t` as a multi-index, `(row, column)` for a matrix. */
export function indexText(i: number, t: Tensor): string {
  const idx: number[] = [];
  for (let ax = t.ndim - 1; ax >= 0; ax--) {
    idx.unshift(i % t.shape[ax]!);
    i = Math.floor(i / t.shape[ax]!);
  }
  return shapeText(idx);
}

/** Every element of `x` (predictions or logits) must be finite; NaN gets its own message. */
export function checkFinite(op: string, noun: string, x: Tensor): void {
  // work, so that a replay of a compiled step checks the values it is given then
  compute(() => {
    const at = findFirst(x, (v) => !Number.isFinite(v));
    if (at < 0) return;
    const v = tensorValue(x, at);
    const what = Number.isNaN(v) ? "NaN" : `${v}`;
    throw new ValueError(`${op}: ${noun} contain ${what} at index ${indexText(at, x)}; expected finite values`);
  });
}

/** Every element of `x` must lie in [0, 1] (probabilities, binary or soft labels). */
export function checkUnitInterval(op: string, noun: string, singular: string, x: Tensor, hint = ""): void {
  // work, so that a replay of a compiled step checks the values it is given then
  compute(() => {
    if (x.dtype === "bool") return;
    const at = findFirst(x, (v) => !(v >= 0 && v <= 1));
    if (at < 0) return;
    const v = tensorValue(x, at);
    if (Number.isNaN(v)) throw new ValueError(`${op}: ${noun} contain NaN at index ${indexText(at, x)}${hint || "; expected values in [0, 1]"}`);
    throw new ValueError(`${op}: ${singular} ${v} at index ${indexText(at, x)} is outside [0, 1]${hint}`);
  });
}

export function tensorValue(t: Tensor, at: number): number {
  return t.toTypedArray()[at]!;
}

/** `labels` in `dtype`: tensors cast as tensors, variables with `cast` (a gradient still flows between floats). */
export function castTo(labels: Operand, dtype: DType): Operand {
  const t = tensorOf(labels);
  if (t.dtype === dtype) return labels;
  return labels instanceof Variable ? cast(labels, dtype) : t.cast(dtype);
}

/**
 * The one reduction rule: per-example losses are the sums over the rows (axis 0) of `elementwise`
 * (k, m); "none" returns them as (1, m), "sum" their sum, "mean" their sum / m.
 */
export function reduce(op: string, elementwise: Variable, reduction: Reduction): Variable {
  if (reduction === "none") return sum(elementwise, { axis: 0, keepDims: true });
  const total = sum(elementwise);
  if (reduction === "sum") return total;
  const m = elementwise.shape[1]!;
  if (m === 0) throw new ValueError(`${op}: the mean over m = 0 examples is undefined; pass at least one column, or use reduction "sum"`);
  return mul(total, 1 / m);
}

/** Checks of the elementwise helpers: p float, y a number or of p's shape; y in p's dtype. */
export function elementwiseArgs(op: string, p: Operand, y: Operand): Operand {
  const P = tensorOf(p);
  if (!isFloatDType(P.dtype)) throw new DTypeError(`${op}: p must be float32 or float64, got ${P.dtype}; cast it first`);
  if (typeof y === "number") return y;
  checkSameShape(op, "p", "y", P, tensorOf(y));
  return castTo(y, P.dtype);
}
