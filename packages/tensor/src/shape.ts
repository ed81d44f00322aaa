import { ShapeError, ValueError } from "./errors.js";

/**
 * A tensor's shape: the length of each axis, outermost first.
 *
 * @example
 * ```ts
 * import { zeros, type Shape } from "@strata/tensor";
 * const s: Shape = [2, 3];
 * console.log(zeros(s).size); // 6
 * ```
 */
export type Shape = readonly number[];

/**
 * A shape written as in error messages: `(3,4)`; a scalar's shape is `()`. Never throws.
 *
 * @example
 * ```ts
 * import { formatShape } from "@strata/tensor";
 * console.log(formatShape([3, 4])); // "(3,4)"
 * ```
 */
export function formatShape(shape: Shape): string {
  return `(${shape.join(",")})`;
}

/**
 * The number of elements of a shape: the product of its lengths (1 for a scalar). The lengths
 * are not checked (`shapeSize([-1, 2])` is -2): every tensor construction calls this, so shapes
 * are checked where they enter instead (the creators, reshape). Never throws.
 *
 * @example
 * ```ts
 * import { shapeSize } from "@strata/tensor";
 * console.log(shapeSize([2, 3, 4])); // 24
 * ```
 */
export function shapeSize(shape: Shape): number {
  let size = 1;
  for (const n of shape) size *= n;
  return size;
}

/**
 * Row-major (C order) strides of a shape, in elements: the last axis has stride 1 and axis `i`
 * has the product of the lengths after it. One stride per axis; `[]` for a scalar. Never throws.
 *
 * @example
 * ```ts
 * import { contiguousStrides } from "@strata/tensor";
 * console.log(contiguousStrides([2, 3, 4])); // [12, 4, 1]
 * ```
 */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

/** Rejects anything but a list of non-negative integers, naming `op`. */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) {
    throw new ShapeError(`${op}: expected a shape (an array of non-negative integers), got ${String(shape)}`);
  }
  for (const n of shape) {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      throw new ShapeError(`${op}: shape [${shape.join(", ")}] has ${String(n)}; expected non-negative integers`);
    }
  }
  return shape as number[];
}

/**
 * The numpy broadcast of several shapes: aligned at the right, each axis must be equal or 1.
 * The result has as many axes as the longest shape, each the length that is not 1 (1 if all
 * are). `op` only names the caller in the error message. The lengths themselves are not checked.
 *
 * @throws ShapeError naming `op`, the shapes and the axis when two shapes have different lengths
 * on one axis and neither is 1.
 *
 * @example
 * ```ts
 * import { broadcastShapes } from "@strata/tensor";
 * console.log(broadcastShapes("add", [3, 1], [4])); // [3, 4]
 * ```
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const axis = ndim - s.length + i;
      const n = s[i]!;
      const m = out[axis]!;
      if (m === 1) out[axis] = n;
      else if (n !== 1 && n !== m) {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(formatShape).join(" and ")} do not broadcast: axis ${axis - ndim} has lengths ${m} and ${n}`,
        );
      }
    }
  }
  return out;
}

/**
 * An axis in `[-ndim, ndim)` made non-negative: `axis < 0 ? axis + ndim : axis`.
 *
 * @throws ValueError naming `op` when `axis` is not an integer or lies outside `[-ndim, ndim)`.
 * @example
 * ```ts
 * import { normalizeAxis } from "@strata/tensor";
 * console.log(normalizeAxis("sum", -1, 3)); // 2
 * ```
 */
export function normalizeAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new ValueError(`${op}: axis ${axis} is out of range for a tensor with ${ndim} dimension${ndim === 1 ? "" : "s"}; expected an integer in [${-ndim}, ${ndim - 1}]`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Axes given as one number, a list, or nothing (all axes, `[0, …, ndim-1]`), each made
 * non-negative as by {@link normalizeAxis}, then sorted ascending.
 *
 * @throws ValueError naming `op` when an axis is not an integer or is out of range, or when two
 * axes name the same one (`0` and `-3` for `ndim` 3).
 * @example
 * ```ts
 * import { normalizeAxes } from "@strata/tensor";
 * console.log(normalizeAxes("sum", [-1, 0], 3), normalizeAxes("sum", undefined, 2)); // [0, 2] [0, 1]
 * ```
 */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined, ndim: number): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(op, a, ndim)).sort((a, b) => a - b);
  for (let i = 1; i < out.length; i++) {
    if (out[i] === out[i - 1]) throw new ValueError(`${op}: axis ${out[i]} is repeated in [${list.join(", ")}]`);
  }
  return out;
}
