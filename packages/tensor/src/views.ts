import { ShapeError, ValueError } from "./errors.js";
import { broadcastShapes, checkShape, formatShape, normalizeAxes, normalizeAxis, shapeSize, type Shape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { contiguousCopy } from "./copy.js";

/**
 * One argument of {@link Tensor.slice}: `[start, stop, step?]` with Python's meaning (negative
 * values count from the end, `null`/omitted bounds run to the edge, a negative step walks
 * backwards), a number that picks one index and drops the axis, or `null` to keep the axis whole.
 *
 * @example
 * ```ts
 * import { arange, type SliceArg } from "@strata/tensor";
 * const everyOther: SliceArg = [null, null, 2];
 * console.log(arange(6).slice(everyOther).toArray()); // [0, 2, 4]
 * ```
 */
export type SliceArg = number | null | readonly [start?: number | null, stop?: number | null, step?: number | null];

function view(t: Tensor, shape: Shape, strides: Shape, offset: number): Tensor {
  return new Tensor(t.storage, shape, strides, offset);
}

/** Same elements in a new shape; one length may be -1. A view when `t` is contiguous. */
export function reshape(t: Tensor, shape: Shape): Tensor {
  const target = [...shape];
  const unknown = target.indexOf(-1);
  if (unknown !== target.lastIndexOf(-1)) {
    throw new ShapeError(`reshape: only one length may be -1, got [${target.join(", ")}]`);
  }
  if (unknown >= 0) {
    const known = shapeSize(target.filter((_, i) => i !== unknown));
    if (known === 0 || t.size % known !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${formatShape(t.shape)} (${t.size} elements) into [${target.join(", ")}]`);
    }
    target[unknown] = t.size / known;
  }
  checkShape("reshape", target);
  if (shapeSize(target) !== t.size) {
    throw new ShapeError(`reshape: cannot reshape ${formatShape(t.shape)} (${t.size} elements) into ${formatShape(target)} (${shapeSize(target)} elements)`);
  }
  const source = t.isContiguous ? t : contiguousCopy(t, t.dtype, "reshape");
  return new Tensor(source.storage, target, undefined, source.offset);
}

/** Axes reordered: axis `i` of the result is axis `perm[i]` of `t`. Default: reversed. */
export function transpose(t: Tensor, perm?: readonly number[]): Tensor {
  const order = perm ? perm.map((p) => normalizeAxis("transpose", p, t.ndim)) : t.shape.map((_, i) => t.ndim - 1 - i);
  if (order.length !== t.ndim || new Set(order).size !== t.ndim) {
    throw new ValueError(`transpose: perm [${perm?.join(", ")}] is not a permutation of the ${t.ndim} axes of ${formatShape(t.shape)}`);
  }
  return view(t, order.map((p) => t.shape[p]!), order.map((p) => t.strides[p]!), t.offset);
}

function checkIndexPart(value: number | null | undefined, axis: number): void {
  if (value != null && !Number.isInteger(value)) {
    throw new ValueError(`slice: axis ${axis}: expected integer bounds and step, got ${value}`);
  }
}

/** Python slice semantics per axis; see {@link SliceArg}. */
export function slice(t: Tensor, ...ranges: SliceArg[]): Tensor {
  if (ranges.length > t.ndim) {
    throw new ValueError(`slice: got ${ranges.length} ranges for a tensor of shape ${formatShape(t.shape)} with ${t.ndim} axes`);
  }
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = t.offset;
  for (let axis = 0; axis < t.ndim; axis++) {
    const n = t.shape[axis]!;
    const s = t.strides[axis]!;
    const r = ranges[axis] ?? null;
    if (typeof r === "number") {
      if (!Number.isInteger(r) || r < -n || r >= n) {
        throw new ValueError(`slice: index ${r} is out of range for axis ${axis} of length ${n} in shape ${formatShape(t.shape)}`);
      }
      offset += (r < 0 ? r + n : r) * s;
      continue;
    }
    const [start, stop, step] = r ?? [];
    [start, stop, step].forEach((v) => checkIndexPart(v, axis));
    const st = step ?? 1;
    if (st === 0) throw new ValueError(`slice: axis ${axis}: step must not be 0`);
    const clamp = (v: number | null | undefined, dflt: number, lo: number, hi: number): number => {
      if (v == null) return dflt;
      const w = v < 0 ? v + n : v;
      return Math.min(Math.max(w, lo), hi);
    };
    const lo = st > 0 ? clamp(start, 0, 0, n) : clamp(start, n - 1, -1, n - 1);
    const hi = st > 0 ? clamp(stop, n, 0, n) : clamp(stop, -1, -1, n - 1);
    const len = st > 0 ? Math.max(0, Math.ceil((hi - lo) / st)) : Math.max(0, Math.ceil((lo - hi) / -st));
    if (len > 0) offset += lo * s;
    shape.push(len);
    strides.push(s * st);
  }
  return view(t, shape, strides, offset);
}

/** Drops length-1 axes: all of them, or only those named (which must have length 1). */
export function squeeze(t: Tensor, axis?: number | readonly number[]): Tensor {
  const drop = axis === undefined ? t.shape.flatMap((n, i) => (n === 1 ? [i] : [])) : normalizeAxes("squeeze", axis, t.ndim);
  for (const a of drop) {
    if (t.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of ${formatShape(t.shape)} has length ${t.shape[a]}, expected 1`);
  }
  const keep = t.shape.map((_, i) => i).filter((i) => !drop.includes(i));
  return view(t, keep.map((i) => t.shape[i]!), keep.map((i) => t.strides[i]!), t.offset);
}

/** Inserts a length-1 axis so that it becomes axis `axis` of the result (in `[-ndim-1, ndim]`). */
export function unsqueeze(t: Tensor, axis: number): Tensor {
  const at = normalizeAxis("unsqueeze", axis, t.ndim + 1);
  const shape = [...t.shape];
  const strides = [...t.strides];
  shape.splice(at, 0, 1);
  strides.splice(at, 0, 0);
  return view(t, shape, strides, t.offset);
}

/** Numpy broadcasting of `t` to exactly `shape`: new and length-1 axes get stride 0. `t` itself when it already has that shape. */
export function broadcastTo(t: Tensor, shape: Shape): Tensor {
  checkShape("broadcastTo", shape);
  if (shape.length === t.ndim && shape.every((n, i) => n === t.shape[i])) return t;
  const lead = shape.length - t.ndim;
  const fits = lead >= 0 && t.shape.every((n, i) => n === 1 || n === shape[lead + i]);
  if (!fits) {
    throw new ShapeError(`broadcastTo: cannot broadcast ${formatShape(t.shape)} to ${formatShape(shape)}`);
  }
  const strides = shape.map((n, i) => {
    const src = i - lead;
    return src < 0 || (t.shape[src] === 1 && n !== 1) ? 0 : t.strides[src]!;
  });
  return view(t, shape, strides, t.offset);
}

/** PyTorch's expand: broadcastTo where -1 keeps the corresponding length of `t`. */
export function expand(t: Tensor, shape: Shape): Tensor {
  const lead = shape.length - t.ndim;
  // -1 means "keep": a new leading axis has no length to keep, so say so here rather than let
  // broadcastTo report a negative length under its own name.
  if (shape.some((n, i) => n === -1 && i < lead)) {
    throw new ShapeError(`expand: cannot expand ${formatShape(t.shape)} to [${shape.join(", ")}]: -1 is only allowed on the last ${t.ndim} axes, which exist in the tensor`);
  }
  const target = shape.map((n, i) => (n === -1 && i >= lead ? t.shape[i - lead]! : n));
  return broadcastTo(t, target);
}

/**
 * Broadcasts several tensors to their common shape, `broadcastShapes(op, ...shapes)`: one tensor
 * per input, in order, each a view of the same data as {@link Tensor.broadcastTo} gives (stride 0
 * on the repeated axes; the input itself when it already has that shape). Nothing is copied.
 * `op` only names the caller in the error message.
 *
 * @throws ShapeError naming `op` and the shapes when they do not broadcast (numpy rules).
 * @example
 * ```ts
 * import { broadcastTensors, tensor } from "@strata/tensor";
 * const both = broadcastTensors("demo", tensor([[1], [2]]), tensor([10, 20, 30]));
 * console.log(both.map((t) => t.shape), both.map((t) => t.strides)); // [[2, 3], [2, 3]] [[1, 0], [0, 1]]
 * console.log(both[1]!.toArray()); // [[10, 20, 30], [10, 20, 30]]
 * ```
 */
export function broadcastTensors(op: string, ...ts: Tensor[]): Tensor[] {
  const shape = broadcastShapes(op, ...ts.map((t) => t.shape));
  return ts.map((t) => broadcastTo(t, shape));
}
