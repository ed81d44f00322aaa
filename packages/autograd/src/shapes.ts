// Composite ops on shapes and products: views and matrix products expressed with the primitives.
import * as T from "@strata/tensor";
import { ShapeError, formatShape, normalizeAxes, type Shape } from "@strata/tensor";
import { mul } from "./elementwise.js";
import { broadcastTo, concat, matmul2d, reshape, sum } from "./structural.js";
import { asVariable } from "./record.js";
import type { Operand, Variable } from "./variable.js";

/**
 * Matrix product with numpy's rules: 2-D × 2-D, batched over leading axes (broadcast), and a 1-D
 * operand taken as a row (left) or column (right) vector whose axis is dropped from the result.
 * Gradients: `g·Bᵀ` and `Aᵀ·g`, summed over broadcast batch axes.
 * @throws ShapeError when the inner dimensions differ or an operand is 0-d.
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
 * The inner product `Σ aᵢbᵢ` of two 1-D operands of equal length, a 0-d result.
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
 * The outer product `yᵢⱼ = aᵢbⱼ` of two 1-D operands.
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
 * Drops axes of length 1 (all of them, or those named), as a reshape.
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
 * Inserts an axis of length 1 at `axis`, as a reshape.
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
 * All elements in one axis, row-major, as a reshape.
 * @example
 * ```ts
 * import { flatten, variable } from "@strata/autograd";
 * console.log(flatten(variable([[1, 2], [3, 4]])).toArray()); // [1, 2, 3, 4]
 * ```
 */
export function flatten(x: Operand): Variable {
  return reshape(x, [asVariable(x).size]);
}

/**
 * Joins operands of equal shape along a new axis (default 0), as unsqueeze then {@link concat}.
 * @example
 * ```ts
 * import { stack, variable } from "@strata/autograd";
 * console.log(stack([variable([1, 2]), variable([3, 4])], { axis: 1 }).toArray()); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(xs: readonly Operand[], options: { axis?: number } = {}): Variable {
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
 * axes and over axes where `shape` has 1. The gradient is broadcast back.
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
 * A copy of `x` in a new contiguous buffer, computed as `x · 1` (exact for every value); the
 * gradient passes through unchanged. Use it before changing a value in place that a graph saved.
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
  return mul(x, 1);
}

export { broadcastTo as expand };
