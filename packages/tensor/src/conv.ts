// 2-D convolutions, batch-first, with PyTorch's semantics: the forward product and the two
// products of its backward pass (the gradients with respect to the input and to the weight, as
// torch.nn.grad.conv2d_input and conv2d_weight compute them). This file checks the operands and
// allocates the result; the dispatcher picks the kernels (backends/*/conv.ts).
import { allocate } from "./dtype.js";
import { compute } from "./record.js";
import { DTypeError, ShapeError } from "./errors.js";
import { convKernel } from "./dispatch/dispatch.js";
import { formatShape, type Shape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { describe } from "./apply.js";
import { convGeometry, convOutputShape, describeValue, requireFloat, type Conv2dOptions } from "./conv-geometry.js";
import type { ConvGeometry, ConvRequest } from "./backends/windows.js";

/** Checks that every operand is a Tensor and that all have the first one's dtype. */
function sameDtype(op: string, operands: readonly (readonly [string, Tensor])[]): void {
  for (const [name, t] of operands) {
    if (!(t instanceof Tensor)) throw new DTypeError(`${op}: ${name} must be a Tensor, got ${describe(t)}`);
  }
  const [[firstName, first]] = operands as [readonly [string, Tensor]];
  for (const [name, t] of operands.slice(1)) {
    if (t.dtype !== first.dtype) {
      throw new DTypeError(`${op}: ${firstName} is ${first.dtype} ${formatShape(first.shape)} but ${name} is ${t.dtype} ${formatShape(t.shape)}; cast one of them so both have the same dtype`);
    }
  }
}

/** A shape given as an argument, checked to be 4 non-negative integers. */
function sizeOf(op: string, name: string, size: Shape, expected: string): number[] {
  if (!Array.isArray(size) || size.length !== 4 || !size.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${op}: ${name} must be ${expected}, 4 non-negative integers, got ${describeValue(size)}`);
  }
  return [...size];
}

/**
 * Runs one product into a new tensor of `shape` as recordable work (no kernel for an empty one).
 * The kernels overwrite the whole output (a replay finds the previous call's values there); the
 * zeroing the sums need is theirs, because a fill from JavaScript on the kernels' shared memory
 * is slow (147k float32: 187 µs, against 24 on a plain array).
 */
function run(kind: ConvRequest["kind"], geometry: ConvGeometry, a: Tensor, b: Tensor, bias: Tensor | null, shape: number[], op: string): Tensor {
  const out = allocate(a.dtype, shape, op) as Float32Array | Float64Array;
  if (out.length > 0 && geometry.n * geometry.oh * geometry.ow > 0) {
    const req: ConvRequest = { kind, geometry, a: a.contiguous(), b: b.contiguous(), bias: bias?.contiguous() ?? null, out };
    compute(() => convKernel(req));
  }
  return new Tensor(out, shape);
}

/**
 * A 2-D convolution (cross-correlation, as in PyTorch), batch-first:
 * `y[n, o, i, j] = bias[o] + Σ_{c, a, b} weight[o, c, a, b] · x[n, g·C/G + c, i·sH − pH + a·dH, j·sW − pW + b·dW]`
 * over the input channels `c` of output channel `o`'s group `g` (zeros outside the input). For x
 * `(N, C, H, W)` and weight `(O, C/groups, kH, kW)` the result is `(N, O, oH, oW)` with
 * `oH = ⌊(H + padding − dH·(kH − 1) − 1) / sH⌋ + 1` (padding summed over both sides), and
 * likewise oW. Any layout; the result is a new contiguous tensor of x's dtype. Float32 sums run in
 * float32 on the WebAssembly kernels and in doubles on the TypeScript ones.
 *
 * @param x - the input, float32 or float64 `(N, C, H, W)`.
 * @param weight - the filters `(O, C/groups, kH, kW)`, of x's dtype.
 * @param bias - one value per output channel `(O)`, of x's dtype, or null (none).
 * @param options - stride, padding (numbers, pairs, "same", "valid"), dilation, groups: {@link Conv2dOptions}.
 * @throws DTypeError when an operand is not a float tensor or the dtypes differ.
 * @throws ShapeError when x or weight is not 4-D, x's channels are not weight's times groups, the
 *   bias is not `(O)`, or the kernel spans more than the padded input.
 * @throws ValueError for a stride, dilation or groups below 1, a negative padding, or "same" with a stride.
 *
 * @example
 * ```ts
 * import { conv2d, tensor } from "@strata/tensor";
 * const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);  // (1, 1, 3, 3)
 * const w = tensor([[[[1, 0], [0, -1]]]]);                  // (1, 1, 2, 2)
 * console.log(conv2d(x, w, tensor([10])).squeeze().toArray()); // [[6, 6], [6, 6]]
 * console.log(conv2d(x, w, null, { padding: "same" }).squeeze().toArray()); // [[-4, -4, 3], [-4, -4, 6], [7, 8, 9]]
 * ```
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  sameDtype("conv2d", bias ? [["x", x], ["weight", weight], ["bias", bias]] : [["x", x], ["weight", weight]]);
  requireFloat("conv2d", "input", x, "(N, C, H, W)");
  const g = convGeometry("conv2d", x.shape, weight.shape, options);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== g.o)) {
    throw new ShapeError(`conv2d: expected bias (${g.o}) for weight ${formatShape(weight.shape)}, got ${formatShape(bias.shape)}`);
  }
  return run("forward", g, x, weight, bias, convOutputShape(g), "conv2d");
}

/**
 * The gradient of {@link conv2d} with respect to its input (PyTorch's
 * `torch.nn.grad.conv2d_input`, a transposed convolution): for `y = conv2d(x, weight)` with x of
 * shape `inputSize`, returns `dx[n, c, h, w] = Σ dy[n, o, i, j] · weight[o, c', a, b]` over every
 * output position and tap that read `x[n, c, h, w]`. It is the adjoint of conv2d in x:
 * `Σ conv2d(x, w)·dy = Σ x·conv2dInput(x.shape, w, dy)`.
 *
 * @param inputSize - x's shape `(N, C, H, W)` (H and W cannot be recovered from dy when a stride drops rows).
 * @param weight - the filters `(O, C/groups, kH, kW)`.
 * @param gradOutput - dy, of conv2d's output shape `(N, O, oH, oW)` and weight's dtype.
 * @param options - as given to conv2d.
 * @throws DTypeError, ShapeError, ValueError as {@link conv2d}, and ShapeError when gradOutput's
 *   shape is not the output shape of a convolution of `inputSize`.
 *
 * @example
 * ```ts
 * import { conv2dInput, tensor } from "@strata/tensor";
 * const w = tensor([[[[1, 2]]]]);  // (1, 1, 1, 2)
 * console.log(conv2dInput([1, 1, 1, 3], w, tensor([[[[1, 10]]]])).squeeze().toArray()); // [1, 12, 20]
 * ```
 */
export function conv2dInput(inputSize: Shape, weight: Tensor, gradOutput: Tensor, options: Conv2dOptions = {}): Tensor {
  sameDtype("conv2dInput", [["weight", weight], ["gradOutput", gradOutput]]);
  requireFloat("conv2dInput", "gradOutput", gradOutput, "(N, O, oH, oW)");
  const input = sizeOf("conv2dInput", "inputSize", inputSize, "(N, C, H, W)");
  const g = convGeometry("conv2dInput", input, weight.shape, options);
  expectOutput("conv2dInput", g, gradOutput, input, weight.shape);
  return run("input", g, gradOutput, weight, null, input, "conv2dInput");
}

/**
 * The gradient of {@link conv2d} with respect to its weight (PyTorch's
 * `torch.nn.grad.conv2d_weight`): `dw[o, c, a, b] = Σ_{n, i, j} dy[n, o, i, j] · x[n, g·C/G + c, i·sH − pH + a·dH, j·sW − pW + b·dW]`,
 * summed over the batch. It is the adjoint of conv2d in the weight:
 * `Σ conv2d(x, w)·dy = Σ w·conv2dWeight(x, w.shape, dy)`.
 *
 * @param input - x `(N, C, H, W)`.
 * @param weightSize - the weight's shape `(O, C/groups, kH, kW)`.
 * @param gradOutput - dy, of conv2d's output shape `(N, O, oH, oW)` and x's dtype.
 * @param options - as given to conv2d.
 * @throws DTypeError, ShapeError, ValueError as {@link conv2d}, and ShapeError when gradOutput's
 *   shape is not the output shape of the convolution.
 *
 * @example
 * ```ts
 * import { conv2dWeight, tensor } from "@strata/tensor";
 * const x = tensor([[[[1, 2, 3]]]]);  // (1, 1, 1, 3)
 * console.log(conv2dWeight(x, [1, 1, 1, 2], tensor([[[[1, 10]]]])).squeeze().toArray()); // [21, 32]
 * ```
 */
export function conv2dWeight(input: Tensor, weightSize: Shape, gradOutput: Tensor, options: Conv2dOptions = {}): Tensor {
  sameDtype("conv2dWeight", [["input", input], ["gradOutput", gradOutput]]);
  requireFloat("conv2dWeight", "input", input, "(N, C, H, W)");
  const weight = sizeOf("conv2dWeight", "weightSize", weightSize, "(O, C/groups, kH, kW)");
  const g = convGeometry("conv2dWeight", input.shape, weight, options);
  expectOutput("conv2dWeight", g, gradOutput, input.shape, weight);
  return run("weight", g, input, gradOutput, null, weight, "conv2dWeight");
}

function expectOutput(op: string, g: ConvGeometry, gradOutput: Tensor, input: Shape, weight: Shape): void {
  const want = convOutputShape(g);
  if (gradOutput.ndim !== 4 || gradOutput.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${op}: expected gradOutput ${formatShape(want)}, the output of input ${formatShape(input)} convolved with weight ${formatShape(weight)}, got ${formatShape(gradOutput.shape)}`);
  }
}
