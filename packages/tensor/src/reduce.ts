// Reductions (sum, mean, max, min, argmax, argmin, logSumExp) and the normalisations built on
// them (softmax, logSoftmax). This layer checks arguments, picks dtypes and shapes, and views the
// reduced axes last; contiguous rows go through the dispatcher (./dispatch/dispatch.ts), strided
// layouts and argmax/argmin to the TypeScript loops, which only that backend has.
import { allocate, isFloatDType, type DType } from "./dtype.js";
import { ValueError } from "./errors.js";
import { contiguousStrides, formatShape, normalizeAxes, normalizeAxis, shapeSize } from "./shape.js";
import { Tensor } from "./tensor.js";
import { argReduceRows, argReduceStrided, type ArgKind } from "./backends/js/arg.js";
import {
  logSumExpRows, logSumExpStrided, reduceStrided, type LogSumExpParts, type ReduceKind, type ReduceSource,
} from "./backends/js/reduce.js";
import { normalizeByLogSumExp, type NormalizeKind } from "./backends/js/softmax.js";
import { reduceRows } from "./dispatch/dispatch.js";
import { compute } from "./record.js";

/**
 * Options of {@link sum}, {@link mean}, {@link max}, {@link min} and {@link logSumExp}: the axes
 * to reduce (one number, a list, or all axes when omitted; negative numbers count from the end)
 * and whether to keep them in the result with length 1 (so it broadcasts against the input).
 *
 * @example
 * ```ts
 * import { ones, sum, type AxisOptions } from "@strata/tensor";
 * const perColumn: AxisOptions = { axis: 0, keepDims: true };
 * console.log(sum(ones([3, 4]), perColumn).shape); // [1, 4]
 * ```
 */
export interface AxisOptions {
  /** One axis, several (any order, no repeats), or all when omitted; negative counts from the end. */
  axis?: number | readonly number[];
  /** Keep the reduced axes with length 1 (default false: drop them). */
  keepDims?: boolean;
}

/**
 * Options of {@link argmax} and {@link argmin}: one axis (or, omitted, the row-major flattening of
 * the whole tensor) and whether to keep the reduced axis (all axes when omitted) with length 1.
 *
 * @example
 * ```ts
 * import { argmax, tensor, type ArgOptions } from "@strata/tensor";
 * const perColumn: ArgOptions = { axis: 0 };
 * console.log(argmax(tensor([[1, 9], [5, 2]]), perColumn).toArray()); // [1, 0]
 * ```
 */
export interface ArgOptions {
  /** The axis to search along (negative counts from the end); omitted: the flattened tensor. */
  axis?: number;
  /** Keep the reduced axis (all axes when `axis` is omitted) with length 1 (default false). */
  keepDims?: boolean;
}

/** Which axes go and which stay, and the result's shape. */
interface Plan {
  reduced: number[];
  kept: number[];
  outShape: number[];
}

function readKeepDims(op: string, keepDims: unknown): boolean {
  if (keepDims !== undefined && typeof keepDims !== "boolean") {
    throw new ValueError(`${op}: keepDims must be true or false, got ${String(keepDims)}`);
  }
  return keepDims ?? false;
}

/** Runs an axis check from shape.ts, adding the input's shape to its message. */
function withShape<T>(x: Tensor, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof ValueError) throw new ValueError(`${e.message} (input shape ${formatShape(x.shape)})`);
    throw e;
  }
}

function plan(op: string, x: Tensor, axis: unknown, keepDims: unknown): Plan {
  if (axis !== undefined && typeof axis !== "number" && !Array.isArray(axis)) {
    throw new ValueError(`${op}: axis must be a number, a list of numbers, or omitted (all axes) for shape ${formatShape(x.shape)}; got ${String(axis)}`);
  }
  const keep = readKeepDims(op, keepDims);
  const reduced = withShape(x, () => normalizeAxes(op, axis as number | number[] | undefined, x.ndim));
  const kept = x.shape.map((_, ax) => ax).filter((ax) => !reduced.includes(ax));
  const outShape = keep ? x.shape.map((n, ax) => (reduced.includes(ax) ? 1 : n)) : kept.map((ax) => x.shape[ax]!);
  return { reduced, kept, outShape };
}

/** Max, min, mean and the arg ops have no value for an empty set: name the first empty axis. */
function requireNonEmpty(op: string, x: Tensor, reduced: readonly number[]): void {
  const empty = reduced.find((ax) => x.shape[ax] === 0);
  if (empty !== undefined) {
    throw new ValueError(`${op}: cannot reduce over axis ${empty} of length 0 in ${formatShape(x.shape)}; expected a non-empty axis (${op} of nothing is undefined)`);
  }
}

/** Whether the reduced axes are exactly the last ones (so each output is one run of memory). */
function trailing(reduced: readonly number[], ndim: number): boolean {
  return reduced.every((ax, i) => ax === ndim - reduced.length + i);
}

/** Runs a kernel on `x` viewed as (kept axes…, reduced axes…); flat loops when that is memory order. */
function run<T>(
  x: Tensor,
  p: Plan,
  rows: (rows: number, n: number) => T,
  strided: (v: Tensor, k: number) => T,
): T {
  if (x.isContiguous && trailing(p.reduced, x.ndim)) {
    return rows(shapeSize(p.kept.map((ax) => x.shape[ax]!)), shapeSize(p.reduced.map((ax) => x.shape[ax]!)));
  }
  return strided(x.transpose([...p.kept, ...p.reduced]), p.kept.length);
}

/** `v` viewed as (kept…, reduced…) with `k` kept axes, as the kernels take it. */
function source(v: Tensor, k: number): ReduceSource {
  return {
    data: v.data,
    offset: v.offset,
    keptShape: v.shape.slice(0, k),
    keptStrides: v.strides.slice(0, k),
    reducedShape: v.shape.slice(k),
    reducedStrides: v.strides.slice(k),
  };
}

function reduceValues(kind: ReduceKind, x: Tensor, p: Plan): Float64Array {
  return run(x, p, (rows, n) => reduceRows(kind, x.data, x.offset, rows, n), (v, k) => reduceStrided(kind, source(v, k)));
}

function logSumExpParts(x: Tensor, p: Plan): LogSumExpParts {
  return run(x, p, (rows, n) => logSumExpRows(x.data, x.offset, rows, n, reduceRows("max", x.data, x.offset, rows, n)), (v, k) => logSumExpStrided(source(v, k)));
}

/**
 * A new tensor of `dtype` whose work computes float64 `values` (a temporary) and rounds them into
 * it (int32 wraps modulo 2^32, as int32 math).
 */
function store(op: string, dtype: DType, shape: readonly number[], values: () => ArrayLike<number>): Tensor {
  const out = allocate(dtype, shape, op);
  compute(() => out.set(values()));
  return new Tensor(out, shape);
}

/** Transcendental results of integer or boolean inputs are float32; floats keep their dtype. */
function floatResult(dtype: DType): DType {
  return isFloatDType(dtype) ? dtype : "float32";
}

/**
 * The sum of the elements over `axis`: `out[k] = Σ_r x[k, r]` for kept index k and reduced
 * index r. Float32 inputs are accumulated in float64 and rounded once at the end. Shape:
 * `x.shape` without the reduced axes, or with them kept at length 1 under `keepDims` (so `()`
 * when every axis is reduced without it).
 *
 * Dtype: `bool` and `int32` give `int32` (wrapping modulo 2^32 on overflow, as int32 arithmetic);
 * floats keep their dtype. The sum over an empty axis is 0. The order of additions follows the
 * memory layout, so differently laid-out copies may differ in the last bits.
 *
 * @param options - {@link AxisOptions}: `axis` (default all) and `keepDims` (default false).
 * @throws ValueError when an axis is out of range, repeated, or not a number, or keepDims is not
 *   a boolean.
 *
 * @example
 * ```ts
 * import { sum, tensor } from "@strata/tensor";
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * console.log(sum(x).item()); // 21
 * console.log(sum(x, { axis: 0 }).toArray()); // [5, 7, 9]
 * console.log(sum(x, { axis: -1, keepDims: true }).toArray()); // [[6], [15]]
 * console.log(sum(tensor([true, false, true])).dtype); // "int32"
 * ```
 */
export function sum(x: Tensor, options?: AxisOptions): Tensor {
  const p = plan("sum", x, options?.axis, options?.keepDims);
  return store("sum", isFloatDType(x.dtype) ? x.dtype : "int32", p.outShape, () => reduceValues("sum", x, p));
}

/**
 * The arithmetic mean over `axis`: `sum(x, {axis}) / n`, n the number of reduced elements,
 * computed in float64 and rounded once. Shape as {@link sum}.
 *
 * Dtype: `bool` and `int32` give `float32`; floats keep their dtype.
 *
 * @param options - {@link AxisOptions}: `axis` (default all) and `keepDims` (default false).
 * @throws ValueError when a reduced axis has length 0 (the mean of nothing is undefined), or an
 *   axis is out of range, repeated, or not a number, or keepDims is not a boolean.
 *
 * @example
 * ```ts
 * import { mean, tensor } from "@strata/tensor";
 * const x = tensor([[1, 2], [3, 4]]);
 * console.log(mean(x).item()); // 2.5
 * console.log(mean(x, { axis: 1 }).toArray()); // [1.5, 3.5]
 * console.log(mean(tensor([1, 2], { dtype: "int32" })).dtype); // "float32"
 * ```
 */
export function mean(x: Tensor, options?: AxisOptions): Tensor {
  const p = plan("mean", x, options?.axis, options?.keepDims);
  requireNonEmpty("mean", x, p.reduced);
  const n = shapeSize(p.reduced.map((ax) => x.shape[ax]!));
  return store("mean", floatResult(x.dtype), p.outShape, () => {
    const values = reduceValues("sum", x, p);
    for (let i = 0; i < values.length; i++) values[i]! /= n;
    return values;
  });
}

function extreme(op: "max" | "min", x: Tensor, options: AxisOptions | undefined): Tensor {
  const p = plan(op, x, options?.axis, options?.keepDims);
  requireNonEmpty(op, x, p.reduced);
  return store(op, x.dtype, p.outShape, () => reduceValues(op, x, p));
}

/**
 * The largest element over `axis`. NaN propagates: a slice containing NaN has maximum NaN (as in
 * numpy and PyTorch). Shape as {@link sum}. Dtype: the input's (a `bool` maximum is "any").
 *
 * @param options - {@link AxisOptions}: `axis` (default all) and `keepDims` (default false).
 * @throws ValueError when a reduced axis has length 0, or an axis is out of range, repeated, or
 *   not a number, or keepDims is not a boolean.
 *
 * @example
 * ```ts
 * import { max, tensor } from "@strata/tensor";
 * const x = tensor([[1, 5, 3], [4, 2, 6]]);
 * console.log(max(x).item()); // 6
 * console.log(max(x, { axis: 0 }).toArray()); // [4, 5, 6]
 * console.log(max(tensor([1, NaN, 3])).item()); // NaN
 * ```
 */
export function max(x: Tensor, options?: AxisOptions): Tensor {
  return extreme("max", x, options);
}

/**
 * The smallest element over `axis`. NaN propagates, as in {@link max}. Shape as {@link sum}.
 * Dtype: the input's (a `bool` minimum is "all").
 *
 * @param options - {@link AxisOptions}: `axis` (default all) and `keepDims` (default false).
 * @throws ValueError when a reduced axis has length 0, or an axis is out of range, repeated, or
 *   not a number, or keepDims is not a boolean.
 *
 * @example
 * ```ts
 * import { min, tensor } from "@strata/tensor";
 * const x = tensor([[1, 5, 3], [4, 2, 6]]);
 * console.log(min(x).item()); // 1
 * console.log(min(x, { axis: 1, keepDims: true }).toArray()); // [[1], [2]]
 * ```
 */
export function min(x: Tensor, options?: AxisOptions): Tensor {
  return extreme("min", x, options);
}

function arg(op: ArgKind, x: Tensor, options: ArgOptions | undefined): Tensor {
  const axis = options?.axis;
  if (axis !== undefined && typeof axis !== "number") {
    throw new ValueError(`${op}: axis must be one number, or omitted for the flattened tensor, for shape ${formatShape(x.shape)}; got ${String(axis)}`);
  }
  const p = plan(op, x, axis, options?.keepDims);
  requireNonEmpty(op, x, p.reduced);
  return store(op, "int32", p.outShape, () => run(x, p, (rows, n) => argReduceRows(op, x.data, x.offset, rows, n), (v, k) => argReduceStrided(op, source(v, k))));
}

/**
 * The index of the largest element along `axis`, or, with `axis` omitted, its index in the
 * row-major flattening of `x`. Ties give the first occurrence; a NaN counts as the largest (the
 * first NaN's index), matching {@link max}. Dtype: `int32`. Shape: `x.shape` without `axis`
 * (kept at length 1 under `keepDims`); with `axis` omitted, `()` (every axis of length 1 under
 * `keepDims`).
 *
 * @param options - {@link ArgOptions}: `axis` (default: flattened) and `keepDims` (default false).
 * @throws ValueError when the axis (or, flattened, any axis) has length 0, or the axis is out of
 *   range or not a single number.
 *
 * @example
 * ```ts
 * import { argmax, tensor } from "@strata/tensor";
 * const scores = tensor([[0.1, 0.7], [0.9, 0.2], [0.0, 0.1]]); // 3 classes × 2 examples
 * console.log(argmax(scores, { axis: 0 }).toArray()); // [1, 0]
 * console.log(argmax(scores).item()); // 2
 * console.log(argmax(tensor([3, 7, 7])).item()); // 1
 * ```
 */
export function argmax(x: Tensor, options?: ArgOptions): Tensor {
  return arg("argmax", x, options);
}

/**
 * The index of the smallest element along `axis` (row-major flat index when omitted). Ties give
 * the first occurrence; a NaN counts as the smallest (first NaN's index), matching {@link min}.
 * Dtype: `int32`. Shape as {@link argmax}.
 *
 * @param options - {@link ArgOptions}: `axis` (default: flattened) and `keepDims` (default false).
 * @throws ValueError when the axis (or, flattened, any axis) has length 0, or the axis is out of
 *   range or not a single number.
 *
 * @example
 * ```ts
 * import { argmin, tensor } from "@strata/tensor";
 * const x = tensor([[4, 1], [1, 3]]);
 * console.log(argmin(x, { axis: 1 }).toArray()); // [1, 0]
 * console.log(argmin(x, { keepDims: true }).toArray()); // [[1]]
 * ```
 */
export function argmin(x: Tensor, options?: ArgOptions): Tensor {
  return arg("argmin", x, options);
}

/**
 * `log Σ exp(x)` over `axis`, computed stably as `m + log1p(Σ exp(x - m) - 1)` with `m` the
 * maximum of the slice (the -1 removes the maximum's own term exactly, before summing), so
 * logits of ±1e4 give finite, accurate results. A slice of all -Infinity gives
 * -Infinity (not NaN), one containing +Infinity gives +Infinity, NaN propagates, and an empty
 * slice gives -Infinity (the log of an empty sum). Shape as {@link sum}.
 *
 * Dtype: `bool` and `int32` give `float32`; floats keep their dtype (float32 is computed in
 * float64 and rounded once).
 *
 * @param options - {@link AxisOptions}: `axis` (default all) and `keepDims` (default false).
 * @throws ValueError when an axis is out of range, repeated, or not a number, or keepDims is not
 *   a boolean.
 *
 * @example
 * ```ts
 * import { logSumExp, tensor } from "@strata/tensor";
 * const x = tensor([[10000, 0], [10000, -Infinity]], { dtype: "float64" });
 * console.log(logSumExp(x, { axis: 0 }).toArray()); // [10000.69314718056, 0]
 * console.log(logSumExp(tensor([-Infinity, -Infinity])).item()); // -Infinity
 * ```
 */
export function logSumExp(x: Tensor, options?: AxisOptions): Tensor {
  const p = plan("logSumExp", x, options?.axis, options?.keepDims);
  return store("logSumExp", floatResult(x.dtype), p.outShape, () => {
    const { max: m, logRest } = logSumExpParts(x, p);
    // m + log1p(rest), except that a non-finite maximum is the answer (-∞ - -∞ would be NaN).
    for (let i = 0; i < m.length; i++) if (Number.isFinite(m[i]!)) m[i]! += logRest[i]!;
    return m;
  });
}

function normalize(op: NormalizeKind, x: Tensor, options: { axis: number } | undefined): Tensor {
  const axisArg: unknown = options?.axis;
  if (typeof axisArg !== "number") {
    throw new ValueError(
      `${op}: axis is required for shape ${formatShape(x.shape)}, got ${String(axisArg)}; there is no default because examples are columns, so class scores usually lie along axis 0`,
    );
  }
  const axis = withShape(x, () => normalizeAxis(op, axisArg, x.ndim));
  const p = plan(op, x, axis, true);
  // The parts are row-major over the keepDims shape; stride 0 along `axis` broadcasts them.
  const partStrides = contiguousStrides(p.outShape).map((s, ax) => (ax === axis ? 0 : s));
  const out = allocate(floatResult(x.dtype), x.shape, op);
  compute(() => normalizeByLogSumExp(op, x.data, x.offset, x.shape, x.strides, logSumExpParts(x, p), partStrides, out));
  return new Tensor(out, x.shape);
}

/**
 * Softmax along `axis`: `exp(x - logSumExp(x, {axis, keepDims: true}))` (evaluated as
 * `exp((x - m) - log1p(…))`, m the slice maximum, to keep precision), so each slice is
 * non-negative and sums to 1. Stable for any finite input (±1e4 included): probabilities may
 * underflow to exact 0 but are never NaN. A slice whose log-sum-exp is not finite (all -Infinity,
 * some +Infinity, or NaN) is NaN throughout, as in PyTorch.
 *
 * `axis` is required: Strata stores examples as columns, so class scores usually lie along axis 0
 * and a default of -1 would silently normalise the wrong way.
 *
 * Dtype: `bool` and `int32` give `float32`; floats keep their dtype. The result is contiguous and
 * has the shape of `x`.
 *
 * @throws ValueError when `axis` is missing, not a number, or out of range.
 *
 * @example
 * ```ts
 * import { softmax, tensor } from "@strata/tensor";
 * const z = tensor([[0, 10000], [0, -10000]]); // 2 classes × 2 examples
 * console.log(softmax(z, { axis: 0 }).toArray()); // [[0.5, 1], [0.5, 0]]
 * ```
 */
export function softmax(x: Tensor, options: { axis: number }): Tensor {
  return normalize("softmax", x, options);
}

/**
 * Log-softmax along `axis`: `x - logSumExp(x, {axis, keepDims: true})`, the logarithm of
 * {@link softmax} without ever forming the (possibly zero) probabilities, so very unlikely
 * classes get large finite negative values instead of -Infinity. Non-finite slices are NaN as in
 * softmax. `axis` is required (see {@link softmax}).
 *
 * Dtype: `bool` and `int32` give `float32`; floats keep their dtype. The result is contiguous and
 * has the shape of `x`.
 *
 * @throws ValueError when `axis` is missing, not a number, or out of range.
 *
 * @example
 * ```ts
 * import { logSoftmax, tensor } from "@strata/tensor";
 * const z = tensor([[0, 10000], [0, -10000]], { dtype: "float64" });
 * console.log(logSoftmax(z, { axis: 0 }).toArray()); // [[-0.6931471805599453, 0], [-0.6931471805599453, -20000]]
 * ```
 */
export function logSoftmax(x: Tensor, options: { axis: number }): Tensor {
  return normalize("logSoftmax", x, options);
}
