import { allocate, dtypeOfArray, isDType, isFloatDType, unknownDType, type DataArray, type DType } from "./dtype.js";
import { lossOf } from "./convert.js";
import { DTypeError, ShapeError, ValueError } from "./errors.js";
import { checkShape, formatShape, shapeSize, type Shape } from "./shape.js";
import { Tensor, type NestedArray } from "./tensor.js";
import { compute, isRecording } from "./record.js";

/**
 * What {@link tensor} accepts: a number or boolean (a scalar), nested arrays of them, or a typed
 * array (flat, or reshaped by `shape`).
 *
 * @example
 * ```ts
 * import { tensor, type TensorValues } from "@strata/tensor";
 * const v: TensorValues = [[1, 2], [3, 4]];
 * console.log(tensor(v).shape); // [2, 2]
 * ```
 */
export type TensorValues = number | boolean | NestedValues | ArrayLike<number>;
/**
 * Nested arrays of numbers or booleans, every level rectangular.
 *
 * @example
 * ```ts
 * import { tensor, type NestedValues } from "@strata/tensor";
 * const mask: NestedValues = [[true, false]];
 * console.log(tensor(mask).dtype); // "bool"
 * ```
 */
export type NestedValues = readonly (number | boolean | NestedValues)[];

/**
 * Options shared by the creators: the dtype (default `float32`, or the typed array's own dtype,
 * or `bool` for booleans) and, for {@link tensor}, a shape to give flat values.
 *
 * @example
 * ```ts
 * import { tensor, type CreateOptions } from "@strata/tensor";
 * const opts: CreateOptions = { dtype: "float64", shape: [2, 2] };
 * console.log(tensor([1, 2, 3, 4], opts).shape); // [2, 2]
 * ```
 */
export interface CreateOptions {
  dtype?: DType;
  shape?: Shape;
}

function checkDType(op: string, dtype: unknown): DType {
  if (!isDType(dtype)) throw new DTypeError(unknownDType(op, dtype));
  return dtype;
}

function inferShape(values: NestedValues | number | boolean, path: string): number[] {
  if (!Array.isArray(values)) return [];
  const shape = [values.length];
  if (values.length === 0) return shape;
  const inner = inferShape(values[0] as NestedValues, `${path}[0]`);
  for (let i = 1; i < values.length; i++) {
    const other = inferShape(values[i] as NestedValues, `${path}[${i}]`);
    if (other.length !== inner.length || other.some((n, k) => n !== inner[k])) {
      throw new ShapeError(`tensor: ragged nested array: ${path}[0] has shape ${formatShape(inner)} but ${path}[${i}] has shape ${formatShape(other)}`);
    }
  }
  return shape.concat(inner);
}

function fill(out: DataArray, values: NestedValues | number | boolean, dtype: DType, at: { i: number }): void {
  if (Array.isArray(values)) {
    for (const v of values) fill(out, v as NestedValues, dtype, at);
    return;
  }
  if (typeof values !== "number" && typeof values !== "boolean") {
    throw new DTypeError(`tensor: element ${at.i} is ${typeof values} ${String(values)}; expected a number or boolean`);
  }
  const v = Number(values);
  const becomes = lossOf(v, dtype, true);
  if (becomes !== undefined) {
    const hint = dtype === "int32" ? "; cast explicitly if truncation is meant" : `; pass { dtype: "float64" }`;
    throw new DTypeError(`tensor: element ${at.i} is ${v}, which ${dtype} cannot hold (it would become ${becomes})${hint}`);
  }
  out[at.i++] = dtype === "bool" ? (v !== 0 ? 1 : 0) : v;
}

function hasBoolean(values: unknown): boolean {
  if (typeof values === "boolean") return true;
  return Array.isArray(values) && values.length > 0 && hasBoolean(values[0]);
}

/**
 * A new tensor holding a copy of `values`: a scalar, nested arrays (rectangular), or a typed
 * array. The dtype is `options.dtype`, else the typed array's, else `bool` for booleans, else
 * `float32`. The shape is the nesting's (`[]` for a scalar, `(n)` for a flat or typed array), or
 * `options.shape`, which must hold exactly as many elements. `bool` stores `value != 0`.
 *
 * @throws DTypeError when `options.dtype` is not a dtype, an element is neither a number nor a
 * boolean, or an element does not fit the dtype: for int32 not an integer, or outside the int32
 * range; for float32 a finite number that would round to ±Infinity (`tensor([1e300])`: pass
 * `{ dtype: "float64" }`). Rounding (0.1 in float32) is not refused.
 * @throws ShapeError for ragged nesting, an `options.shape` that is not a list of non-negative
 * integers, or one whose size differs from the number of values.
 * @throws ValueError or StrataError when the tensor is too large to allocate (see {@link allocate}).
 *
 * @example
 * ```ts
 * import { tensor } from "@strata/tensor";
 * const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float64" });
 * console.log(x.shape, x.dtype); // [2, 3] "float64"
 * console.log(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray()); // [[1, 2], [3, 4]]
 * ```
 */
export function tensor(values: TensorValues, options: CreateOptions = {}): Tensor {
  // Typed arrays Strata has no dtype for (Int16Array, Uint8ClampedArray, …) are read as plain
  // array-likes below, as TensorValues promises, instead of failing in dtypeOfArray.
  if (isDataArray(values)) return fromTypedArray(values, options);
  const nested = typeof values === "object" && !Array.isArray(values) ? Array.from(values as ArrayLike<number>) : values;
  const dtype = checkDType("tensor", options.dtype ?? (hasBoolean(nested) ? "bool" : "float32"));
  const inferred = inferShape(nested as NestedValues, "values");
  const size = shapeSize(inferred);
  const shape = options.shape ? checkShape("tensor", [...options.shape]) : inferred;
  if (shapeSize(shape) !== size) {
    throw new ShapeError(`tensor: ${size} values do not fill shape ${formatShape(shape)} (${shapeSize(shape)} elements)`);
  }
  const out = allocate(dtype, shape, "tensor");
  fill(out, nested as NestedValues, dtype, { i: 0 });
  keepConstant(out);
  return new Tensor(out, shape);
}

function isDataArray(values: unknown): values is DataArray {
  return values instanceof Float32Array || values instanceof Float64Array || values instanceof Int32Array || values instanceof Uint8Array;
}

function fromTypedArray(values: DataArray, options: CreateOptions): Tensor {
  const dtype = checkDType("tensor", options.dtype ?? dtypeOfArray(values));
  const shape = checkShape("tensor", [...(options.shape ?? [values.length])]);
  if (shapeSize(shape) !== values.length) {
    throw new ShapeError(`tensor: ${values.length} values do not fill shape ${formatShape(shape)} (${shapeSize(shape)} elements)`);
  }
  const out = allocate(dtype, shape, "tensor");
  // A Uint8Array may hold any byte; a bool tensor must hold only 0 and 1, so it goes through fill.
  if (dtype === dtypeOfArray(values) && dtype !== "bool") out.set(values);
  else for (let i = 0; i < values.length; i++) fill(out, values[i]!, dtype, { i });
  keepConstant(out);
  return new Tensor(out, shape);
}

/**
 * A constant made while recording gets work that writes its values again, so that a replay undoes
 * any in-place write the recorded code made into it (an accumulator that starts from a tensor).
 * Not recording, there is nothing to redo and no copy is kept.
 */
function keepConstant(out: DataArray): void {
  if (!isRecording()) return;
  const values = out.slice();
  compute(() => out.set(values));
}

/**
 * A tensor of `shape` with every element `value` (`NaN` and `±Infinity` need a float dtype). The
 * dtype is `options.dtype`, else `bool` for a boolean `value`, else `float32`; `bool` stores
 * `value != 0`.
 *
 * @throws ShapeError when `shape` is not a list of non-negative integers.
 * @throws DTypeError when `options.dtype` is not a dtype, or the dtype is int32 and `value` is not
 * an integer in the int32 range, or float32 and `value` is a finite number that would round to
 * ±Infinity.
 * @throws ValueError when `shape` has more than {@link MAX_ELEMENTS} elements, and StrataError
 * when the engine cannot allocate it (both name the op, the shape and the bytes).
 *
 * @example
 * ```ts
 * import { full } from "@strata/tensor";
 * console.log(full([2], 7, { dtype: "int32" }).toArray()); // [7, 7]
 * ```
 */
export function full(shape: Shape, value: number | boolean, options: { dtype?: DType } = {}): Tensor {
  return filled("full", shape, value, options.dtype);
}

/** `full`, with errors naming `op` (zeros, ones, zerosLike, onesLike, eye). */
function filled(op: string, shape: Shape, value: number | boolean, dtypeOption: DType | undefined): Tensor {
  checkShape(op, shape);
  const dtype = checkDType(op, dtypeOption ?? (typeof value === "boolean" ? "bool" : "float32"));
  const v = Number(value);
  const becomes = lossOf(v, dtype, true);
  if (becomes !== undefined) {
    const expected = dtype === "int32" ? "an int32 (an integer in [-2147483648, 2147483647]" : "a float32 (within ±3.4028234663852886e38, NaN or ±Infinity";
    throw new DTypeError(`${op}: value ${v} is not ${expected}; it would become ${becomes})`);
  }
  const out = allocate(dtype, shape, op);
  const stored = dtype === "bool" ? +(v !== 0) : v;
  // The buffer starts zeroed (lazily, by the engine): writing zeros would only touch every page.
  // Recorded, zeros are written too, so that a replay undoes in-place writes into the result.
  if (!Object.is(v, 0) || isRecording()) compute(() => out.fill(stored));
  return new Tensor(out, shape);
}

/**
 * A tensor of `shape` filled with 0, `float32` unless `options.dtype` says otherwise:
 * `full(shape, 0, options)`.
 *
 * @throws ShapeError when `shape` is not a list of non-negative integers.
 * @throws DTypeError when `options.dtype` is not a dtype.
 * @throws ValueError when the shape has more than {@link MAX_ELEMENTS} elements, and StrataError
 * when the engine cannot allocate it (both name the op, the shape and the bytes).
 *
 * @example
 * ```ts
 * import { zeros } from "@strata/tensor";
 * console.log(zeros([2, 3]).toArray()); // [[0, 0, 0], [0, 0, 0]]
 * try { zeros([1e6, 1e6]); } catch (e) { console.log((e as Error).message); } // zeros: shape [1000000, 1000000] has 1e12 elements (4 TB of float32); a tensor holds at most 4294967296 elements
 * ```
 */
export function zeros(shape: Shape, options: { dtype?: DType } = {}): Tensor {
  return filled("zeros", shape, 0, options.dtype);
}

/**
 * A tensor of `shape` filled with 1, `float32` unless `options.dtype` says otherwise:
 * `full(shape, 1, options)`.
 *
 * @throws ShapeError when `shape` is not a list of non-negative integers.
 * @throws DTypeError when `options.dtype` is not a dtype.
 * @throws ValueError when the shape has more than {@link MAX_ELEMENTS} elements, and StrataError
 * when the engine cannot allocate it (both name the op, the shape and the bytes).
 *
 * @example
 * ```ts
 * import { ones } from "@strata/tensor";
 * console.log(ones([3], { dtype: "int32" }).toArray()); // [1, 1, 1]
 * ```
 */
export function ones(shape: Shape, options: { dtype?: DType } = {}): Tensor {
  return filled("ones", shape, 1, options.dtype);
}

/**
 * Zeros with the shape and dtype of `t` (or the dtype given): a new contiguous tensor, whatever
 * the layout of `t`.
 *
 * @throws DTypeError when `options.dtype` is not a dtype.
 * @throws ValueError when the shape has more than {@link MAX_ELEMENTS} elements, and StrataError
 * when the engine cannot allocate it (both name the op, the shape and the bytes).
 *
 * @example
 * ```ts
 * import { tensor, zerosLike } from "@strata/tensor";
 * console.log(zerosLike(tensor([[1, 2]])).toArray()); // [[0, 0]]
 * ```
 */
export function zerosLike(t: Tensor, options: { dtype?: DType } = {}): Tensor {
  return filled("zerosLike", t.shape, 0, options.dtype ?? t.dtype);
}

/**
 * Ones with the shape and dtype of `t` (or the dtype given): a new contiguous tensor, whatever
 * the layout of `t`.
 *
 * @throws DTypeError when `options.dtype` is not a dtype.
 * @throws ValueError when the shape has more than {@link MAX_ELEMENTS} elements, and StrataError
 * when the engine cannot allocate it (both name the op, the shape and the bytes).
 *
 * @example
 * ```ts
 * import { tensor, onesLike } from "@strata/tensor";
 * console.log(onesLike(tensor([5, 6])).toArray()); // [1, 1]
 * ```
 */
export function onesLike(t: Tensor, options: { dtype?: DType } = {}): Tensor {
  return filled("onesLike", t.shape, 1, options.dtype ?? t.dtype);
}

/**
 * Evenly spaced values `start, start + step, …` below `stop` (above it for a negative step).
 * `arange(stop)` starts at 0. The dtype defaults to `int32` when all arguments are integers,
 * else `float32`; `bool` holds `value != 0`. The result has shape `(n)` with
 * `n = max(0, ceil((stop − start) / step))`, element `i` being `start + i·step`.
 *
 * @throws ValueError when `start`, `stop` or `step` is not finite, or `step` is 0.
 * @throws DTypeError when `options.dtype` is not a dtype, or the result is int32 and its values
 * are fractional (a fractional `start`, or a fractional `step` with more than one value) or
 * `start` or the last value lies outside the int32 range (`arange(3e9, 3e9 + 2)`; pass
 * `{ dtype: "float64" }`), or the result is float32 and `start` or the last value lies beyond
 * float32's range (it would become ±Infinity).
 * @throws ValueError when the result has more than {@link MAX_ELEMENTS} elements, and StrataError
 * when the engine cannot allocate it (both name the op, the length and the bytes).
 *
 * @example
 * ```ts
 * import { arange } from "@strata/tensor";
 * console.log(arange(4).toArray(), arange(1, 2, 0.25).toArray()); // [0, 1, 2, 3] [1, 1.25, 1.5, 1.75]
 * ```
 */
export function arange(stop: number, options?: { dtype?: DType }): Tensor;
export function arange(start: number, stop: number, step?: number, options?: { dtype?: DType }): Tensor;
export function arange(a: number, b?: number | { dtype?: DType }, c?: number, d?: { dtype?: DType }): Tensor {
  const [start, stop, step, options] = typeof b === "number" ? [a, b, c ?? 1, d ?? {}] : [0, a, 1, b ?? {}];
  for (const v of [start, stop, step]) {
    if (!Number.isFinite(v)) throw new ValueError(`arange: start, stop and step must be finite, got ${start}, ${stop}, ${step}`);
  }
  if (step === 0) throw new ValueError("arange: step must not be 0");
  const integral = [start, stop, step].every(Number.isInteger);
  const dtype = checkDType("arange", options.dtype ?? (integral ? "int32" : "float32"));
  const n = Math.max(0, Math.ceil((stop - start) / step));
  // Only start and step decide whether the values are whole; a fractional stop is fine.
  if (dtype === "int32" && n > 0 && !(Number.isInteger(start) && (n === 1 || Number.isInteger(step)))) {
    throw new DTypeError(`arange: start ${start} and step ${step} give fractional values, which int32 cannot hold; use a float dtype`);
  }
  // The values run from start to the last one, so checking both ends keeps int32 from wrapping.
  if (dtype === "int32" && n > 0) {
    for (const [what, v] of [["start", start], ["last value", start + (n - 1) * step]] as const) {
      if (v < -2147483648 || v > 2147483647) {
        throw new DTypeError(`arange: ${what} ${v} is outside the int32 range of an int32 result; pass { dtype: "float64" }`);
      }
    }
  }
  // The values are monotonic, so the two ends decide whether float32 can hold them all.
  if (dtype === "float32" && n > 0) {
    for (const [what, v] of [["start", start], ["last value", start + (n - 1) * step]] as const) {
      const becomes = lossOf(v, dtype);
      if (becomes !== undefined) throw new DTypeError(`arange: ${what} ${v} is beyond float32's range (it would become ${becomes}); pass { dtype: "float64" }`);
    }
  }
  const out = allocate(dtype, [n], "arange");
  compute(() => {
    // bool holds only 0 and 1: any non-zero value is true (a Uint8Array would keep 2 as 2).
    if (dtype === "bool") for (let i = 0; i < n; i++) out[i] = start + i * step !== 0 ? 1 : 0;
    else for (let i = 0; i < n; i++) out[i] = start + i * step;
  });
  return new Tensor(out, [n]);
}

/**
 * `num` evenly spaced values from `start` to `stop`, both included (float32 by default): a
 * tensor of shape `(num)` whose element `i` is `start + i·(stop − start)/(num − 1)`, the last
 * exactly `stop`; `num = 1` gives `[start]`.
 *
 * @throws ValueError when `start` or `stop` is not finite, or `num` is not a non-negative integer.
 * @throws DTypeError when `options.dtype` is not a dtype, or is not float32 or float64, or is
 * float32 and `start` or `stop` lies beyond float32's range (it would become ±Infinity).
 * @throws ValueError when the shape has more than {@link MAX_ELEMENTS} elements, and StrataError
 * when the engine cannot allocate it (both name the op, the shape and the bytes).
 *
 * @example
 * ```ts
 * import { linspace } from "@strata/tensor";
 * console.log(linspace(0, 1, 5).toArray()); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, stop: number, num: number, options: { dtype?: DType } = {}): Tensor {
  if (!Number.isFinite(start) || !Number.isFinite(stop)) {
    throw new ValueError(`linspace: start and stop must be finite, got ${String(start)}, ${String(stop)}`);
  }
  if (!Number.isInteger(num) || num < 0) throw new ValueError(`linspace: num must be a non-negative integer, got ${num}`);
  const dtype = checkDType("linspace", options.dtype ?? "float32");
  if (!isFloatDType(dtype)) throw new DTypeError(`linspace: dtype ${dtype} cannot hold fractional steps; use float32 or float64`);
  for (const [what, v] of [["start", start], ["stop", stop]] as const) {
    const becomes = lossOf(v, dtype);
    if (becomes !== undefined) throw new DTypeError(`linspace: ${what} ${v} is beyond float32's range (it would become ${becomes}); pass { dtype: "float64" }`);
  }
  const out = allocate(dtype, [num], "linspace");
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  // The last value is exactly `stop` (no rounding drift), except for num = 1, which is `start`
  // as in numpy.
  compute(() => {
    for (let i = 0; i < num; i++) out[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  });
  return new Tensor(out, [num]);
}

/**
 * The `n × m` identity matrix (`m` defaults to `n`): a tensor of shape `(n,m)` with ones on the
 * diagonal (`i = j`) and zeros elsewhere, `float32` unless `options.dtype` says otherwise.
 *
 * @throws ShapeError when `n` or `m` is not a non-negative integer.
 * @throws DTypeError when `options.dtype` is not a dtype.
 * @throws ValueError when the shape has more than {@link MAX_ELEMENTS} elements, and StrataError
 * when the engine cannot allocate it (both name the op, the shape and the bytes).
 *
 * @example
 * ```ts
 * import { eye } from "@strata/tensor";
 * console.log(eye(2).toArray()); // [[1, 0], [0, 1]]
 * ```
 */
export function eye(n: number, m: number = n, options: { dtype?: DType } = {}): Tensor {
  for (const [name, v] of [["n", n], ["m", m]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ShapeError(`eye: ${name} is ${String(v)}; expected a non-negative integer`);
  }
  const out = filled("eye", [n, m], 0, options.dtype);
  compute(() => {
    const data = out.data;
    for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  });
  return out;
}

/** Internal: wraps a freshly computed buffer as a tensor of `shape`, checking its length. */
export function fromBuffer(data: DataArray, shape: Shape): Tensor {
  if (data.length !== shapeSize(shape)) {
    throw new ShapeError(`fromBuffer: ${data.length} elements do not fill shape ${formatShape(shape)}`);
  }
  return new Tensor(data, shape);
}

export type { NestedArray };
