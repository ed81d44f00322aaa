// Convolutions (the conv2d primitive and the conv1d op) as ONNX's Conv, with PyTorch's padding
// rules written out as explicit pads. ONNX Runtime has no float64 Conv kernel, so a float64
// convolution is written as the same sum in ops it does run in float64 (lower-conv-double.ts).
import type { Conv1dOptions, PrimitiveAttrs } from "@strata/autograd";
import { Tensor } from "@strata/tensor";
import { cannotExport, infoOf, type Lower, type LowerArgs } from "./lowering.js";
import { convAsMatMul } from "./lower-conv-double.js";
import { batched } from "./lower-batched.js";

/** The geometry of an N-d convolution in ONNX's terms (one entry per spatial axis; pads begins then ends). */
export interface ConvSpec {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly pads: readonly number[];
  readonly group: number;
}

/** One value per spatial axis, from a number, a list, or the default. */
export const perAxis = (v: number | readonly number[] | undefined, dims: number, fallback: number): number[] =>
  v === undefined ? Array<number>(dims).fill(fallback) : typeof v === "number" ? Array<number>(dims).fill(v) : [...v];

/** ONNX pads (all begins, then all ends) of PyTorch's padding; "same" puts the odd one at the end, as PyTorch. */
function convPads(padding: number | readonly number[] | "same" | "valid" | undefined, kernel: readonly number[], dilation: readonly number[]): number[] {
  if (padding === "valid") return kernel.map(() => 0).concat(kernel.map(() => 0));
  if (padding === "same") {
    const total = kernel.map((k, i) => dilation[i]! * (k - 1));
    const begin = total.map((t) => Math.floor(t / 2));
    return [...begin, ...total.map((t, i) => t - begin[i]!)];
  }
  const p = perAxis(padding, kernel.length, 0);
  return [...p, ...p];
}

/** The options of both convolutions: one value per spatial axis, or one for all. */
interface ConvOptions {
  readonly stride?: number | readonly number[];
  readonly padding?: number | readonly number[] | "same" | "valid";
  readonly dilation?: number | readonly number[];
  readonly groups?: number;
}

/** The geometry of a convolution by a kernel of spatial sizes `kernel`, from its options. */
function convSpec(kernel: readonly number[], options: ConvOptions): ConvSpec {
  const dilations = perAxis(options.dilation, kernel.length, 1);
  return { kernel, strides: perAxis(options.stride, kernel.length, 1), dilations, pads: convPads(options.padding, kernel, dilations), group: options.groups ?? 1 };
}

/**
 * The convolution of x `(N, C, …)` by weight `(O, C/group, …kernel)` plus bias `(O)` (null: none),
 * `outSpatial` the output's spatial sizes.
 */
function convNodes(args: LowerArgs, x: string, weight: string, bias: string | null, spec: ConvSpec, outSpatial: readonly number[]): string {
  const info = infoOf(args, 0);
  if (info.dtype === "float64") return convAsMatMul(args, x, weight, bias, spec, outSpatial);
  return args.graph.op("Conv", bias === null ? [x, weight] : [x, weight, bias], {
    kernel_shape: [...spec.kernel], strides: [...spec.strides], dilations: [...spec.dilations], pads: [...spec.pads], group: spec.group,
  });
}

/**
 * A convolution call `(x, weight, bias)` over `spatial` axes, x batched or not. The bias is there
 * when it is a tensor: conv1d passes null for none, the conv2d primitive the number 0.
 */
function lowerConv(args: LowerArgs, options: ConvOptions, spatial: number): string[] {
  const weight = infoOf(args, 1);
  if (weight.shape.length !== spatial + 2) throw cannotExport(args.op, `expected weight (outC, inC/groups, …kernel) of ${spatial + 2} axes, got rank ${weight.shape.length}`);
  const spec = convSpec(weight.shape.slice(2), options);
  const bias = args.values[2] instanceof Tensor ? args.inputs[2]! : null;
  const outSpatial = args.outputs[0]!.shape.slice(-spatial);
  return [batched(args, spatial, (x) => convNodes(args, x, args.inputs[1]!, bias, spec, outSpatial))];
}

/** conv2d(x, weight, bias) as Conv; x `(N, C, H, W)`. */
export const lowerConv2d: Lower<PrimitiveAttrs["conv2d"]> = (args) => lowerConv(args, args.attrs.options, 2);

/** conv1d(x, weight, bias?) as a 1-D Conv; x `(N, C, L)` or unbatched `(C, L)`. */
export const lowerConv1d: Lower<Conv1dOptions> = (args) => lowerConv(args, args.attrs, 1);
