// Convolution and average pooling primitives as ONNX's Conv, AveragePool and GlobalAveragePool,
// with PyTorch's padding rules written out as explicit pads.
import type { PrimitiveAttrs } from "@strata/autograd";
import { formatShape } from "@strata/tensor";
import { cannotExport, infoOf, only, type Lower } from "./lowering.js";

const pair = (v: number | readonly number[] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : typeof v === "number" ? [v, v] : [v[0]!, v[1]!];

/** ONNX pads [top, left, bottom, right] of PyTorch's padding; "same" puts the odd one at the end, as PyTorch. */
function convPads(padding: PrimitiveAttrs["conv2d"]["options"]["padding"], kernel: readonly number[], dilation: [number, number]): number[] {
  if (padding === "valid") return [0, 0, 0, 0];
  if (padding === "same") {
    const total = kernel.map((k, i) => dilation[i]! * (k - 1));
    const begin = total.map((t) => Math.floor(t / 2));
    return [...begin, ...total.map((t, i) => t - begin[i]!)];
  }
  const [ph, pw] = pair(padding, 0);
  return [ph, pw, ph, pw];
}

/** conv2d(x, weight, bias) as Conv; the bias is the number 0 when the layer has none. */
export const lowerConv2d: Lower<PrimitiveAttrs["conv2d"]> = (args) => {
  const { options } = args.attrs;
  const weight = infoOf(args, 1);
  const kernel = weight.shape.slice(2);
  const dilation = pair(options.dilation, 1);
  const inputs = typeof args.values[2] === "number" ? [args.inputs[0]!, args.inputs[1]!] : [args.inputs[0]!, args.inputs[1]!, args.inputs[2]!];
  return [args.graph.op("Conv", inputs, {
    kernel_shape: kernel, strides: pair(options.stride, 1), dilations: dilation, pads: convPads(options.padding, kernel, dilation), group: options.groups ?? 1,
  })];
};

/** avgPool2d as AveragePool (a divisor override has no ONNX form). */
export const lowerAvgPool2d: Lower<PrimitiveAttrs["avgPool2d"]> = (args) => {
  const { options } = args.attrs;
  if (options.divisorOverride !== undefined) throw cannotExport(args.op, `with divisorOverride ${options.divisorOverride} has no ONNX form (AveragePool divides by the window's size)`);
  const kernel = pair(options.kernelSize, 1);
  const [ph, pw] = pair(options.padding, 0);
  return [args.graph.op("AveragePool", [only(args)], {
    kernel_shape: kernel, strides: pair(options.stride ?? options.kernelSize, 1), pads: [ph, pw, ph, pw],
    ceil_mode: options.ceilMode ? 1 : 0, count_include_pad: options.countIncludePad === false ? 0 : 1,
  })];
};

/** adaptiveAvgPool2d as GlobalAveragePool (output 1×1) or AveragePool (sizes that divide evenly). */
export const lowerAdaptiveAvgPool2d: Lower<PrimitiveAttrs["adaptiveAvgPool2d"]> = (args) => {
  const x = infoOf(args, 0);
  const out = pair(args.attrs.outputSize, 1);
  const size = x.shape.slice(-2);
  if (out[0] === 1 && out[1] === 1) return [args.graph.op("GlobalAveragePool", [only(args)])];
  if (size.some((n, i) => n % out[i]! !== 0)) {
    throw cannotExport(args.op, `from ${formatShape(size)} to ${formatShape(out)}: ONNX has no adaptive pooling, and windows of equal size exist only when the output size divides the input size`);
  }
  const kernel = size.map((n, i) => n / out[i]!);
  return [args.graph.op("AveragePool", [only(args)], { kernel_shape: kernel, strides: kernel })];
};
