// Max pooling, batch-first, with PyTorch's semantics, and the index pair that carries its
// gradient: gatherPlanes reads a tensor at a pooling's indices (the pooled values), and
// scatterAddPlanes, its adjoint, adds values back at those indices (the gradient of the input).
import { allocate, isFloatDType } from "./dtype.js";
import { DTypeError, ShapeError, ValueError } from "./errors.js";
import { maxPoolKernel, planesKernel } from "./dispatch/dispatch.js";
import { formatShape, shapeSize, type Shape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { describe } from "./apply.js";
import { requireFloat } from "./conv-geometry.js";
import { maxPoolGeometry, type MaxPool2dOptions } from "./pool-geometry.js";
import { position } from "./indices.js";
import { compute } from "./record.js";

/**
 * 2-D max pooling of x `(N, C, H, W)` that also returns where each maximum is (PyTorch's
 * `max_pool2d_with_indices`): `values[n, c, i, j]` is the largest element of the window at
 * `(i·sH − pH, j·sW − pW)` with taps `dilation` apart (padding never wins), and `indices[n, c, i, j]`
 * its flat position `row·W + column` in its plane. Ties go to the first maximum in row-major scan
 * order; a NaN in a window is its maximum. Output `(N, C, oH, oW)` with
 * `oH = ⌊(H + 2pH − dH·(kH − 1) − 1) / sH⌋ + 1` (rounded up with ceilMode, dropping a last window
 * that would start in the padding). Any layout; values have x's dtype, indices are int32.
 *
 * @param x - float32 or float64 `(N, C, H, W)`.
 * @param options - kernelSize, stride, padding, dilation, ceilMode: {@link MaxPool2dOptions}.
 * @throws DTypeError when x is not a float tensor.
 * @throws ShapeError when x is not 4-D or the output would be empty.
 * @throws ValueError for sizes below 1, a negative padding or one above half the kernel.
 *
 * @example
 * ```ts
 * import { maxPool2dWithIndices, tensor } from "@strata/tensor";
 * const x = tensor([[[[1, 5, 2, 0], [3, 4, 2, 1]]]]);  // (1, 1, 2, 4)
 * const { values, indices } = maxPool2dWithIndices(x, { kernelSize: 2 });
 * console.log(values.squeeze().toArray(), indices.squeeze().toArray()); // [5, 2] [1, 2]
 * ```
 */
export function maxPool2dWithIndices(x: Tensor, options: MaxPool2dOptions): { values: Tensor; indices: Tensor } {
  if (!(x instanceof Tensor)) throw new DTypeError(`maxPool2d: x must be a Tensor, got ${describe(x)}`);
  requireFloat("maxPool2d", "input", x, "(N, C, H, W)");
  const { geometry, window, shape } = maxPoolGeometry("maxPool2d", x.shape, options);
  const values = allocate(x.dtype, shape, "maxPool2d") as Float32Array | Float64Array;
  const indices = allocate("int32", shape, "maxPool2d") as Int32Array;
  if (values.length > 0) {
    const req = { geometry, window, x: x.contiguous(), values, indices };
    compute(() => maxPoolKernel(req));
  }
  return { values: new Tensor(values, shape), indices: new Tensor(indices, shape) };
}

/** The indices of a gather or scatter through planes, their dtype and shape checked, contiguous. */
function planeIndices(op: string, indices: Tensor, lead: Shape, plane: Shape): Tensor {
  if (!(indices instanceof Tensor) || indices.dtype !== "int32") {
    throw new DTypeError(`${op}: indices must be an int32 Tensor, got ${indices instanceof Tensor ? indices.dtype : describe(indices)}`);
  }
  if (indices.ndim !== lead.length + 2 || lead.some((d, i) => d !== indices.shape[i])) {
    throw new ShapeError(`${op}: expected indices (${[...lead, "h", "w"].join(",")}) for planes ${formatShape(plane)}, got ${formatShape(indices.shape)}`);
  }
  return indices.contiguous();
}

/** The index values of `c` (contiguous), read in place (a copy through toTypedArray took longer than the gather itself). */
function indexValues(c: Tensor): Int32Array {
  return (c.data as Int32Array).subarray(c.offset, c.offset + c.size);
}

/**
 * Throws for the first index of `c` outside its plane. The kernels skip and count such indices
 * inside the work (so a replay checks the indices it is given then); this finds the one to name.
 */
function checkIndices(op: string, c: Tensor, planeSize: number, plane: Shape): void {
  const values = indexValues(c);
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!(v >= 0 && v < planeSize)) {
      throw new ValueError(`${op}: index ${v} at position ${position(k, c.shape)} of indices ${formatShape(c.shape)} is outside its plane ${formatShape(plane)}; expected 0 <= index < ${planeSize}`);
    }
  }
}

function requirePlanes(op: string, name: string, t: Tensor): void {
  if (!(t instanceof Tensor)) throw new DTypeError(`${op}: ${name} must be a Tensor, got ${describe(t)}`);
  if (!isFloatDType(t.dtype)) throw new DTypeError(`${op}: ${name} must be float32 or float64, got ${t.dtype}`);
  if (t.ndim < 2) throw new ShapeError(`${op}: ${name} must have at least 2 dimensions (…, H, W), got ${formatShape(t.shape)}`);
}

/**
 * Reads x at plane indices: `y[…, i, j] = x[…, ⌊k / W⌋, k mod W]` with `k = indices[…, i, j]`, the
 * last two axes of x being one plane of H × W and the leading axes matching. With the indices of
 * {@link maxPool2dWithIndices} it gives the pooled values; {@link scatterAddPlanes} is its adjoint.
 * The result has the indices' shape and x's dtype.
 *
 * @param x - float32 or float64 `(…, H, W)`, any layout.
 * @param indices - int32 `(…, h, w)` with x's leading axes, each in `[0, H·W)`.
 * @throws DTypeError when x is not float or indices is not int32.
 * @throws ShapeError when the leading axes differ or x has fewer than 2 dimensions.
 * @throws ValueError naming an index outside its plane.
 *
 * @example
 * ```ts
 * import { gatherPlanes, tensor } from "@strata/tensor";
 * const x = tensor([[[10, 11], [12, 13]]]);  // (1, 2, 2): one plane
 * console.log(gatherPlanes(x, tensor([[[3, 0, 0]]], { dtype: "int32" })).toArray()); // [[[13, 10, 10]]]
 * ```
 */
export function gatherPlanes(x: Tensor, indices: Tensor): Tensor {
  requirePlanes("gatherPlanes", "x", x);
  const lead = x.shape.slice(0, -2);
  const plane = x.shape.slice(-2);
  const picks = planeIndices("gatherPlanes", indices, lead, plane);
  const out = allocate(x.dtype, indices.shape, "gatherPlanes") as Float32Array | Float64Array;
  if (out.length > 0) {
    const [planes, from, fromSize, toSize] = [shapeSize(lead), x.contiguous(), shapeSize(plane), shapeSize(indices.shape.slice(-2))];
    compute(() => {
      const outside = planesKernel({ kind: "gather", planes, from, fromSize, indices: indexValues(picks), to: out, toSize });
      if (outside > 0) checkIndices("gatherPlanes", picks, fromSize, plane);
    });
  }
  return new Tensor(out, indices.shape);
}

/**
 * Adds updates into zero planes of `planeShape` at plane indices:
 * `y[…, ⌊k / W⌋, k mod W] += updates[…, i, j]` with `k = indices[…, i, j]`, repeated indices
 * accumulating. The adjoint of {@link gatherPlanes}, hence max pooling's gradient:
 * `scatterAddPlanes(dy, indices, [H, W])` routes each dy to the maximum it came from.
 *
 * @param updates - float32 or float64 `(…, h, w)`, any layout.
 * @param indices - int32 of updates' shape, each in `[0, H·W)`.
 * @param planeShape - `[H, W]`, the result's last two axes.
 * @returns `(…, H, W)` of updates' dtype.
 * @throws DTypeError when updates is not float or indices is not int32.
 * @throws ShapeError when indices' shape differs from updates' or planeShape is not two lengths.
 * @throws ValueError naming an index outside its plane.
 *
 * @example
 * ```ts
 * import { scatterAddPlanes, tensor } from "@strata/tensor";
 * const i = tensor([[[3, 0, 0]]], { dtype: "int32" });
 * console.log(scatterAddPlanes(tensor([[[1, 2, 4]]]), i, [2, 2]).toArray()); // [[[6, 0], [0, 1]]]
 * ```
 */
export function scatterAddPlanes(updates: Tensor, indices: Tensor, planeShape: Shape): Tensor {
  requirePlanes("scatterAddPlanes", "updates", updates);
  if (!Array.isArray(planeShape) || planeShape.length !== 2 || !planeShape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`scatterAddPlanes: planeShape must be [H, W], two non-negative integers, got ${describe(planeShape)}`);
  }
  const lead = updates.shape.slice(0, -2);
  if (indices instanceof Tensor && (indices.ndim !== updates.ndim || indices.shape.some((d, i) => d !== updates.shape[i]))) {
    throw new ShapeError(`scatterAddPlanes: indices ${formatShape(indices.shape)} must have the shape of updates ${formatShape(updates.shape)}`);
  }
  const picks = planeIndices("scatterAddPlanes", indices, lead, planeShape);
  const shape = [...lead, ...planeShape];
  const out = allocate(updates.dtype, shape, "scatterAddPlanes") as Float32Array | Float64Array;
  const [planes, from, fromSize, toSize] = [shapeSize(lead), updates.contiguous(), shapeSize(updates.shape.slice(-2)), shapeSize(planeShape)];
  // the indices are checked even when nothing is added, as an eager call checks them
  compute(() => {
    if (out.length === 0) return checkIndices("scatterAddPlanes", picks, toSize, planeShape);
    // the kernels zero their output themselves (a replay finds the previous call's sums there)
    const outside = planesKernel({ kind: "scatterAdd", planes, from, fromSize, indices: indexValues(picks), to: out, toSize });
    if (outside > 0) checkIndices("scatterAddPlanes", picks, toSize, planeShape);
  });
  return new Tensor(out, shape);
}
