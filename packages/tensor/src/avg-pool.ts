// Average and adaptive average pooling, batch-first, with PyTorch's semantics, and their
// gradients. Both average over rectangular windows whose divisor is a product of one factor per
// axis, so one separable kernel (backends/*/pool) serves all four ops, forward and adjoint.
import { allocate } from "./dtype.js";
import { DTypeError, ShapeError } from "./errors.js";
import { avgPoolKernel } from "./dispatch/dispatch.js";
import { formatShape, type Shape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { describe } from "./apply.js";
import { requireFloat } from "./conv-geometry.js";
import { adaptiveGeometry, avgPoolGeometry, type AvgPool2dOptions } from "./pool-geometry.js";
import type { AvgPoolRequest, AxisWindows, PoolGeometry } from "./backends/windows.js";
import { compute } from "./record.js";

interface Windows {
  geometry: PoolGeometry;
  rows: AxisWindows;
  cols: AxisWindows;
  shape: number[];
}

function checked(op: string, name: string, t: Tensor, expected: string): void {
  if (!(t instanceof Tensor)) throw new DTypeError(`${op}: ${name} must be a Tensor, got ${describe(t)}`);
  requireFloat(op, name, t, expected);
}

function average(op: string, x: Tensor, { geometry, rows, cols, shape }: Windows): Tensor {
  const out = allocate(x.dtype, shape, op);
  if (out.length > 0) {
    const req: AvgPoolRequest = { kind: "forward", geometry, rows, cols, x: x.contiguous(), out };
    compute(() => avgPoolKernel(req));
  }
  return new Tensor(out, shape);
}

function spread(op: string, gradOutput: Tensor, inputSize: Shape, { geometry, rows, cols, shape }: Windows): Tensor {
  if (gradOutput.ndim !== 4 || gradOutput.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${op}: expected gradOutput ${formatShape(shape)}, the pooled shape of input ${formatShape(inputSize)}, got ${formatShape(gradOutput.shape)}`);
  }
  const out = allocate(gradOutput.dtype, inputSize, op);
  if (out.length > 0 && gradOutput.size > 0) {
    const req: AvgPoolRequest = { kind: "backward", geometry, rows, cols, x: gradOutput.contiguous(), out };
    compute(() => {
      // the adjoint adds each window's share into the output: zero it, a replay finds the last call's sums there
      out.fill(0);
      avgPoolKernel(req);
    });
  }
  return new Tensor(out, [...inputSize]);
}

/**
 * 2-D average pooling of x `(N, C, H, W)` (PyTorch's `avg_pool2d`): each output is the sum of its
 * window, clipped to the input, divided by the window's size counting the zero padding
 * (`countIncludePad`, the default; a ceilMode window is clipped to the right padding first), by the
 * clipped size without it, or by `divisorOverride`. Output `(N, C, oH, oW)` as in max pooling
 * without dilation. Any layout; the result has x's dtype.
 *
 * @param x - float32 or float64 `(N, C, H, W)`.
 * @param options - kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride: {@link AvgPool2dOptions}.
 * @throws DTypeError when x is not a float tensor.
 * @throws ShapeError when x is not 4-D or the output would be empty.
 * @throws ValueError for sizes below 1, a padding above half the kernel, or a zero divisorOverride.
 *
 * @example
 * ```ts
 * import { avgPool2d, tensor } from "@strata/tensor";
 * const x = tensor([[[[1, 2, 3], [4, 5, 6]]]]);  // (1, 1, 2, 3)
 * console.log(avgPool2d(x, { kernelSize: 2, stride: 1 }).squeeze().toArray()); // [3, 4]
 * ```
 */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  checked("avgPool2d", "input", x, "(N, C, H, W)");
  return average("avgPool2d", x, avgPoolGeometry("avgPool2d", x.shape, options));
}

/**
 * The gradient of {@link avgPool2d} with respect to its input (its adjoint): each `gradOutput`
 * element, divided as its window's average was, is added to every input element of the window.
 *
 * @param gradOutput - dy, of avgPool2d's output shape for `inputSize`.
 * @param inputSize - x's shape `(N, C, H, W)`.
 * @param options - as given to avgPool2d.
 * @throws as {@link avgPool2d}, and ShapeError when gradOutput has another shape than the pooling's output.
 *
 * @example
 * ```ts
 * import { avgPool2dBackward, tensor } from "@strata/tensor";
 * const dx = avgPool2dBackward(tensor([[[[4, 8]]]]), [1, 1, 2, 3], { kernelSize: 2, stride: 1 });
 * console.log(dx.squeeze().toArray()); // [[1, 3, 2], [1, 3, 2]]
 * ```
 */
export function avgPool2dBackward(gradOutput: Tensor, inputSize: Shape, options: AvgPool2dOptions): Tensor {
  checked("avgPool2dBackward", "gradOutput", gradOutput, "(N, C, oH, oW)");
  return spread("avgPool2dBackward", gradOutput, inputSize, avgPoolGeometry("avgPool2dBackward", inputSize, options));
}

/**
 * Adaptive 2-D average pooling to `outputSize` (PyTorch's `adaptive_avg_pool2d`): output row i
 * averages input rows `⌊i·H/oH⌋` to `⌈(i+1)·H/oH⌉ − 1`, and likewise the columns, so the windows
 * cover the input whatever its size (they overlap when oH does not divide H).
 *
 * @param x - float32 or float64 `(N, C, H, W)` with H, W ≥ 1.
 * @param outputSize - oH and oW, a number for both or `[oH, oW]`.
 * @throws DTypeError when x is not a float tensor.
 * @throws ShapeError when x is not 4-D or has no rows or columns.
 * @throws ValueError when an output size is not an integer ≥ 1.
 *
 * @example
 * ```ts
 * import { adaptiveAvgPool2d, tensor } from "@strata/tensor";
 * const x = tensor([[[[1, 2, 3, 4, 5]]]]);  // (1, 1, 1, 5)
 * console.log(adaptiveAvgPool2d(x, [1, 2]).squeeze().toArray()); // [2, 4]
 * ```
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number, number]): Tensor {
  checked("adaptiveAvgPool2d", "input", x, "(N, C, H, W)");
  return average("adaptiveAvgPool2d", x, adaptiveGeometry("adaptiveAvgPool2d", x.shape, outputSize));
}

/**
 * The gradient of {@link adaptiveAvgPool2d} with respect to its input (its adjoint).
 *
 * @param gradOutput - dy `(N, C, oH, oW)`.
 * @param inputSize - x's shape `(N, C, H, W)`.
 * @throws as {@link adaptiveAvgPool2d}, and ShapeError when gradOutput's shape is not `(N, C, oH, oW)` for inputSize.
 *
 * @example
 * ```ts
 * import { adaptiveAvgPool2dBackward, tensor } from "@strata/tensor";
 * console.log(adaptiveAvgPool2dBackward(tensor([[[[3, 6]]]]), [1, 1, 1, 5]).squeeze().toArray()); // [1, 1, 3, 2, 2]
 * ```
 */
export function adaptiveAvgPool2dBackward(gradOutput: Tensor, inputSize: Shape): Tensor {
  checked("adaptiveAvgPool2dBackward", "gradOutput", gradOutput, "(N, C, oH, oW)");
  const out = gradOutput.shape;
  return spread("adaptiveAvgPool2dBackward", gradOutput, inputSize, adaptiveGeometry("adaptiveAvgPool2dBackward", inputSize, [out[2]!, out[3]!]));
}
