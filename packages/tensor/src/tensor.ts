import ndarray from "ndarray";
import type { NdArray } from "ndarray";
import type { DataArray, DType } from "./dtype.js";
import { dtypeOfArray } from "./dtype.js";
import { ValueError } from "./errors.js";
import { contiguousStrides, formatShape, shapeSize, type Shape } from "./shape.js";
import * as views from "./views.js";
import type { SliceArg } from "./views.js";
import * as ew from "./elementwise.js";
import * as red from "./reduce.js";
import type { AxisOptions, ArgOptions } from "./reduce.js";
import { matmul } from "./linalg.js";
import { gather, type GatherOptions } from "./join.js";
import { cast, contiguousCopy, type CastOptions } from "./copy.js";
import { formatTensor } from "./format.js";
import { allClose, equals, type CloseOptions } from "./compare.js";
import * as inplace from "./inplace.js";
import type { InPlaceOptions } from "./inplace.js";
import { indexAdd, type IndexAddOptions } from "./scatter.js";
import { bufferVersion } from "./version.js";
import { HostStorage, type Storage } from "./storage.js";
import { noteValueRead } from "./record.js";

/**
 * What `toArray()` returns: a number for a scalar, nested arrays otherwise (`bool` reads as 0/1).
 *
 * @example
 * ```ts
 * import { tensor, type NestedArray } from "@strata/tensor";
 * const rows: NestedArray = tensor([[1, 2], [3, 4]]).toArray();
 * console.log(rows); // [[1, 2], [3, 4]]
 * ```
 */
export type NestedArray = number | NestedArray[];

/**
 * An n-dimensional array: a strided view `(data, shape, strides, offset)` over a typed array.
 * The element at index `(i0, …, ik)` is `data[offset + Σ ij·strides[j]]`. Views (reshape of
 * contiguous data, transpose, slice, squeeze, unsqueeze, broadcastTo) share `data`; ops return new
 * tensors and never change their inputs.
 *
 * Create tensors with {@link tensor}, {@link zeros} and friends rather than the constructor. The
 * constructor is internal and trusts its arguments (it does not check that the view stays inside
 * `data`; the creators do). Never throws on construction; each method throws as the function it
 * forwards to.
 *
 * @example
 * ```ts
 * import { tensor } from "@strata/tensor";
 * const a = tensor([[1, 2, 3], [4, 5, 6]]);
 * console.log(a.shape, a.T.shape, a.T.get(2, 1)); // [2, 3] [3, 2] 6
 * ```
 */
export class Tensor {
  /** The element type. */
  readonly dtype: DType;
  /** The length of each axis. */
  readonly shape: readonly number[];
  /** How far apart, in elements of `data`, neighbours along each axis are (0 for broadcast axes). */
  readonly strides: readonly number[];
  /** Index in `data` of the first element. */
  readonly offset: number;
  /**
   * Where the values live (see {@link Storage}); views share their base tensor's storage. Every
   * read of the values goes through it: {@link Tensor.data} is `storage.host()`.
   */
  readonly storage: Storage;
  /** Number of elements: the product of `shape`. */
  readonly size: number;
  #nd: NdArray<DataArray> | undefined;

  /**
   * Wraps a buffer without copying. Callers guarantee that every index the view can reach lies in
   * `data`; the public creators check this.
   *
   * @internal
   */
  constructor(data: DataArray | Storage, shape: Shape, strides?: Shape, offset = 0) {
    this.storage = ArrayBuffer.isView(data) ? new HostStorage(data) : data;
    this.dtype = dtypeOfArray(this.storage.host());
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
    this.size = shapeSize(shape);
  }

  /**
   * The buffer in JavaScript memory, possibly shared with other views: `storage.host()`.
   *
   * It may be a *resident* array, a view on the WebAssembly kernels' memory (the buffers of a
   * recorded step, and parameters a compiled step moved there), whose block goes back to the
   * kernels' heap when the array is garbage-collected. So do not keep a second view of its memory
   * without the array itself: `t.data.subarray(…)`, `new Float32Array(t.data.buffer, …)` or
   * `t.data.buffer` kept after `t` and `t.data` are dropped may later read another tensor's
   * values. Use them while you hold `t`, or copy (`slice()`, {@link Tensor.toTypedArray}). Its
   * `buffer` is then a SharedArrayBuffer: `postMessage` and `structuredClone` of the array share
   * the memory instead of copying it; send `t.toTypedArray()`. Read `t.data` again after a call
   * that may move the values (a compiled step's first call) rather than keeping an old reference.
   */
  get data(): DataArray {
    return this.storage.host();
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /**
   * Counts the in-place writes made through Strata's in-place functions ({@link assign},
   * {@link addInPlace}, {@link fill}, …, and {@link bumpVersion}) to this tensor's buffer, through
   * any view of it: a slice, a transpose and the tensor they came from share one counter. 0 for a
   * fresh buffer; a copy (clone(), contiguous() of a strided view, any op's result) starts at 0.
   * Raw writes to `.data` are not counted unless the writer calls {@link bumpVersion}. Autograd
   * records it when it saves a tensor and refuses to backpropagate if it has changed.
   *
   * @example
   * ```ts
   * import { zeros } from "@strata/tensor";
   * const x = zeros([2, 2]);
   * const row = x.slice(0);
   * row.fill(1);
   * console.log(x.version, row.version, x.T.version, x.clone().version); // 1 1 1 0
   * ```
   */
  get version(): number {
    return bufferVersion(this.data);
  }

  /** Whether the elements lie in row-major order without gaps from `offset` on. */
  get isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      const n = this.shape[i]!;
      if (n !== 1 && this.strides[i] !== expected) return this.size === 0;
      expected *= n;
    }
    return true;
  }

  /**
   * The ndarray view over the same memory (cached; no copy).
   *
   * @internal
   */
  get nd(): NdArray<DataArray> {
    // the storage's array may have been swapped (makeResident) since the view was made
    if (this.#nd !== undefined && this.#nd.data !== this.data) this.#nd = undefined;
    this.#nd ??= ndarray(this.data, [...this.shape], [...this.strides], this.offset);
    return this.#nd;
  }

  /** The element at one index per axis; negative indices count from the end. */
  get(...index: number[]): number {
    noteValueRead("get()");
    return this.#at(index);
  }

  #at(index: readonly number[]): number {
    if (index.length !== this.ndim) {
      throw new ValueError(`get: expected ${this.ndim} indices for shape ${formatShape(this.shape)}, got ${index.length}`);
    }
    let at = this.offset;
    for (let i = 0; i < index.length; i++) {
      const n = this.shape[i]!;
      let k = index[i]!;
      if (!Number.isInteger(k) || k < -n || k >= n) {
        throw new ValueError(`get: index ${k} is out of range for axis ${i} of length ${n} in shape ${formatShape(this.shape)}`);
      }
      if (k < 0) k += n;
      at += k * this.strides[i]!;
    }
    return this.data[at]!;
  }

  /** The value of a one-element tensor, as a number. */
  item(): number {
    if (this.size !== 1) {
      throw new ValueError(`item: expected a tensor with one element, got shape ${formatShape(this.shape)} (${this.size} elements)`);
    }
    noteValueRead("item()");
    return this.#at(new Array<number>(this.ndim).fill(0));
  }

  /** The elements in row-major order, in a new typed array of this dtype. */
  toTypedArray(): DataArray {
    noteValueRead("toTypedArray()");
    return contiguousCopy(this, this.dtype, "toTypedArray").data;
  }

  /** The elements as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    noteValueRead("toArray()");
    const flat = contiguousCopy(this, this.dtype, "toArray").data;
    const build = (axis: number, start: number): NestedArray => {
      if (axis === this.ndim) return flat[start]!;
      const n = this.shape[axis]!;
      const step = shapeSize(this.shape.slice(axis + 1));
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = build(axis + 1, start + i * step);
      return out;
    };
    return build(0, 0);
  }

  /** A numpy-like print with shape and dtype; large tensors are summarised with `...`. */
  toString(): string {
    return formatTensor(this);
  }

  /** Same shape and the same values (dtypes may differ; NaN never equals NaN). */
  equals(other: Tensor): boolean {
    return equals(this, other);
  }
  /** `|a - b| <= atol + rtol·|b|` elementwise, with broadcasting; defaults rtol 1e-5, atol 1e-8. */
  allClose(other: Tensor | number, options?: CloseOptions): boolean {
    return allClose(this, other, options);
  }

  /** This tensor if contiguous, else a row-major copy. */
  contiguous(): Tensor {
    return this.isContiguous ? this : contiguousCopy(this, this.dtype, "contiguous");
  }
  /** A row-major copy that shares nothing with this tensor. */
  clone(): Tensor {
    return contiguousCopy(this, this.dtype, "clone");
  }
  /** A copy converted to `dtype`: see {@link cast} (floats to int32 truncate toward zero; values the dtype cannot hold are refused unless `{ unchecked: true }`). */
  cast(dtype: DType, options?: CastOptions): Tensor {
    return cast(this, dtype, options);
  }

  /** Same data in a new shape; a view when contiguous, else a copy. One length may be -1. */
  reshape(shape: Shape): Tensor {
    return views.reshape(this, shape);
  }
  /** The axes reordered by `perm` (default: reversed); a view. */
  transpose(perm?: readonly number[]): Tensor {
    return views.transpose(this, perm);
  }
  /** All axes reversed (the matrix transpose for 2-D); a view. */
  get T(): Tensor {
    return views.transpose(this);
  }
  /** One argument per axis: `[start, stop, step?]`, a number to pick (drops the axis), or null to keep. */
  slice(...ranges: SliceArg[]): Tensor {
    return views.slice(this, ...ranges);
  }
  /** Drops length-1 axes (all, or the ones named); a view. */
  squeeze(axis?: number | readonly number[]): Tensor {
    return views.squeeze(this, axis);
  }
  /** Inserts a length-1 axis at `axis`; a view. */
  unsqueeze(axis: number): Tensor {
    return views.unsqueeze(this, axis);
  }
  /** Numpy broadcasting to `shape` with stride 0 on repeated axes; a view. */
  broadcastTo(shape: Shape): Tensor {
    return views.broadcastTo(this, shape);
  }
  /** Like broadcastTo, but -1 keeps an axis's length (PyTorch's `expand`); a view. */
  expand(shape: Shape): Tensor {
    return views.expand(this, shape);
  }
  /** All elements in one axis (a view when contiguous). */
  flatten(): Tensor {
    return views.reshape(this, [this.size]);
  }
  /** `add(this, other)` with broadcasting: see {@link ew.add | add}. */
  add(other: Tensor | number): Tensor { return ew.add(this, other); }
  /** `sub(this, other)` with broadcasting: see {@link ew.sub | sub}. */
  sub(other: Tensor | number): Tensor { return ew.sub(this, other); }
  /** `mul(this, other)` with broadcasting: see {@link ew.mul | mul}. */
  mul(other: Tensor | number): Tensor { return ew.mul(this, other); }
  /** `div(this, other)` with broadcasting: see {@link ew.div | div}. */
  div(other: Tensor | number): Tensor { return ew.div(this, other); }
  /** `pow(this, other)` with broadcasting: see {@link ew.pow | pow}. */
  pow(other: Tensor | number): Tensor { return ew.pow(this, other); }
  /** `maximum(this, other)` with broadcasting: see {@link ew.maximum | maximum}. */
  maximum(other: Tensor | number): Tensor { return ew.maximum(this, other); }
  /** `minimum(this, other)` with broadcasting: see {@link ew.minimum | minimum}. */
  minimum(other: Tensor | number): Tensor { return ew.minimum(this, other); }
  /** `eq(this, other)` with broadcasting: see {@link ew.eq | eq}. */
  eq(other: Tensor | number): Tensor { return ew.eq(this, other); }
  /** `ne(this, other)` with broadcasting: see {@link ew.ne | ne}. */
  ne(other: Tensor | number): Tensor { return ew.ne(this, other); }
  /** `lt(this, other)` with broadcasting: see {@link ew.lt | lt}. */
  lt(other: Tensor | number): Tensor { return ew.lt(this, other); }
  /** `le(this, other)` with broadcasting: see {@link ew.le | le}. */
  le(other: Tensor | number): Tensor { return ew.le(this, other); }
  /** `gt(this, other)` with broadcasting: see {@link ew.gt | gt}. */
  gt(other: Tensor | number): Tensor { return ew.gt(this, other); }
  /** `ge(this, other)` with broadcasting: see {@link ew.ge | ge}. */
  ge(other: Tensor | number): Tensor { return ew.ge(this, other); }
  /** `logicalAnd(this, other)` with broadcasting: see {@link ew.logicalAnd | logicalAnd}. */
  logicalAnd(other: Tensor | number): Tensor { return ew.logicalAnd(this, other); }
  /** `logicalOr(this, other)` with broadcasting: see {@link ew.logicalOr | logicalOr}. */
  logicalOr(other: Tensor | number): Tensor { return ew.logicalOr(this, other); }
  /** `neg(this)`: see {@link ew.neg | neg}. */
  neg(): Tensor { return ew.neg(this); }
  /** `abs(this)`: see {@link ew.abs | abs}. */
  abs(): Tensor { return ew.abs(this); }
  /** `sign(this)`: see {@link ew.sign | sign}. */
  sign(): Tensor { return ew.sign(this); }
  /** `exp(this)`: see {@link ew.exp | exp}. */
  exp(): Tensor { return ew.exp(this); }
  /** `log(this)`: see {@link ew.log | log}. */
  log(): Tensor { return ew.log(this); }
  /** `log1p(this)`: see {@link ew.log1p | log1p}. */
  log1p(): Tensor { return ew.log1p(this); }
  /** `sqrt(this)`: see {@link ew.sqrt | sqrt}. */
  sqrt(): Tensor { return ew.sqrt(this); }
  /** `square(this)`: see {@link ew.square | square}. */
  square(): Tensor { return ew.square(this); }
  /** `reciprocal(this)`: see {@link ew.reciprocal | reciprocal}. */
  reciprocal(): Tensor { return ew.reciprocal(this); }
  /** `sin(this)`: see {@link ew.sin | sin}. */
  sin(): Tensor { return ew.sin(this); }
  /** `cos(this)`: see {@link ew.cos | cos}. */
  cos(): Tensor { return ew.cos(this); }
  /** `relu(this)`: see {@link ew.relu | relu}. */
  relu(): Tensor { return ew.relu(this); }
  /** `sigmoid(this)`: see {@link ew.sigmoid | sigmoid}. */
  sigmoid(): Tensor { return ew.sigmoid(this); }
  /** `tanh(this)`: see {@link ew.tanh | tanh}. */
  tanh(): Tensor { return ew.tanh(this); }
  /** `softplus(this)`: see {@link ew.softplus | softplus}. */
  softplus(): Tensor { return ew.softplus(this); }
  /** `floor(this)`: see {@link ew.floor | floor}. */
  floor(): Tensor { return ew.floor(this); }
  /** `ceil(this)`: see {@link ew.ceil | ceil}. */
  ceil(): Tensor { return ew.ceil(this); }
  /** `round(this)`: see {@link ew.round | round}. */
  round(): Tensor { return ew.round(this); }
  /** `logicalNot(this)`: see {@link ew.logicalNot | logicalNot}. */
  logicalNot(): Tensor { return ew.logicalNot(this); }
  /** `leakyRelu(this, alpha)`: see {@link ew.leakyRelu | leakyRelu}. */
  leakyRelu(alpha?: number): Tensor { return ew.leakyRelu(this, alpha); }
  /** `clip(this, min, max)`: see {@link ew.clip | clip}. */
  clip(min: number, max: number): Tensor { return ew.clip(this, min, max); }
  /** `sum(this, options)`: see {@link red.sum | sum}. */
  sum(options?: AxisOptions): Tensor { return red.sum(this, options); }
  /** `mean(this, options)`: see {@link red.mean | mean}. */
  mean(options?: AxisOptions): Tensor { return red.mean(this, options); }
  /** `max(this, options)`: see {@link red.max | max}. */
  max(options?: AxisOptions): Tensor { return red.max(this, options); }
  /** `min(this, options)`: see {@link red.min | min}. */
  min(options?: AxisOptions): Tensor { return red.min(this, options); }
  /** `logSumExp(this, options)`: see {@link red.logSumExp | logSumExp}. */
  logSumExp(options?: AxisOptions): Tensor { return red.logSumExp(this, options); }
  /** `argmax(this, options)`: see {@link red.argmax | argmax}. */
  argmax(options?: ArgOptions): Tensor { return red.argmax(this, options); }
  /** `argmin(this, options)`: see {@link red.argmin | argmin}. */
  argmin(options?: ArgOptions): Tensor { return red.argmin(this, options); }
  /** `softmax(this, {axis})`: see {@link red.softmax | softmax}. */
  softmax(options: { axis: number }): Tensor { return red.softmax(this, options); }
  /** `logSoftmax(this, {axis})`: see {@link red.logSoftmax | logSoftmax}. */
  logSoftmax(options: { axis: number }): Tensor { return red.logSoftmax(this, options); }
  /** `matmul(this, other)`: see {@link matmul}. */
  matmul(other: Tensor): Tensor { return matmul(this, other); }
  /** `gather(this, indices, options)`: see {@link gather}. */
  gather(indices: Tensor, options?: GatherOptions): Tensor { return gather(this, indices, options); }
  /** `indexAdd(this, indices, updates, options)`, a new tensor: see {@link indexAdd}. */
  indexAdd(indices: Tensor, updates: Tensor, options?: IndexAddOptions): Tensor { return indexAdd(this, indices, updates, options); }
  /** `assign(this, source)`: writes in place and returns this; see {@link inplace.assign | assign}. */
  assign(source: Tensor | number): Tensor { return inplace.assign(this, source); }
  /** `addInPlace(this, other, options)`: `this += alpha·other`, returns this; see {@link inplace.addInPlace | addInPlace}. */
  addInPlace(other: Tensor | number, options?: InPlaceOptions): Tensor { return inplace.addInPlace(this, other, options); }
  /** `subInPlace(this, other, options)`: `this -= alpha·other`, returns this; see {@link inplace.subInPlace | subInPlace}. */
  subInPlace(other: Tensor | number, options?: InPlaceOptions): Tensor { return inplace.subInPlace(this, other, options); }
  /** `mulInPlace(this, other)`: `this *= other`, returns this; see {@link inplace.mulInPlace | mulInPlace}. */
  mulInPlace(other: Tensor | number): Tensor { return inplace.mulInPlace(this, other); }
  /** `divInPlace(this, other)`: `this /= other`, returns this; see {@link inplace.divInPlace | divInPlace}. */
  divInPlace(other: Tensor | number): Tensor { return inplace.divInPlace(this, other); }
  /** `fill(this, value)`: every element set to `value`, returns this; see {@link inplace.fill | fill}. */
  fill(value: number | boolean): Tensor { return inplace.fill(this, value); }
}
