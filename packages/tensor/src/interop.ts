// Conversions to and from other libraries' arrays. ndarray shares memory (same strided model as
// Tensor); gl-matrix values are small Float32Arrays that gl-matrix mutates in place, so those copy.
import ndarray from "ndarray";
import type { NdArray } from "ndarray";
import ops from "ndarray-ops";
import { mat2, mat3, mat4, quat, vec2, vec3, vec4 } from "gl-matrix";
import type { ReadonlyMat2, ReadonlyMat3, ReadonlyMat4, ReadonlyQuat, ReadonlyVec2, ReadonlyVec3, ReadonlyVec4 } from "gl-matrix";
import { allocate, type DataArray } from "./dtype.js";
import { lossOf } from "./convert.js";
import { DTypeError, ShapeError, ValueError } from "./errors.js";
import { formatShape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { noteValueRead } from "./record.js";

const ACCEPTED = "Float32Array, Float64Array, Int32Array or Uint8Array";

function typeName(data: unknown): string {
  if (Array.isArray(data)) return "a plain Array";
  if (data === null || data === undefined) return String(data);
  return (data as object).constructor?.name ?? typeof data;
}

/**
 * A tensor over the same memory as the ndarray `a`: its `data`, `shape`, `stride` and `offset`
 * are taken as they are, so writes through either one show in the other and no element is copied.
 * The dtype follows the data: Float32Array → `float32`, Float64Array → `float64`, Int32Array →
 * `int32`, Uint8Array → `bool`. The tensor has the ndarray's shape and strides.
 *
 * A `bool` tensor holds only 0 and 1. Where `tensor()` copies a Uint8Array and so stores
 * `value != 0`, fromNdarray shares the memory and cannot normalise it: a Uint8Array view holding
 * any other byte is refused (later writes through the ndarray are not checked).
 *
 * @throws DTypeError when the data is anything else (a plain array, Int16Array,
 *   Uint8ClampedArray, …).
 * @throws ValueError when the ndarray is inconsistent (as many strides as axes, integer lengths
 *   >= 0, integer strides and offset are required), the view reaches indices outside its data, or
 *   the data is a Uint8Array and an element of the view is neither 0 nor 1.
 *
 * @example
 * ```ts
 * import ndarray from "ndarray";
 * import { fromNdarray } from "@strata/tensor";
 * const a = ndarray(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
 * const t = fromNdarray(a.transpose(1, 0));
 * a.set(0, 1, 20);
 * console.log(t.shape, t.strides, t.get(1, 0)); // [3, 2] [1, 3] 20
 * ```
 */
export function fromNdarray(a: NdArray): Tensor {
  const data: unknown = a.data;
  if (!(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array || data instanceof Uint8Array)) {
    throw new DTypeError(`fromNdarray: ndarray data is ${typeName(data)}; expected ${ACCEPTED}`);
  }
  const shape = [...a.shape];
  const strides = [...a.stride];
  const offset = a.offset;
  if (strides.length !== shape.length || shape.some((n) => !Number.isInteger(n) || n < 0) || !strides.every(Number.isInteger) || !Number.isInteger(offset)) {
    throw new ValueError(`fromNdarray: inconsistent ndarray: shape [${shape.join(", ")}], stride [${strides.join(", ")}], offset ${offset}`);
  }
  // The Tensor constructor trusts its caller: check the lowest and highest index the view reaches.
  if (!shape.includes(0)) {
    let lo = offset;
    let hi = offset;
    shape.forEach((n, i) => {
      const reach = (n - 1) * strides[i]!;
      if (reach < 0) lo += reach;
      else hi += reach;
    });
    if (lo < 0 || hi >= data.length) {
      throw new ValueError(`fromNdarray: the view ${formatShape(shape)} with stride [${strides.join(", ")}] and offset ${offset} reaches indices ${lo}..${hi}, outside data of length ${data.length}`);
    }
  }
  const t = new Tensor(data as DataArray, shape, strides, offset);
  // Only the elements of the view are read, through its strides.
  const max = t.dtype === "bool" && t.size > 0 ? ops.sup(t.nd) : 0;
  if (max > 1) {
    throw new ValueError(`fromNdarray: Uint8Array data is read as bool, which holds only 0 and 1, but the view holds ${max}; write 0 and 1 into the data first (fromNdarray shares memory, so it cannot store value != 0 in a copy as tensor() does)`);
  }
  return t;
}

/**
 * An ndarray over the same memory as `t` (its buffer, shape, strides and offset; no copy):
 * writes through either one show in the other; it has the tensor's shape (a 0-d tensor gives a
 * 0-d ndarray). A `bool` tensor gives Uint8Array data. Never throws.
 *
 * @example
 * ```ts
 * import { arange, toNdarray } from "@strata/tensor";
 * const t = arange(6).reshape([2, 3]).T;
 * const a = toNdarray(t);
 * a.set(2, 1, 50);
 * console.log(a.shape, a.stride, t.get(2, 1)); // [3, 2] [1, 3] 50
 * ```
 */
export function toNdarray(t: Tensor): NdArray<DataArray> {
  return ndarray(t.data, [...t.shape], [...t.strides], t.offset);
}

/** A new float32 tensor of `shape` from `values` (gl-matrix's memory order). */
function fromFlat(op: string, values: ArrayLike<number>, length: number): Float32Array {
  if (values == null || typeof values.length !== "number" || values.length !== length) {
    throw new ShapeError(`${op}: expected ${length} values, got ${values == null ? String(values) : values.length}`);
  }
  const out = allocate("float32", length, op) as Float32Array;
  for (let i = 0; i < length; i++) out[i] = checked(op, values[i]!, i, out);
  return out;
}

/** `v` (element `i`), refused when `out` is a Float32Array that cannot hold it (see lossOf). */
function checked(op: string, v: number, i: number, out: unknown): number {
  const becomes = out instanceof Float32Array ? lossOf(v, "float32") : undefined;
  if (becomes !== undefined) throw new DTypeError(`${op}: element ${i} is ${v}, which float32 cannot hold (it would become ${becomes})`);
  return v;
}

function checkOut(op: string, t: Tensor, shape: readonly number[]): void {
  if (t.ndim !== shape.length || t.shape.some((n, i) => n !== shape[i])) {
    throw new ShapeError(`${op}: expected shape ${formatShape(shape)}, got ${formatShape(t.shape)}`);
  }
  if (t.dtype !== "float32" && t.dtype !== "float64") {
    throw new DTypeError(`${op}: expected a float32 or float64 tensor, got ${t.dtype}; cast it first`);
  }
}

/** Column-major (gl-matrix) n×n values → the (n,n) tensor whose (i, j) is row i, column j. */
function fromColumnMajor(op: string, m: ArrayLike<number>, n: number): Tensor {
  const cm = fromFlat(op, m, n * n);
  const out = allocate("float32", [n, n], op) as Float32Array;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = cm[j * n + i]!;
  return new Tensor(out, [n, n]);
}

/** The (n,n) tensor `t` (any view) written column-major into `out`. */
function toColumnMajor<M extends { [i: number]: number }>(op: string, t: Tensor, n: number, out: M): M {
  checkOut(op, t, [n, n]);
  noteValueRead(`${op}()`);
  const [s0, s1] = t.strides as [number, number];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = checked(op, t.data[t.offset + i * s0 + j * s1]!, j * n + i, out);
  return out;
}

/** The (n,) tensor `t` (any view) written into `out`. */
function toFlat<V extends { [i: number]: number }>(op: string, t: Tensor, n: number, out: V): V {
  checkOut(op, t, [n]);
  noteValueRead(`${op}()`);
  for (let i = 0; i < n; i++) out[i] = checked(op, t.data[t.offset + i * t.strides[0]!]!, i, out);
  return out;
}

/**
 * A new float32 tensor of shape (2) with the values of a gl-matrix `vec2` (a copy).
 *
 * @throws ShapeError when `v` does not hold exactly 2 values (gl-matrix's types admit any
 *   indexed collection).
 * @throws DTypeError when a value is a finite number float32 cannot hold (beyond
 *   ±3.4028234663852886e38: it would become ±Infinity), possible with gl-matrix's Array type.
 *
 * @example
 * ```ts
 * import { vec2 } from "gl-matrix";
 * import { fromVec2 } from "@strata/tensor";
 * console.log(fromVec2(vec2.fromValues(1, 2)).toArray()); // [1, 2]
 * ```
 */
export function fromVec2(v: ReadonlyVec2): Tensor {
  return new Tensor(fromFlat("fromVec2", v, 2), [2]);
}
/**
 * A new float32 tensor of shape (3) with the values of a gl-matrix `vec3` (a copy).
 *
 * @throws ShapeError when `v` does not hold exactly 3 values (gl-matrix's types admit any
 *   indexed collection).
 * @throws DTypeError when a value is a finite number float32 cannot hold (beyond
 *   ±3.4028234663852886e38: it would become ±Infinity), possible with gl-matrix's Array type.
 *
 * @example
 * ```ts
 * import { vec3 } from "gl-matrix";
 * import { fromVec3 } from "@strata/tensor";
 * console.log(fromVec3(vec3.fromValues(1, 2, 3)).toArray()); // [1, 2, 3]
 * ```
 */
export function fromVec3(v: ReadonlyVec3): Tensor {
  return new Tensor(fromFlat("fromVec3", v, 3), [3]);
}
/**
 * A new float32 tensor of shape (4) with the values of a gl-matrix `vec4` (a copy).
 *
 * @throws ShapeError when `v` does not hold exactly 4 values (gl-matrix's types admit any
 *   indexed collection).
 * @throws DTypeError when a value is a finite number float32 cannot hold (beyond
 *   ±3.4028234663852886e38: it would become ±Infinity), possible with gl-matrix's Array type.
 *
 * @example
 * ```ts
 * import { vec4 } from "gl-matrix";
 * import { fromVec4 } from "@strata/tensor";
 * console.log(fromVec4(vec4.fromValues(1, 2, 3, 1)).toArray()); // [1, 2, 3, 1]
 * ```
 */
export function fromVec4(v: ReadonlyVec4): Tensor {
  return new Tensor(fromFlat("fromVec4", v, 4), [4]);
}

/**
 * The values of a float32 or float64 tensor of shape (2) (any view) copied into a gl-matrix
 * `vec2`: `out` if given, else a new one (`vec2.create()`, a Float32Array by default).
 *
 * @throws ShapeError when `t` does not have shape (2).
 * @throws DTypeError when `t` is neither float32 nor float64, or holds a value that a Float32Array
 *   `out` cannot hold (a float64 beyond ±3.4028234663852886e38; it would become ±Infinity).
 *
 * @example
 * ```ts
 * import { tensor, toVec2 } from "@strata/tensor";
 * console.log(toVec2(tensor([1, 2]))); // Float32Array(2) [1, 2]
 * ```
 */
export function toVec2(t: Tensor, out: vec2 = vec2.create()): vec2 {
  return toFlat("toVec2", t, 2, out);
}
/**
 * The values of a float32 or float64 tensor of shape (3) (any view) copied into a gl-matrix
 * `vec3`: `out` if given, else a new one.
 *
 * @throws ShapeError when `t` does not have shape (3).
 * @throws DTypeError when `t` is neither float32 nor float64, or holds a value that a Float32Array
 *   `out` cannot hold (a float64 beyond ±3.4028234663852886e38; it would become ±Infinity).
 *
 * @example
 * ```ts
 * import { tensor, toVec3 } from "@strata/tensor";
 * console.log(toVec3(tensor([1, 2, 3], { dtype: "float64" }))); // Float32Array(3) [1, 2, 3]
 * ```
 */
export function toVec3(t: Tensor, out: vec3 = vec3.create()): vec3 {
  return toFlat("toVec3", t, 3, out);
}
/**
 * The values of a float32 or float64 tensor of shape (4) (any view) copied into a gl-matrix
 * `vec4`: `out` if given, else a new one.
 *
 * @throws ShapeError when `t` does not have shape (4).
 * @throws DTypeError when `t` is neither float32 nor float64, or holds a value that a Float32Array
 *   `out` cannot hold (a float64 beyond ±3.4028234663852886e38; it would become ±Infinity).
 *
 * @example
 * ```ts
 * import { tensor, toVec4 } from "@strata/tensor";
 * console.log(toVec4(tensor([1, 2, 3, 1]))); // Float32Array(4) [1, 2, 3, 1]
 * ```
 */
export function toVec4(t: Tensor, out: vec4 = vec4.create()): vec4 {
  return toFlat("toVec4", t, 4, out);
}

/**
 * The (2,2) float32 tensor of a gl-matrix `mat2` (a copy of its 4 values). gl-matrix
 * stores matrices column-major, so element (i, j) of the tensor, row i and column j of the
 * matrix, is `m[j*2 + i]`.
 *
 * @throws ShapeError when `m` does not hold exactly 4 values.
 * @throws DTypeError when a value is a finite number float32 cannot hold (beyond
 *   ±3.4028234663852886e38: it would become ±Infinity), possible with gl-matrix's Array type.
 *
 * @example
 * ```ts
 * import { mat2 } from "gl-matrix";
 * import { fromMat2 } from "@strata/tensor";
 * console.log(fromMat2(mat2.fromValues(1, 2, 3, 4)).toArray()); // [[1, 3], [2, 4]]
 * ```
 */
export function fromMat2(m: ReadonlyMat2): Tensor {
  return fromColumnMajor("fromMat2", m, 2);
}
/**
 * The (3,3) float32 tensor of a gl-matrix `mat3` (a copy of its 9 values). gl-matrix
 * stores matrices column-major, so element (i, j) of the tensor, row i and column j of the
 * matrix, is `m[j*3 + i]`.
 *
 * @throws ShapeError when `m` does not hold exactly 9 values.
 * @throws DTypeError when a value is a finite number float32 cannot hold (beyond
 *   ±3.4028234663852886e38: it would become ±Infinity), possible with gl-matrix's Array type.
 *
 * @example
 * ```ts
 * import { mat3 } from "gl-matrix";
 * import { fromMat3 } from "@strata/tensor";
 * const m = fromMat3(mat3.fromTranslation(mat3.create(), [5, 6]));
 * console.log(m.get(0, 2), m.get(1, 2)); // 5 6
 * ```
 */
export function fromMat3(m: ReadonlyMat3): Tensor {
  return fromColumnMajor("fromMat3", m, 3);
}
/**
 * The (4,4) float32 tensor of a gl-matrix `mat4` (a copy of its 16 values). gl-matrix
 * stores matrices column-major, so element (i, j) of the tensor, row i and column j of the
 * mathematical matrix, is `m[j*4 + i]`: a translation lands in column 3, and
 * `matmul(fromMat4(m), v)` transforms `v` as `vec4.transformMat4` does.
 *
 * @throws ShapeError when `m` does not hold exactly 16 values.
 * @throws DTypeError when a value is a finite number float32 cannot hold (beyond
 *   ±3.4028234663852886e38: it would become ±Infinity), possible with gl-matrix's Array type.
 *
 * @example
 * ```ts
 * import { mat4 } from "gl-matrix";
 * import { fromMat4 } from "@strata/tensor";
 * const m = fromMat4(mat4.fromTranslation(mat4.create(), [1, 2, 3]));
 * console.log(m.get(0, 3), m.get(1, 3), m.get(2, 3), m.get(3, 3)); // 1 2 3 1
 * ```
 */
export function fromMat4(m: ReadonlyMat4): Tensor {
  return fromColumnMajor("fromMat4", m, 4);
}

/**
 * The inverse of {@link fromMat2}: a float32 or float64 (2,2) tensor (any view) copied into a
 * gl-matrix `mat2` in column-major order (`out[j*2 + i] = t[i, j]`), `out` if given, else a new
 * one.
 *
 * @throws ShapeError when `t` does not have shape (2,2).
 * @throws DTypeError when `t` is neither float32 nor float64, or holds a value that a Float32Array
 *   `out` cannot hold (a float64 beyond ±3.4028234663852886e38; it would become ±Infinity).
 *
 * @example
 * ```ts
 * import { tensor, toMat2 } from "@strata/tensor";
 * console.log(toMat2(tensor([[1, 2], [3, 4]]))); // Float32Array(4) [1, 3, 2, 4]
 * ```
 */
export function toMat2(t: Tensor, out: mat2 = mat2.create()): mat2 {
  return toColumnMajor("toMat2", t, 2, out);
}
/**
 * The inverse of {@link fromMat3}: a float32 or float64 (3,3) tensor (any view) copied into a
 * gl-matrix `mat3` in column-major order (`out[j*3 + i] = t[i, j]`), `out` if given, else a new
 * one.
 *
 * @throws ShapeError when `t` does not have shape (3,3).
 * @throws DTypeError when `t` is neither float32 nor float64, or holds a value that a Float32Array
 *   `out` cannot hold (a float64 beyond ±3.4028234663852886e38; it would become ±Infinity).
 *
 * @example
 * ```ts
 * import { eye, toMat3 } from "@strata/tensor";
 * console.log(toMat3(eye(3))); // Float32Array(9) [1, 0, 0, 0, 1, 0, 0, 0, 1]
 * ```
 */
export function toMat3(t: Tensor, out: mat3 = mat3.create()): mat3 {
  return toColumnMajor("toMat3", t, 3, out);
}
/**
 * The inverse of {@link fromMat4}: a float32 or float64 (4,4) tensor (any view) copied into a
 * gl-matrix `mat4` in column-major order (`out[j*4 + i] = t[i, j]`, so column 3 of the tensor
 * becomes gl-matrix's translation `out[12..14]`), `out` if given, else a new one.
 *
 * @throws ShapeError when `t` does not have shape (4,4) (`toMat4: expected shape (4,4), got (3,4)`).
 * @throws DTypeError when `t` is neither float32 nor float64, or holds a value that a Float32Array
 *   `out` cannot hold (a float64 beyond ±3.4028234663852886e38; it would become ±Infinity).
 *
 * @example
 * ```ts
 * import { tensor, toMat4 } from "@strata/tensor";
 * const t = tensor([[1, 0, 0, 7], [0, 1, 0, 8], [0, 0, 1, 9], [0, 0, 0, 1]]);
 * console.log(Array.from(toMat4(t)).slice(12)); // [7, 8, 9, 1]
 * ```
 */
export function toMat4(t: Tensor, out: mat4 = mat4.create()): mat4 {
  return toColumnMajor("toMat4", t, 4, out);
}

/**
 * A new float32 tensor of shape (4) with a gl-matrix quaternion in gl-matrix's order
 * `[x, y, z, w]` (the scalar part last). A copy.
 *
 * @throws ShapeError when `q` does not hold exactly 4 values.
 * @throws DTypeError when a value is a finite number float32 cannot hold (beyond
 *   ±3.4028234663852886e38: it would become ±Infinity), possible with gl-matrix's Array type.
 *
 * @example
 * ```ts
 * import { quat } from "gl-matrix";
 * import { fromQuat } from "@strata/tensor";
 * console.log(fromQuat(quat.create()).toArray()); // [0, 0, 0, 1]
 * ```
 */
export function fromQuat(q: ReadonlyQuat): Tensor {
  return new Tensor(fromFlat("fromQuat", q, 4), [4]);
}
/**
 * A float32 or float64 tensor of shape (4), read as `[x, y, z, w]`, copied into a gl-matrix
 * `quat` (`out` if given, else a new one). It is not normalised.
 *
 * @throws ShapeError when `t` does not have shape (4).
 * @throws DTypeError when `t` is neither float32 nor float64, or holds a value that a Float32Array
 *   `out` cannot hold (a float64 beyond ±3.4028234663852886e38; it would become ±Infinity).
 *
 * @example
 * ```ts
 * import { tensor, toQuat } from "@strata/tensor";
 * console.log(toQuat(tensor([0, 0, 0, 1]))); // Float32Array(4) [0, 0, 0, 1]
 * ```
 */
export function toQuat(t: Tensor, out: quat = quat.create()): quat {
  return toFlat("toQuat", t, 4, out);
}
