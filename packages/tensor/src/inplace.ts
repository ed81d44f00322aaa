// In-place writes. Everything else in Strata returns new tensors; these exist for optimisers and
// for filling buffers without a copy. They write through the target's strides (so a slice or a
// transpose updates the tensor it came from) and count each call with bumpVersion, which autograd
// reads to refuse gradients computed from values that have since been overwritten.
//
// The dtype rule is the out-of-place op's: a write is allowed only when `op(target, other)` would
// already have target's dtype, so a result is never narrowed to fit the target.
import { promoteTypes, type DType } from "./dtype.js";
import { DTypeError, ShapeError, ValueError } from "./errors.js";
import { formatShape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { contiguousCopy } from "./copy.js";
import { lossOf } from "./convert.js";
import { describe, lift, type Rule } from "./apply.js";
import type { InPlaceOp } from "./backends/backend.js";
import { inPlaceKernel } from "./dispatch/dispatch.js";
import { bumpVersion } from "./version.js";
import { compute } from "./record.js";

/**
 * Options of {@link addInPlace} and {@link subInPlace}.
 *
 * @example
 * ```ts
 * import { addInPlace, ones, type InPlaceOptions } from "@strata/tensor";
 * const step: InPlaceOptions = { alpha: -0.5 };
 * console.log(addInPlace(ones([2]), ones([2]), step).toArray()); // [0.5, 0.5]
 * ```
 */
export interface InPlaceOptions {
  /** The factor on the operand, `target ± alpha·other`; default 1. Finite; an int32 value for an int32 target. */
  alpha?: number;
}

/** How the out-of-place op's dtype follows from the promoted one: apply.ts's rules, or a plain copy. */
type Kind = "copy" | Rule;

interface Op {
  name: string;
  /** What the operand is called in messages. */
  label: string;
  kind: Kind;
  /** The kernel's name: target = target ∘ source. */
  write: InPlaceOp;
  /** The out-of-place op, suggested when the result does not fit. */
  outOfPlace?: string;
}

const OPS = {
  assign: { name: "assign", label: "source", kind: "copy", write: "assign" },
  fill: { name: "fill", label: "value", kind: "copy", write: "assign" },
  add: { name: "addInPlace", label: "other", kind: "arith", write: "add", outOfPlace: "add" },
  sub: { name: "subInPlace", label: "other", kind: "arith", write: "sub", outOfPlace: "sub" },
  mul: { name: "mulInPlace", label: "other", kind: "arith", write: "mul", outOfPlace: "mul" },
  div: { name: "divInPlace", label: "other", kind: "float", write: "div", outOfPlace: "div" },
} satisfies Record<string, Op>;

const an = (d: DType): string => (d === "int32" ? `an ${d}` : `a ${d}`);
const fitsInt32 = (v: number): boolean => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;

function resultType(kind: Kind, promoted: DType): DType {
  return kind === "copy" ? promoted : lift(kind, promoted);
}

function checkTarget(op: Op, target: unknown): asserts target is Tensor {
  if (!(target instanceof Tensor)) throw new DTypeError(`${op.name}: target must be a Tensor, got ${describe(target)}`);
  // With stride 0 several indices name one memory cell: `+=` would add to it once per index,
  // and nothing that reads the view afterwards could tell which write won.
  const axis = target.shape.findIndex((n, ax) => n > 1 && target.strides[ax] === 0);
  if (axis >= 0 && target.size > 0) {
    throw new ValueError(
      `${op.name}: target of shape ${formatShape(target.shape)} with strides ${formatShape(target.strides)} has overlapping elements ` +
        `(axis ${axis} has stride 0 and length ${target.shape[axis]}, as in a broadcastTo or expand view), so one write would land on several elements; ` +
        `call contiguous() or clone() first and write into that copy`,
    );
  }
}

function checkDType(op: Op, target: Tensor, operand: Tensor | number): void {
  const t = target.dtype;
  const own = resultType(op.kind, t);
  const promoted = typeof operand === "number" ? t : promoteTypes(t, operand.dtype);
  const result = own !== t ? own : resultType(op.kind, promoted);
  if (result !== t) {
    const why = own !== t ? (op.kind === "float" ? ` (${op.name} is true division)` : ` (arithmetic on bool gives int32, as ${op.outOfPlace} does)`) : "";
    const hint =
      own !== t
        ? `compute out of place with ${op.outOfPlace}(…), or write into a copy cast to ${result}`
        : `cast ${op.label} with .cast("${t}") if the narrowing is intended${op.outOfPlace ? `, or compute out of place with ${op.outOfPlace}(…)` : ""}`;
    throw new DTypeError(`${op.name}: cannot write ${an(result)} result into ${an(t)} tensor ${formatShape(target.shape)}${why}; ${hint}`);
  }
  // A float32 target rounds a copied number to nearest, but one beyond its range would become
  // ±Infinity (lossOf); arithmetic results that overflow do so as out of place.
  const lost = t === "float32" && op.kind === "copy" && typeof operand === "number" && lossOf(operand, t) !== undefined;
  if (typeof operand === "number" && (lost || (t === "int32" ? !fitsInt32(operand) : t === "bool" && operand !== 0 && operand !== 1))) {
    const expected = t === "int32" ? "an integer in [-2147483648, 2147483647]" : t === "float32" ? "a number within ±3.4028234663852886e38 (it would become ±Infinity)" : "0 or 1 (or a boolean)";
    throw new DTypeError(
      `${op.name}: ${op.label} ${operand} is not representable in ${an(t)} tensor ${formatShape(target.shape)}: expected ${expected}; ` +
        `write into a ${t === "float32" ? "float64" : "float"} copy (x.cast("${t === "float32" ? "float64" : "float32"}")) instead`,
    );
  }
}

function checkAlpha(op: Op, target: Tensor, alpha: unknown): number {
  if (alpha === undefined) return 1;
  if (typeof alpha !== "number" || !Number.isFinite(alpha)) {
    throw new ValueError(`${op.name}: alpha must be a finite number, got ${describe(alpha)}`);
  }
  if (target.dtype === "int32" && !fitsInt32(alpha)) {
    throw new DTypeError(
      `${op.name}: alpha ${alpha} is not representable in an int32 tensor ${formatShape(target.shape)}: expected an integer in [-2147483648, 2147483647]`,
    );
  }
  return alpha;
}

function checkBroadcast(op: Op, target: Tensor, other: Tensor): void {
  const lead = target.ndim - other.ndim;
  if (lead >= 0 && other.shape.every((n, i) => n === 1 || n === target.shape[lead + i])) return;
  throw new ShapeError(
    `${op.name}: ${op.label} of shape ${formatShape(other.shape)} does not broadcast to the target's shape ${formatShape(target.shape)}; ` +
      `an in-place op cannot change the target's shape, so ${op.label} must broadcast to it`,
  );
}

// A source that shares the target's buffer could be overwritten before it is read (x += x.T
// reads x[1,0] after writing it). Only the identical view is safe, because each element is read
// just before the same element is written. Resident arrays all share the kernels' memory, so
// arrays on one buffer are compared by the bytes they cover.
function unalias(op: Op, target: Tensor, source: Tensor): Tensor {
  const [s, t] = [source.data, target.data];
  if (s.buffer !== t.buffer || s.byteOffset >= t.byteOffset + t.byteLength || t.byteOffset >= s.byteOffset + s.byteLength) return source;
  const sameView =
    source.data === target.data &&
    source.offset === target.offset &&
    source.ndim === target.ndim &&
    source.shape.every((n, i) => n === target.shape[i] && (n === 1 || source.strides[i] === target.strides[i]));
  return sameView ? source : contiguousCopy(source, source.dtype, op.name);
}

function update(op: Op, target: unknown, operand: unknown, alpha?: unknown): Tensor {
  checkTarget(op, target);
  if (!(operand instanceof Tensor) && typeof operand !== "number") {
    const hint = Array.isArray(operand) ? "; wrap arrays with tensor(…)" : "";
    throw new DTypeError(`${op.name}: ${op.label} must be a Tensor or a number, got ${describe(operand)}${hint}`);
  }
  checkDType(op, target, operand);
  const a = checkAlpha(op, target, alpha);
  if (operand instanceof Tensor) checkBroadcast(op, target, operand);
  const source = operand instanceof Tensor ? unalias(op, target, operand) : operand;
  if (target.size > 0) compute(() => inPlaceKernel(op.write, target, source, a));
  // counted once, by the call: a replay writes the same buffers without going through here
  bumpVersion(target);
  return target;
}

/**
 * Copies `source` into `target` in place: `target[i…] = source[i…]`, with `source` broadcast to
 * `target.shape` (it must broadcast *to* that shape; the target never changes shape). The write
 * goes through `target`'s strides into its buffer, so when `target` is a view (a slice, a
 * transpose) the tensor it was taken from sees the new values. Returns `target`, and counts one
 * in-place write in its {@link Tensor.version | version}.
 *
 * `source` may share memory with `target` (shifted, transposed, broadcast): it is then copied
 * first, so the result is as if `source` had been read completely before anything was written.
 *
 * Dtype: nothing is narrowed. A tensor `source` must promote to `target.dtype`
 * (`promoteTypes(target.dtype, source.dtype) === target.dtype`: bool into int32 is fine, float32
 * into int32 or float64 into float32 is not); a number must be representable (an integer in the
 * int32 range for int32, 0 or 1 for bool; float32 targets round it to nearest, and refuse a
 * finite number beyond ±3.4028234663852886e38, which would become ±Infinity).
 *
 * @throws ValueError when `target` has overlapping elements (an axis with stride 0 and length > 1,
 *   as in a broadcastTo view): call contiguous() or clone() and write into that copy.
 * @throws DTypeError naming both dtypes when the value would be narrowed, or when `source` is not
 *   a Tensor or a number.
 * @throws ShapeError naming both shapes when `source` does not broadcast to `target.shape`.
 *
 * @example
 * ```ts
 * import { assign, tensor, zeros } from "@strata/tensor";
 * const x = zeros([2, 3]);
 * assign(x.slice(null, [0, 2]), tensor([1, 2])); // the first two columns of every row
 * console.log(x.toArray(), x.version); // [[1, 2, 0], [1, 2, 0]] 1
 * const m = tensor([[1, 2], [3, 4]]);
 * console.log(assign(m, m.T).toArray()); // [[1, 3], [2, 4]]
 * ```
 */
export function assign(target: Tensor, source: Tensor | number): Tensor {
  return update(OPS.assign, target, source);
}

/**
 * `target += alpha·other` in place, with `other` broadcast to `target.shape` and `alpha`
 * defaulting to 1. Computed in float64 and rounded once into `target.dtype`; int32 wraps modulo
 * 2^32 as {@link add} does. Returns `target` and counts one write in its version. Views, aliasing
 * (`addInPlace(x, x.T)` is exact) and overlapping targets behave as in {@link assign}.
 *
 * Dtype: allowed only when `add(target, other)` would already have `target.dtype`: a tensor
 * `other` must promote to it; with an int32 target a number (and `alpha`) must be an int32
 * value; a bool target is refused, since bool + bool is int32.
 *
 * @throws ValueError for an overlapping target or a non-finite `alpha`.
 * @throws DTypeError when the result would be narrowed, e.g.
 *   `addInPlace: cannot write a float64 result into a float32 tensor (3,4)`.
 * @throws ShapeError naming both shapes when `other` does not broadcast to `target.shape`.
 *
 * @example
 * ```ts
 * import { addInPlace, tensor } from "@strata/tensor";
 * const x = tensor([[1, 2], [3, 4]]);
 * addInPlace(x, tensor([10, 20]), { alpha: 0.5 });
 * console.log(x.toArray()); // [[6, 12], [8, 14]]
 * console.log(addInPlace(x, 1).toArray(), x.version); // [[7, 13], [9, 15]] 2
 * ```
 */
export function addInPlace(target: Tensor, other: Tensor | number, options?: InPlaceOptions): Tensor {
  return update(OPS.add, target, other, options?.alpha);
}

/**
 * `target -= alpha·other` in place (`alpha` default 1), with `other` broadcast to `target.shape`
 * (the target keeps its shape): a gradient step is `subInPlace(w, grad, { alpha: lr })`. Returns
 * `target` and counts one write in its version. Rounding, dtypes and views as {@link addInPlace}.
 *
 * @throws ValueError when `target` has overlapping elements (a stride-0 axis of length > 1), or
 *   `alpha` is not a finite number.
 * @throws DTypeError when `target` is not a Tensor or `other` is neither a Tensor nor a number;
 *   when `sub(target, other)` would not have `target.dtype` (a bool target, a wider `other`); or,
 *   for an int32 target, when a number `other` or `alpha` is not an int32 value.
 * @throws ShapeError naming both shapes when `other` does not broadcast to `target.shape`.
 *
 * @example
 * ```ts
 * import { subInPlace, tensor } from "@strata/tensor";
 * const w = tensor([1, 1], { dtype: "float64" });
 * subInPlace(w, tensor([2, -4], { dtype: "float64" }), { alpha: 0.25 });
 * console.log(w.toArray()); // [0.5, 2]
 * ```
 */
export function subInPlace(target: Tensor, other: Tensor | number, options?: InPlaceOptions): Tensor {
  return update(OPS.sub, target, other, options?.alpha);
}

/**
 * `target *= other` in place, with `other` broadcast to `target.shape` (the target keeps its
 * shape); int32 products wrap modulo 2^32 exactly as {@link mul}'s. Returns `target` and counts
 * one write in its version. Dtypes and views as {@link addInPlace}.
 *
 * @throws ValueError when `target` has overlapping elements (a stride-0 axis of length > 1).
 * @throws DTypeError when `target` is not a Tensor or `other` is neither a Tensor nor a number;
 *   when `mul(target, other)` would not have `target.dtype` (a bool target, a wider `other`); or
 *   when a number `other` is not an int32 value for an int32 target.
 * @throws ShapeError naming both shapes when `other` does not broadcast to `target.shape`.
 *
 * @example
 * ```ts
 * import { mulInPlace, tensor } from "@strata/tensor";
 * const x = tensor([[1, 2], [3, 4]], { dtype: "int32" });
 * mulInPlace(x.slice(1), 10); // the second row only
 * console.log(x.toArray()); // [[1, 2], [30, 40]]
 * ```
 */
export function mulInPlace(target: Tensor, other: Tensor | number): Tensor {
  return update(OPS.mul, target, other);
}

/**
 * `target /= other` in place (true division; `x/0` is ±Infinity or NaN), with `other` broadcast
 * to `target.shape` (the target keeps its shape). Since {@link div} of integers is float32, an
 * int32 or bool target is always a DTypeError; a float target takes an operand that promotes to
 * its dtype. Returns `target` and counts one write in its version; views as {@link addInPlace}.
 *
 * @throws ValueError when `target` has overlapping elements (a stride-0 axis of length > 1).
 * @throws DTypeError when `target` is not a Tensor or `other` is neither a Tensor nor a number,
 *   when `target` is int32 or bool, or when `other` is float64 and `target` float32.
 * @throws ShapeError naming both shapes when `other` does not broadcast to `target.shape`.
 *
 * @example
 * ```ts
 * import { divInPlace, tensor } from "@strata/tensor";
 * const x = tensor([[2, 4], [6, 8]]);
 * divInPlace(x.T, tensor([1, 2])); // columns of x.T are rows of x
 * console.log(x.toArray()); // [[2, 4], [3, 4]]
 * ```
 */
export function divInPlace(target: Tensor, other: Tensor | number): Tensor {
  return update(OPS.div, target, other);
}

/**
 * Sets every element of `target` to `value` in place (`true` is 1, `false` 0), through its
 * strides. The value must be representable in `target.dtype` (an integer in the int32 range for
 * int32, 0 or 1 for bool; any number for a float dtype, float32 rounding it). `target` keeps its
 * shape. Returns `target`, counting one write in its version.
 *
 * @throws ValueError when `target` has overlapping elements (a stride-0 axis of length > 1, as in a
 *   broadcastTo view), as in {@link assign}.
 * @throws DTypeError when `target` is not a Tensor, `value` is neither a number nor a boolean, or
 *   `value` is not representable in `target.dtype`.
 *
 * @example
 * ```ts
 * import { fill, zeros } from "@strata/tensor";
 * const x = zeros([3, 3], { dtype: "int32" });
 * fill(x.slice([null, null, -1], 1), 7); // the middle column, walked backwards
 * console.log(x.toArray()); // [[0, 7, 0], [0, 7, 0], [0, 7, 0]]
 * ```
 */
export function fill(target: Tensor, value: number | boolean): Tensor {
  if (typeof value !== "number" && typeof value !== "boolean") {
    throw new DTypeError(`fill: value must be a number or a boolean, got ${describe(value)}`);
  }
  return update(OPS.fill, target, typeof value === "boolean" ? +value : value);
}
