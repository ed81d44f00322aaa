// Scatter-adds: indexAdd, the adjoint of gather. Its main use is gather's backward pass (an
// embedding lookup's gradient), where one row may be picked many times and every pick's
// gradient must be added, never overwritten.
import { promoteTypes } from "./dtype.js";
import { DTypeError, ShapeError } from "./errors.js";
import { formatShape, normalizeAxis, shapeSize } from "./shape.js";
import { Tensor } from "./tensor.js";
import { contiguousCopy } from "./copy.js";
import { describe } from "./apply.js";
import { readIndices, requireInt32 } from "./indices.js";
import { compute } from "./record.js";

/**
 * Options of {@link indexAdd}.
 *
 * @example
 * ```ts
 * import { indexAdd, tensor, zeros, type IndexAddOptions } from "@strata/tensor";
 * const columns: IndexAddOptions = { axis: 1 };
 * console.log(indexAdd(zeros([1, 3]), tensor([2, 2], { dtype: "int32" }), tensor([[1, 5]]), columns).toArray()); // [[0, 0, 6]]
 * ```
 */
export interface IndexAddOptions {
  /** The axis of `x` that `indices` select along (negative counts from the end); default 0. */
  axis?: number;
}

/**
 * A copy of `x` with `updates` added at the positions `indices` pick along `axis`:
 * `result[a…, indices[j…], b…] += updates[a…, j…, b…]` for every `j…`, starting from
 * `result = x`. Repeated indices accumulate (each pick adds its own slice of `updates`); a
 * negative index counts from the end. `x` is not changed.
 *
 * It is the adjoint of {@link gather}: for the same `indices` and axis,
 * `sum(gather(x, indices)·u) = sum(x·indexAdd(zeros, indices, u))` for every `x` and `u`, so
 * `indexAdd(zerosLike(x), indices, dy)` is gather's gradient with respect to `x`.
 *
 * `updates.shape` must be `x.shape[:axis] + indices.shape + x.shape[axis+1:]` (the shape
 * `gather(x, indices, {axis})` returns). The result is a new contiguous tensor of `x.dtype`,
 * accumulated in that dtype (int32 sums wrap modulo 2^32); `updates` must promote to it, so
 * nothing is narrowed.
 *
 * @param x - the starting values, at least one dimension, any layout; not bool (sums of bools are int32: cast first).
 * @param indices - int32 indices of any shape, each in `[-n, n)` for the axis length `n`.
 * @param updates - the values to add, of the shape described above, any layout.
 * @param options - `axis` (default 0; negative counts from the end).
 * @throws DTypeError when `indices` is not int32, `x` is bool, or `updates` has a wider dtype than `x`.
 * @throws ShapeError naming the expected shape when `updates` has another one, or when `x` is 0-d.
 * @throws ValueError naming the index and its position when it is out of range, or for a bad axis.
 *
 * @example
 * ```ts
 * import { indexAdd, tensor, zeros } from "@strata/tensor";
 * const rows = tensor([0, 2, 0], { dtype: "int32" });
 * const g = tensor([[1, 1], [2, 2], [3, 3]]);
 * console.log(indexAdd(zeros([3, 2]), rows, g).toArray()); // [[4, 4], [0, 0], [2, 2]]
 * const x = tensor([[1, 2, 3]]);
 * console.log(x.indexAdd(tensor([-1], { dtype: "int32" }), tensor([[10]]), { axis: 1 }).toArray()); // [[1, 2, 13]]
 * ```
 */
export function indexAdd(x: Tensor, indices: Tensor, updates: Tensor, options: IndexAddOptions = {}): Tensor {
  for (const [name, t] of [["x", x], ["indices", indices], ["updates", updates]] as const) {
    if (!(t instanceof Tensor)) throw new DTypeError(`indexAdd: ${name} must be a Tensor, got ${describe(t)}`);
  }
  requireInt32("indexAdd", "indices", indices);
  if (x.ndim === 0) throw new ShapeError(`indexAdd: x has shape () and a 0-d tensor has no axis to add along`);
  if (x.dtype === "bool") {
    throw new DTypeError(`indexAdd: x is bool ${formatShape(x.shape)}, and sums of bools are int32; cast x with .cast("int32") first`);
  }
  if (promoteTypes(x.dtype, updates.dtype) !== x.dtype) {
    throw new DTypeError(
      `indexAdd: cannot add ${updates.dtype} updates into ${x.dtype === "int32" ? "an" : "a"} ${x.dtype} result (x ${formatShape(x.shape)}); ` +
        `cast updates with .cast("${x.dtype}") if the narrowing is intended, or cast x to ${updates.dtype}`,
    );
  }
  const axisArg = options.axis ?? 0;
  const axis = normalizeAxis("indexAdd", axisArg, x.ndim);
  const n = x.shape[axis]!;
  const pre = x.shape.slice(0, axis);
  const post = x.shape.slice(axis + 1);
  const expected = [...pre, ...indices.shape, ...post];
  if (updates.ndim !== expected.length || updates.shape.some((m, i) => m !== expected[i])) {
    throw new ShapeError(
      `indexAdd: updates has shape ${formatShape(updates.shape)} but expected ${formatShape(expected)} = ` +
        `x.shape[:axis] + indices.shape + x.shape[axis+1:] for x ${formatShape(x.shape)}, indices ${formatShape(indices.shape)} and axis ${axisArg}`,
    );
  }
  // The sums start from a copy of x, made by its own work just before this one's: a replay adds
  // into fresh values, never into the previous call's sums.
  const result = contiguousCopy(x, x.dtype, "indexAdd");
  const u = updates.contiguous();
  const outer = shapeSize(pre);
  const inner = shapeSize(post);
  compute(() => {
    // checked in the work, so that a replay checks the new indices
    const picks = readIndices("indexAdd", indices, axisArg, x, n);
    if (result.size === 0) return;
    // Both sides row-major: result as (outer, n, inner) and updates as (outer, count, inner), so
    // every pick adds one contiguous run of `inner` elements to another.
    const out = result.data;
    const src = u.data;
    const count = picks.length;
    for (let a = 0; a < outer; a++) {
      for (let k = 0; k < count; k++) {
        const v = picks[k]!;
        const o0 = (a * n + (v < 0 ? v + n : v)) * inner;
        const u0 = u.offset + (a * count + k) * inner;
        for (let b = 0; b < inner; b++) out[o0 + b] = out[o0 + b]! + src[u0 + b]!;
      }
    }
  });
  return result;
}
