// Pooling over variables, batch-first, with torch.nn.functional's names and semantics. Max
// pooling is a gather at the indices of each window's maximum (found on the values, so constant
// for the gradient): its gradient scatter-adds g back to those indices and the gradient of that
// gathers again, so gradients of any order route through the same maxima. Average poolings are
// linear: each primitive's gradient is its adjoint, whose gradient is the pooling again.
import * as T from "@strata/tensor";
import { ValueError, type AvgPool2dOptions, type MaxPool2dOptions, type Shape } from "@strata/tensor";
import { record, recordComputed, valueOf } from "./record.js";
import { reshape } from "./structural.js";
import { asRows, tensorOperand, withBatch, withoutBatch } from "./conv.js";
import { Variable, type Operand } from "./variable.js";
import { isGradEnabled } from "./mode.js";
import { tracedCall } from "./trace.js";

const NONE = {} as Record<string, never>;

/** The int32 tensor inside an indices operand (indices are never differentiated). */
function indexTensor(op: string, indices: Operand): T.Tensor {
  const t = valueOf(indices);
  if (!(t instanceof T.Tensor)) throw new T.DTypeError(`${op}: indices must be an int32 Tensor or Variable, got the number ${t}`);
  return t;
}

/**
 * Reads x at plane indices: `y[…, i, j] = x[…, ⌊k / W⌋, k mod W]` with `k = indices[…, i, j]`, the
 * last two axes of x being one plane `(H, W)` (see the tensor package's `gatherPlanes`). With a max
 * pooling's indices it gives the pooled values. Gradient: {@link scatterAddPlanes} of g at the
 * same indices; the indices have none.
 * @throws DTypeError when x is not float or indices not int32.
 * @throws ShapeError when the leading axes differ.
 * @throws ValueError naming an index outside its plane.
 * @example
 * ```ts
 * import { gatherPlanes, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const x = variable([[[10, 11], [12, 13]]], { requiresGrad: true });
 * gatherPlanes(x, tensor([[[3, 3]]], { dtype: "int32" })).sum().backward();
 * console.log(x.grad?.toArray()); // [[[0, 0], [0, 2]]]
 * ```
 */
export function gatherPlanes(x: Operand, indices: Operand): Variable {
  return record("gatherPlanes", [tensorOperand("gatherPlanes", "x", x), indexTensor("gatherPlanes", indices)], NONE);
}

/**
 * Adds updates into zero planes of `planeShape` `[H, W]` at plane indices (the adjoint of
 * {@link gatherPlanes}; the tensor package's `scatterAddPlanes`): max pooling's gradient.
 * Gradient: gatherPlanes of g at the same indices.
 * @throws DTypeError when updates is not float or indices not int32.
 * @throws ShapeError when indices' shape differs from updates'.
 * @throws ValueError naming an index outside its plane.
 * @example
 * ```ts
 * import { scatterAddPlanes, variable } from "@strata/autograd";
 * import { tensor } from "@strata/tensor";
 * const y = scatterAddPlanes(variable([[[1, 2]]]), tensor([[[3, 3]]], { dtype: "int32" }), [2, 2]);
 * console.log(y.toArray()); // [[[0, 0], [0, 3]]]
 * ```
 */
export function scatterAddPlanes(updates: Operand, indices: Operand, planeShape: Shape): Variable {
  const shape = Array.isArray(planeShape) ? [...planeShape] : planeShape;
  return record("scatterAddPlanes", [tensorOperand("scatterAddPlanes", "updates", updates), indexTensor("scatterAddPlanes", indices)], { planeShape: shape });
}

/**
 * 2-D max pooling (PyTorch's `torch.nn.functional.max_pool2d`): each output is the largest
 * element of its window (`kernelSize`, `stride` = kernelSize by default, `padding` of −∞ at most
 * half the kernel, `dilation`, `ceilMode`: {@link MaxPool2dOptions}). x `(N, C, H, W)` or
 * unbatched `(C, H, W)`. Gradient: g routed to each window's maximum (the first in row-major scan
 * order on ties, as PyTorch), added where windows overlap; its own gradient gathers at the same
 * maxima, so double backward works.
 * @throws DTypeError when x is not a float tensor or variable.
 * @throws ShapeError when x is not 3-D or 4-D, or the output would be empty.
 * @throws ValueError for sizes below 1 or a padding above half the kernel.
 * @example
 * ```ts
 * import { maxPool2d, variable } from "@strata/autograd";
 * const x = variable([[[[1, 5, 2, 0], [3, 4, 2, 1]]]], { requiresGrad: true });
 * const y = maxPool2d(x, { kernelSize: 2 });
 * y.sum().backward();
 * console.log(y.data.squeeze().toArray(), x.grad?.squeeze().toArray()); // [5, 2] [[0, 1, 1, 0], [0, 0, 0, 0]]
 * ```
 */
export function maxPool2d(x: Operand, options: MaxPool2dOptions): Variable {
  return tracedCall("op", "maxPool2d", [x], { ...options }, () => maxPool2dPlanes(x, options));
}

function maxPool2dPlanes(x: Operand, options: MaxPool2dOptions): Variable {
  const input = withBatch("maxPool2d", tensorOperand("maxPool2d", "x", x), 4, "C, H, W");
  const { values, indices } = T.maxPool2dWithIndices(input.x.data, options);
  // with nothing to record, the kernel's values are the answer; else the gather is the op recorded,
  // its value being the kernel's values (gathering them again took as long as the pooling)
  if (!input.x.requiresGrad || !isGradEnabled()) return withoutBatch(new Variable(values), input.unbatched);
  return withoutBatch(recordComputed("gatherPlanes", [input.x, indices], NONE, values), input.unbatched);
}

/**
 * 2-D average pooling (PyTorch's `torch.nn.functional.avg_pool2d`): each output is the sum of its
 * window divided by the window's size with its zero padding (`countIncludePad`, default), without
 * it, or by `divisorOverride` ({@link AvgPool2dOptions}). x `(N, C, H, W)` or unbatched
 * `(C, H, W)`. Linear; its gradient is {@link avgPool2dBackward}.
 * @throws DTypeError when x is not a float tensor or variable.
 * @throws ShapeError when x is not 3-D or 4-D, or the output would be empty.
 * @throws ValueError for sizes below 1, a padding above half the kernel, or a zero divisorOverride.
 * @example
 * ```ts
 * import { avgPool2d, variable } from "@strata/autograd";
 * const x = variable([[[[1, 2, 3], [4, 5, 6]]]]);
 * console.log(avgPool2d(x, { kernelSize: 2, stride: 1 }).data.squeeze().toArray()); // [3, 4]
 * ```
 */
export function avgPool2d(x: Operand, options: AvgPool2dOptions): Variable {
  const input = withBatch("avgPool2d", tensorOperand("avgPool2d", "x", x), 4, "C, H, W");
  return withoutBatch(record("avgPool2d", [input.x], { options: { ...options } }), input.unbatched);
}

/**
 * The gradient of {@link avgPool2d} with respect to its input, as a differentiable op: each
 * element of gradOutput, divided as its window's average was, added to the window's inputs.
 * Linear; its gradient is avgPool2d.
 * @throws as {@link avgPool2d}, and ShapeError when gradOutput is not the pooled shape of inputSize.
 * @example
 * ```ts
 * import { avgPool2dBackward, variable } from "@strata/autograd";
 * const dx = avgPool2dBackward(variable([[[[4, 8]]]]), [1, 1, 2, 3], { kernelSize: 2, stride: 1 });
 * console.log(dx.data.squeeze().toArray()); // [[1, 3, 2], [1, 3, 2]]
 * ```
 */
export function avgPool2dBackward(gradOutput: Operand, inputSize: Shape, options: AvgPool2dOptions): Variable {
  const size = Array.isArray(inputSize) ? [...inputSize] : inputSize;
  return record("avgPool2dBackward", [tensorOperand("avgPool2dBackward", "gradOutput", gradOutput)], { inputSize: size, options: { ...options } });
}

/**
 * Adaptive 2-D average pooling to `outputSize` (PyTorch's `adaptive_avg_pool2d`): output row i
 * averages input rows `⌊i·H/oH⌋` to `⌈(i+1)·H/oH⌉ − 1`, and likewise the columns. x
 * `(N, C, H, W)` or unbatched `(C, H, W)`. Linear; its gradient is {@link adaptiveAvgPool2dBackward}.
 * @throws DTypeError when x is not a float tensor or variable.
 * @throws ShapeError when x is not 3-D or 4-D or has no rows or columns.
 * @throws ValueError when an output size is not an integer ≥ 1.
 * @example
 * ```ts
 * import { adaptiveAvgPool2d, variable } from "@strata/autograd";
 * console.log(adaptiveAvgPool2d(variable([[[[1, 2, 3, 4, 5]]]]), [1, 2]).data.squeeze().toArray()); // [2, 4]
 * ```
 */
export function adaptiveAvgPool2d(x: Operand, outputSize: number | readonly [number, number]): Variable {
  const input = withBatch("adaptiveAvgPool2d", tensorOperand("adaptiveAvgPool2d", "x", x), 4, "C, H, W");
  const size: number | [number, number] = typeof outputSize === "number" ? outputSize : [...outputSize] as [number, number];
  return withoutBatch(record("adaptiveAvgPool2d", [input.x], { outputSize: size }), input.unbatched);
}

/**
 * The gradient of {@link adaptiveAvgPool2d} with respect to its input, as a differentiable op.
 * Linear; its gradient is adaptiveAvgPool2d.
 * @throws as {@link adaptiveAvgPool2d}, and ShapeError when gradOutput is not `(N, C, oH, oW)` for inputSize.
 * @example
 * ```ts
 * import { adaptiveAvgPool2dBackward, variable } from "@strata/autograd";
 * console.log(adaptiveAvgPool2dBackward(variable([[[[3, 6]]]]), [1, 1, 1, 5]).data.squeeze().toArray()); // [1, 1, 3, 2, 2]
 * ```
 */
export function adaptiveAvgPool2dBackward(gradOutput: Operand, inputSize: Shape): Variable {
  const size = Array.isArray(inputSize) ? [...inputSize] : inputSize;
  return record("adaptiveAvgPool2dBackward", [tensorOperand("adaptiveAvgPool2dBackward", "gradOutput", gradOutput)], { inputSize: size });
}

/**
 * Options of {@link maxPool1d}, as PyTorch's `max_pool1d` takes them: `kernelSize` ≥ 1, `stride`
 * (default kernelSize), `padding` (default 0, at most half the kernel), `dilation` (default 1),
 * `ceilMode` (default false).
 * @example
 * ```ts
 * import { maxPool1d, variable, type MaxPool1dOptions } from "@strata/autograd";
 * const opts: MaxPool1dOptions = { kernelSize: 2, ceilMode: true };
 * console.log(maxPool1d(variable([[[1, 3, 2, 5, 4]]]), opts).toArray()); // [[[3, 5, 4]]]
 * ```
 */
export interface MaxPool1dOptions {
  kernelSize: number;
  stride?: number;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
}

/**
 * Options of {@link avgPool1d}, as PyTorch's `avg_pool1d` takes them: `kernelSize`, `stride`
 * (default kernelSize), `padding` (default 0), `ceilMode` (default false), `countIncludePad`
 * (default true).
 * @example
 * ```ts
 * import { avgPool1d, variable, type AvgPool1dOptions } from "@strata/autograd";
 * const opts: AvgPool1dOptions = { kernelSize: 2, padding: 1, countIncludePad: false };
 * console.log(avgPool1d(variable([[[2, 4, 6]]]), opts).toArray()); // [[[2, 5]]]
 * ```
 */
export interface AvgPool1dOptions {
  kernelSize: number;
  stride?: number;
  padding?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** A 1-D pooling as its 2-D form over rows of height 1. */
function overRows(op: string, x: Operand, pool: (x4: Variable) => Variable): Variable {
  const input = withBatch(op, tensorOperand(op, "x", x), 3, "C, L");
  const [n, c, l] = input.x.shape as [number, number, number];
  const y = asRows(op, () => pool(reshape(input.x, [n, c, 1, l])));
  return withoutBatch(reshape(y, [n, c, y.shape[3]!]), input.unbatched);
}

/** [1, v] for the row axis of a 1-D pooling run in 2-D, or undefined. */
const row = (v: number | undefined, fill: number): [number, number] | undefined => (v === undefined ? undefined : [fill, v]);

/**
 * 1-D max pooling (PyTorch's `max_pool1d`): {@link maxPool2d} over rows of height 1. x `(N, C, L)`
 * or unbatched `(C, L)`.
 * @throws as {@link maxPool2d}, for inputs of 2 or 3 axes; ValueError when kernelSize is not a number.
 * @example
 * ```ts
 * import { maxPool1d, variable } from "@strata/autograd";
 * console.log(maxPool1d(variable([[[1, 3, 2, 5]]]), { kernelSize: 2 }).toArray()); // [[[3, 5]]]
 * ```
 */
export function maxPool1d(x: Operand, options: MaxPool1dOptions): Variable {
  if (typeof options?.kernelSize !== "number") throw new ValueError(`maxPool1d: options.kernelSize must be a number, got ${String(options?.kernelSize)}`);
  return tracedCall("op", "maxPool1d", [x], { ...options }, () => overRows("maxPool1d", x, (x4) =>
    maxPool2d(x4, {
      kernelSize: [1, options.kernelSize], stride: row(options.stride, 1), padding: row(options.padding, 0),
      dilation: row(options.dilation, 1), ceilMode: options.ceilMode,
    }),
  ));
}

/**
 * 1-D average pooling (PyTorch's `avg_pool1d`): {@link avgPool2d} over rows of height 1. x
 * `(N, C, L)` or unbatched `(C, L)`.
 * @throws as {@link avgPool2d}, for inputs of 2 or 3 axes; ValueError when kernelSize is not a number.
 * @example
 * ```ts
 * import { avgPool1d, variable } from "@strata/autograd";
 * console.log(avgPool1d(variable([[[1, 3, 2, 6]]]), { kernelSize: 2 }).toArray()); // [[[2, 4]]]
 * ```
 */
export function avgPool1d(x: Operand, options: AvgPool1dOptions): Variable {
  if (typeof options?.kernelSize !== "number") throw new ValueError(`avgPool1d: options.kernelSize must be a number, got ${String(options?.kernelSize)}`);
  return tracedCall("op", "avgPool1d", [x], { ...options }, () => overRows("avgPool1d", x, (x4) =>
    avgPool2d(x4, {
      kernelSize: [1, options.kernelSize], stride: row(options.stride, 1), padding: row(options.padding, 0),
      ceilMode: options.ceilMode, countIncludePad: options.countIncludePad,
    }),
  ));
}
