// Convolutions over variables, batch-first, with the names and semantics of
// torch.nn.functional (conv1d, conv2d) and torch.nn.grad (conv2dInput, conv2dWeight). conv2d and
// its two gradients are primitives, each one's rows written with the others (conv-rules.ts), so
// that gradients of any order flow through a convolution; conv1d is conv2d over rows of height 1.
import { DTypeError, ShapeError, StrataError, Tensor, formatShape, type Conv2dOptions, type Shape } from "@strata/tensor";
import { record } from "./record.js";
import { reshape } from "./structural.js";
import { Variable, type Operand } from "./variable.js";
import { tracedCall } from "./trace.js";

/**
 * Options of {@link conv1d}: PyTorch's `conv1d` arguments. `stride` (default 1) and `dilation`
 * (default 1) are integers ≥ 1; `padding` (default 0) is an integer ≥ 0, `"valid"` (0) or `"same"`
 * (stride 1 only; an odd total pads one more at the end); `groups` (default 1) divides both
 * channel counts.
 *
 * @example
 * ```ts
 * import { conv1d, variable, type Conv1dOptions } from "@strata/autograd";
 * const opts: Conv1dOptions = { padding: "same" };
 * console.log(conv1d(variable([[[1, 2, 3]]]), variable([[[1, 1]]]), null, opts).toArray()); // [[[3, 5, 3]]]
 * ```
 */
export interface Conv1dOptions {
  stride?: number;
  padding?: number | "same" | "valid";
  dilation?: number;
  groups?: number;
}

/** The operand as a variable, refusing numbers: convolutions and poolings take tensors. @internal */
export function tensorOperand(op: string, name: string, x: Operand): Variable {
  if (x instanceof Variable) return x;
  if (x instanceof Tensor) return new Variable(x);
  throw new DTypeError(`${op}: ${name} must be a Variable or a Tensor, got ${typeof x === "number" ? `the number ${x}` : String(x)}`);
}

/**
 * x with a batch axis: as it is when it has `dims` axes (N, C, …), with a batch of one in front
 * when it has one fewer (unbatched, as PyTorch accepts), refused otherwise. @internal
 */
export function withBatch(op: string, x: Variable, dims: number, layout: string): { x: Variable; unbatched: boolean } {
  if (x.ndim === dims) return { x, unbatched: false };
  if (x.ndim === dims - 1) return { x: reshape(x, [1, ...x.shape]), unbatched: true };
  throw new ShapeError(`${op}: expected input (N, ${layout}) or unbatched (${layout}), got ${formatShape(x.shape)}`);
}

/** y without the batch axis that withBatch added. @internal */
export function withoutBatch(y: Variable, unbatched: boolean): Variable {
  return unbatched ? reshape(y, y.shape.slice(1)) : y;
}

/** A copy of the options for a node's attributes (pairs copied, nothing shared with the caller). */
function frozen(options: Conv2dOptions): Conv2dOptions {
  const copy = (v: unknown) => (Array.isArray(v) ? [...v] : v);
  return { stride: copy(options.stride), padding: copy(options.padding), dilation: copy(options.dilation), groups: options.groups } as Conv2dOptions;
}

/**
 * A 2-D convolution (cross-correlation, as PyTorch's `torch.nn.functional.conv2d`):
 * `y[n, o, i, j] = bias[o] + Σ_{c, a, b} weight[o, c, a, b] · x[n, g·C/G + c, i·sH − pH + a·dH, j·sW − pW + b·dW]`
 * (zeros outside the input). x `(N, C, H, W)`, or unbatched `(C, H, W)` giving `(O, oH, oW)`;
 * weight `(O, C/groups, kH, kW)`; bias `(O)`. Output `(N, O, oH, oW)` with
 * `oH = ⌊(H + padding − dH·(kH − 1) − 1) / sH⌋ + 1`. Options as {@link Conv2dOptions}: stride,
 * padding (numbers, pairs, "same", "valid"), dilation, groups (depthwise: groups = C).
 * Gradients: `conv2dInput(x.shape, weight, g)` for x, `conv2dWeight(x, weight.shape, g)` for the
 * weight, `Σ_{n,i,j} g` for the bias; being primitives written with each other, they have
 * gradients of their own (double backward works).
 * @throws DTypeError when an operand is not a float tensor or variable, or the dtypes differ.
 * @throws ShapeError when x is not 3-D or 4-D, its channels are not weight's times groups, the
 *   bias is not `(O)`, or the kernel spans more than the padded input.
 * @throws ValueError for a stride, dilation or groups below 1, a negative padding, or "same" with a stride.
 * @example
 * ```ts
 * import { conv2d, variable } from "@strata/autograd";
 * const x = variable([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);          // (1, 1, 3, 3)
 * const w = variable([[[[1, 0], [0, -1]]]], { requiresGrad: true });  // (1, 1, 2, 2)
 * const y = conv2d(x, w, null, { stride: 1 });
 * y.sum().backward();
 * console.log(y.data.squeeze().toArray(), w.grad?.squeeze().toArray()); // [[-4, -4], [-4, -4]] [[12, 16], [24, 28]]
 * ```
 */
export function conv2d(x: Operand, weight: Operand, bias: Operand | null = null, options: Conv2dOptions = {}): Variable {
  const input = withBatch("conv2d", tensorOperand("conv2d", "x", x), 4, "C, H, W");
  const w = tensorOperand("conv2d", "weight", weight);
  const b = bias === null || bias === undefined ? 0 : tensorOperand("conv2d", "bias", bias);
  return withoutBatch(record("conv2d", [input.x, w, b], { options: frozen(options) }), input.unbatched);
}

/**
 * The gradient of {@link conv2d} with respect to its input, as a differentiable op (PyTorch's
 * `torch.nn.grad.conv2d_input`, a transposed convolution): for x of shape `inputSize`,
 * `dx = conv2dInput(inputSize, weight, dy)` satisfies `Σ conv2d(x, weight)·dy = Σ x·dx`. Linear in
 * weight and in gradOutput; its gradients are conv2d and {@link conv2dWeight}.
 * @throws as {@link conv2d}, and ShapeError when gradOutput is not the output shape of a
 *   convolution of `inputSize` (or inputSize is not 4 lengths).
 * @example
 * ```ts
 * import { conv2dInput, variable } from "@strata/autograd";
 * const dx = conv2dInput([1, 1, 1, 3], variable([[[[1, 2]]]]), variable([[[[1, 10]]]]));
 * console.log(dx.shape, dx.data.squeeze().toArray()); // [1, 1, 1, 3] [1, 12, 20]
 * ```
 */
export function conv2dInput(inputSize: Shape, weight: Operand, gradOutput: Operand, options: Conv2dOptions = {}): Variable {
  const w = tensorOperand("conv2dInput", "weight", weight);
  const dy = tensorOperand("conv2dInput", "gradOutput", gradOutput);
  return record("conv2dInput", [w, dy], { inputSize: Array.isArray(inputSize) ? [...inputSize] : inputSize, options: frozen(options) });
}

/**
 * The gradient of {@link conv2d} with respect to its weight, as a differentiable op (PyTorch's
 * `torch.nn.grad.conv2d_weight`): `dw = conv2dWeight(x, weightSize, dy)` satisfies
 * `Σ conv2d(x, w)·dy = Σ w·dw`, summed over the batch. Linear in input and in gradOutput; its
 * gradients are {@link conv2dInput} and conv2d.
 * @throws as {@link conv2d}, and ShapeError when gradOutput is not the convolution's output shape
 *   (or weightSize is not 4 lengths).
 * @example
 * ```ts
 * import { conv2dWeight, variable } from "@strata/autograd";
 * const dw = conv2dWeight(variable([[[[1, 2, 3]]]]), [1, 1, 1, 2], variable([[[[1, 10]]]]));
 * console.log(dw.shape, dw.data.squeeze().toArray()); // [1, 1, 1, 2] [21, 32]
 * ```
 */
export function conv2dWeight(input: Operand, weightSize: Shape, gradOutput: Operand, options: Conv2dOptions = {}): Variable {
  const x = tensorOperand("conv2dWeight", "input", input);
  const dy = tensorOperand("conv2dWeight", "gradOutput", gradOutput);
  return record("conv2dWeight", [x, dy], { weightSize: Array.isArray(weightSize) ? [...weightSize] : weightSize, options: frozen(options) });
}

/**
 * Runs a 1-D op as its 2-D form over rows of height 1, saying in any error that it did. @internal
 */
export function asRows<R>(op: string, run: () => R): R {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof StrataError)) throw error;
    const renamed = new (error.constructor as new (message: string) => StrataError)(error.message.replace(/^\w+:/, `${op} (computed as 2-D over (N, C, 1, L)):`));
    throw renamed;
  }
}

/**
 * A 1-D convolution (PyTorch's `torch.nn.functional.conv1d`):
 * `y[n, o, i] = bias[o] + Σ_{c, a} weight[o, c, a] · x[n, g·C/G + c, i·stride − padding + a·dilation]`.
 * x `(N, C, L)`, or unbatched `(C, L)`; weight `(O, C/groups, k)`; bias `(O)`; output
 * `(N, O, oL)` with `oL = ⌊(L + padding − dilation·(k − 1) − 1) / stride⌋ + 1`. It is
 * {@link conv2d} over rows of height 1, with its gradients. Options: {@link Conv1dOptions}.
 * @throws DTypeError when an operand is not a float tensor or variable, or the dtypes differ.
 * @throws ShapeError when x is not 2-D or 3-D, weight not 3-D, the channels or bias do not fit,
 *   or the kernel spans more than the padded input.
 * @throws ValueError for a bad stride, dilation, padding or groups.
 * @example
 * ```ts
 * import { conv1d, variable } from "@strata/autograd";
 * const x = variable([[[1, 2, 3, 4]]]);  // (1, 1, 4)
 * console.log(conv1d(x, variable([[[1, -1]]]), variable([0.5]), { stride: 2 }).toArray()); // [[[-0.5, -0.5]]]
 * ```
 */
export function conv1d(x: Operand, weight: Operand, bias: Operand | null = null, options: Conv1dOptions = {}): Variable {
  return tracedCall("op", "conv1d", [x, weight, bias], { ...options }, () => conv1dRows(x, weight, bias, options));
}

function conv1dRows(x: Operand, weight: Operand, bias: Operand | null, options: Conv1dOptions): Variable {
  const input = withBatch("conv1d", tensorOperand("conv1d", "x", x), 3, "C, L");
  const w = tensorOperand("conv1d", "weight", weight);
  if (w.ndim !== 3) throw new ShapeError(`conv1d: expected weight (outC, inC/groups, k), got ${formatShape(w.shape)}`);
  const [n, c, l] = input.x.shape as [number, number, number];
  const pad = options.padding ?? 0;
  const y = asRows("conv1d", () =>
    conv2d(reshape(input.x, [n, c, 1, l]), reshape(w, [w.shape[0]!, w.shape[1]!, 1, w.shape[2]!]), bias, {
      stride: [1, options.stride ?? 1],
      padding: typeof pad === "string" ? pad : [0, pad],
      dilation: [1, options.dilation ?? 1],
      groups: options.groups ?? 1,
    }),
  );
  return withoutBatch(reshape(y, [n, y.shape[1]!, y.shape[3]!]), input.unbatched);
}
