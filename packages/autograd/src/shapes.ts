// Composite ops on shapes and products: views and matrix products expressed with the primitives.
import * as T from "@strata/tensor";
import { ShapeError, ValueError, formatShape, normalizeAxes, type Shape } from "@strata/tensor";
import { mul } from "./elementwise.js";
import { broadcastTo, cast, concat, matmul2d, reshape, sum } from "./structural.js";
import { asVariable } from "./record.js";
import type { Operand, Variable } from "./variable.js";

/**
 * Matrix product with numpy's rules: 2-D × 2-D, batched over leading axes (broadcast), and a 1-D
 * operand taken as a row (left) or column (right) vector whose axis is dropped from the result:
 * `(…, m, k) @ (…, k, n)` gives `(…, m, n)`, `(m, k) @ (k)` gives `(m)`, `(k) @ (k)` gives `()`.
 * Gradients: `g·Bᵀ` and `Aᵀ·g`, summed over broadcast batch axes.
 * @throws ShapeError when the inner dimensions differ, the batch axes do not broadcast, or an
 *   operand is 0-d (a number included).
 * @throws DTypeError when an operand is bool.
 * @example
 * ```ts
 * import { matmul, variable } from "@strata/autograd";
 * const w = variable([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = matmul(w, variable([1, 1]));
 * y.sum().backward();
 * console.log(y.toArray(), w.grad?.toArray()); // [3, 7] [[1, 1], [1, 1]]
 * ```
 */
export function matmul(a: Operand, b: Operand): Variable {
  const A = asVariable(a);
  const B = asVariable(b);
  if (A.ndim === 0 || B.ndim === 0) {
    throw new ShapeError(`matmul: both operands need at least one axis, got ${formatShape(A.shape)} @ ${formatShape(B.shape)}`);
  }
  const left = A.ndim === 1 ? reshape(a, [1, A.shape[0]!]) : a;
  const right = B.ndim === 1 ? reshape(b, [B.shape[0]!, 1]) : b;
  const y = matmul2d(left, right);
  if (A.ndim > 1 && B.ndim > 1) return y;
  const shape = y.shape.slice(0, -2);
  if (A.ndim > 1) shape.push(y.shape[y.ndim - 2]!);
  if (B.ndim > 1) shape.push(y.shape[y.ndim - 1]!);
  return reshape(y, shape);
}

/**
 * The inner product `Σ aᵢbᵢ` of two 1-D operands of equal length, a 0-d result. Derivatives: `b`
 * and `a` (times `g`).
 * @throws ShapeError unless both operands are 1-D (a number is not) and of equal length.
 * @throws DTypeError when an operand is bool.
 * @example
 * ```ts
 * import { dot, variable } from "@strata/autograd";
 * const a = variable([1, 2, 3], { requiresGrad: true });
 * dot(a, variable([4, 5, 6])).backward();
 * console.log(a.grad?.toArray()); // [4, 5, 6]
 * ```
 */
export function dot(a: Operand, b: Operand): Variable {
  const A = asVariable(a);
  const B = asVariable(b);
  if (A.ndim !== 1 || B.ndim !== 1 || A.shape[0] !== B.shape[0]) {
    throw new ShapeError(`dot: expected two 1-D operands of equal length, got ${formatShape(A.shape)} and ${formatShape(B.shape)}`);
  }
  return matmul(a, b);
}

/**
 * The outer product `yᵢⱼ = aᵢbⱼ` of two 1-D operands of lengths m and n: shape `(m, n)`.
 * Derivatives: `∂L/∂aᵢ = Σⱼ gᵢⱼbⱼ` and `∂L/∂bⱼ = Σᵢ gᵢⱼaᵢ`.
 * @throws ShapeError unless both operands are 1-D (a number is not).
 * @example
 * ```ts
 * import { outer, variable } from "@strata/autograd";
 * console.log(outer(variable([1, 2]), variable([3, 4, 5])).toArray()); // [[3, 4, 5], [6, 8, 10]]
 * ```
 */
export function outer(a: Operand, b: Operand): Variable {
  const A = asVariable(a);
  const B = asVariable(b);
  if (A.ndim !== 1 || B.ndim !== 1) throw new ShapeError(`outer: expected two 1-D operands, got ${formatShape(A.shape)} and ${formatShape(B.shape)}`);
  return mul(reshape(a, [A.size, 1]), reshape(b, [1, B.size]));
}

/**
 * Drops axes of length 1 (all of them, or those named), as a reshape: the shape is `x`'s without
 * them. The gradient is reshaped back. A number `x` is a 0-d constant.
 * @throws ShapeError when a named axis does not have length 1.
 * @throws ValueError when a named axis is out of range or repeated.
 * @example
 * ```ts
 * import { squeeze, variable } from "@strata/autograd";
 * console.log(squeeze(variable([[[1], [2]]])).shape); // [2]
 * ```
 */
export function squeeze(x: Operand, axis?: number | readonly number[]): Variable {
  return reshape(x, asVariable(x).data.squeeze(axis).shape);
}

/**
 * Inserts an axis of length 1 so that it becomes axis `axis` of the result (in `[-ndim-1, ndim]`),
 * as a reshape. The gradient is reshaped back. A number `x` is a 0-d constant (`unsqueeze(3, 0)`
 * has shape `(1)`).
 * @throws ValueError when `axis` is out of that range.
 * @example
 * ```ts
 * import { unsqueeze, variable } from "@strata/autograd";
 * console.log(unsqueeze(variable([1, 2]), 1).shape); // [2, 1]
 * ```
 */
export function unsqueeze(x: Operand, axis: number): Variable {
  return reshape(x, asVariable(x).data.unsqueeze(axis).shape);
}

/**
 * Merges axes `startDim … endDim` (inclusive; negative counts from the end) into one, row-major,
 * as PyTorch's `torch.flatten(input, start_dim=0, end_dim=-1)`: by default all elements in one
 * axis, shape `(x.size)`; `flatten(x, 1)` keeps the batch axis, `(N, C, H, W)` to `(N, C·H·W)`
 * (what `nn.Flatten()` does). A reshape, so the gradient is reshaped back. A 0-d `x` (a number
 * included) gives shape `(1)`.
 * @throws ValueError when an axis is out of range or `startDim` comes after `endDim`.
 * @example
 * ```ts
 * import { flatten, variable } from "@strata/autograd";
 * console.log(flatten(variable([[1, 2], [3, 4]])).toArray()); // [1, 2, 3, 4]
 * const x = variable([[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]); // (1, 2, 2, 2)
 * console.log(flatten(x, 1).shape, flatten(x, 1, 2).shape, flatten(x, -2).shape); // [1, 8] [1, 4, 2] [1, 2, 4]
 * ```
 */
export function flatten(x: Operand, startDim = 0, endDim = -1): Variable {
  const v = asVariable(x);
  if (v.ndim === 0) {
    // PyTorch accepts 0, -1 (and nothing else) as the axes of a 0-d tensor
    for (const d of [startDim, endDim]) T.normalizeAxis("flatten", d, 1);
    return reshape(v, [1]);
  }
  const start = T.normalizeAxis("flatten", startDim, v.ndim);
  const end = T.normalizeAxis("flatten", endDim, v.ndim);
  if (start > end) {
    throw new ValueError(`flatten: startDim ${startDim} (axis ${start}) comes after endDim ${endDim} (axis ${end}) of ${formatShape(v.shape)}; expected startDim <= endDim`);
  }
  const merged = v.shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
  return reshape(v, [...v.shape.slice(0, start), merged, ...v.shape.slice(end + 1)]);
}

/**
 * Joins operands of equal shape along a new axis (default 0, in `[-ndim-1, ndim]`), as unsqueeze
 * then {@link concat}: the result has the common shape with the number of operands inserted at
 * `axis`. Each operand's gradient is its slice of `g`. Numbers are 0-d constants, so
 * `stack([x, 0])` of a 0-d `x` has shape `(2)`.
 * @throws ShapeError when the operands' shapes differ.
 * @throws ValueError when `axis` is out of range, or for an empty list.
 * @example
 * ```ts
 * import { stack, variable } from "@strata/autograd";
 * console.log(stack([variable([1, 2]), variable([3, 4])], { axis: 1 }).toArray()); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(xs: readonly Operand[], options: { axis?: number } = {}): Variable {
  if (xs.length === 0) throw new ValueError(`stack: expected at least one tensor, got an empty list`);
  const shapes = xs.map((x) => asVariable(x).shape);
  const first = shapes[0] ?? [];
  shapes.forEach((s, k) => {
    if (s.join() !== first.join()) throw new ShapeError(`stack: operand ${k} has shape ${formatShape(s)} but operand 0 has ${formatShape(first)}; all must be equal`);
  });
  const axis = normalizeAxes("stack", options.axis ?? 0, first.length + 1)[0]!;
  return concat(xs.map((x) => unsqueeze(x, axis)), { axis });
}

/**
 * Sums `x` down to `shape`, the inverse of broadcasting `shape` up to `x.shape`: over leading
 * axes and over axes where `shape` has 1. The result has shape `shape`. The gradient is broadcast
 * back. A number `x` is a 0-d constant.
 * @throws ShapeError when `shape` does not broadcast to `x.shape`.
 * @example
 * ```ts
 * import { sumTo, variable } from "@strata/autograd";
 * console.log(sumTo(variable([[1, 2, 3], [4, 5, 6]]), [2, 1]).toArray()); // [[6], [15]]
 * ```
 */
export function sumTo(x: Operand, shape: Shape): Variable {
  const v = asVariable(x);
  T.broadcastShapes("sumTo", shape, v.shape).forEach((n, k) => {
    if (n !== v.shape[k]) throw new ShapeError(`sumTo: shape ${formatShape(shape)} does not broadcast to ${formatShape(v.shape)}`);
  });
  const lead = v.ndim - shape.length;
  const axes = v.shape.map((n, k) => k).filter((k) => k < lead || (shape[k - lead] === 1 && v.shape[k] !== 1));
  return reshape(axes.length ? sum(x, { axis: axes, keepDims: true }) : x, shape);
}

/**
 * A copy of `x` in a new contiguous buffer, computed as `x · 1` (exact for every value; a bool
 * `x`, which has no gradient, as a {@link cast} to bool); the gradient passes through unchanged.
 * Use it before changing a value in place that a graph saved. Shape and dtype: `x`'s (a number
 * gives a 0-d float32 constant). Never throws.
 * @example
 * ```ts
 * import { clone, variable } from "@strata/autograd";
 * const x = variable([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = clone(x.T);
 * y.sum().backward();
 * console.log(y.data.isContiguous, y.toArray(), x.grad?.toArray()); // true [[1, 3], [2, 4]] [[1, 1], [1, 1]]
 * ```
 */
export function clone(x: Operand): Variable {
  return typeof x !== "number" && x.dtype === "bool" ? cast(x, "bool") : mul(x, 1);
}

/**
 * {@link broadcastTo} where a length of -1 keeps `x`'s length on that axis (the tensor package's
 * `expand`, PyTorch's): `expand(x, [-1, 3])` of an `(2, 1)` `x` has shape `(2, 3)`. A view; the
 * gradient is summed back to `x`'s shape. A number `x` is a 0-d constant.
 * @throws ShapeError when -1 stands for a new leading axis (which has no length to keep), when
 *   `x`'s shape does not broadcast to the resolved shape, or when a length is negative (other than
 *   -1) or fractional.
 * @example
 * ```ts
 * import { expand, variable } from "@strata/autograd";
 * const b = variable([[1], [2]], { requiresGrad: true });
 * const y = expand(b, [-1, 3]);
 * y.sum().backward();
 * console.log(y.shape, b.grad?.toArray()); // [2, 3] [[3], [3]]
 * ```
 */
export function expand(x: Operand, shape: Shape): Variable {
  const v = asVariable(x);
  const lead = shape.length - v.ndim;
  if (shape.some((n, k) => n === -1 && k < lead)) {
    throw new ShapeError(`expand: cannot expand ${formatShape(v.shape)} to [${shape.join(", ")}]: -1 is only allowed on the last ${v.ndim} axes, which exist in the tensor`);
  }
  const target = shape.map((n, k) => (n === -1 ? v.shape[k - lead]! : n));
  const fits = lead >= 0 && target.every((n) => Number.isInteger(n) && n >= 0) && v.shape.every((n, k) => n === 1 || n === target[lead + k]);
  if (!fits) {
    throw new ShapeError(`expand: cannot expand ${formatShape(v.shape)} to [${shape.join(", ")}]; aligned at the right, each axis of the value must have length 1 or the target's length (-1 keeps it)`);
  }
  return broadcastTo(v, target);
}
