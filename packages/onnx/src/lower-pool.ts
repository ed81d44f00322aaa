// Poolings as ONNX's MaxPool, AveragePool and GlobalAveragePool, with PyTorch's options written
// out (stride defaulting to the kernel, symmetric padding, ceil mode only where every engine
// agrees on it). An average pooling that AveragePool cannot compute, or that ONNX Runtime cannot
// run (float64), is written as products with constant matrices instead (lower-pool-matrix.ts).
import type { AvgPool1dOptions, MaxPool1dOptions, PrimitiveAttrs } from "@strata/autograd";
import type { AvgPool2dOptions, MaxPool2dOptions } from "@strata/tensor";
import { batched, requireStaticSpatial } from "./lower-batched.js";
import { perAxis } from "./lower-conv.js";
import { averageByMatrices, type AxisAverage } from "./lower-pool-matrix.js";
import { infoOf, type Lower, type LowerArgs } from "./lowering.js";
import { reduceNode } from "./reduce-node.js";

/** A pooling's options, one value per spatial axis. */
interface Window {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly padding: readonly number[];
  readonly dilations: readonly number[];
  readonly ceilMode: boolean;
}

/** What max and average poolings' options share (average poolings have no dilation). */
interface PoolOptions {
  readonly kernelSize: number | readonly number[];
  readonly stride?: number | readonly number[] | undefined;
  readonly padding?: number | readonly number[] | undefined;
  readonly dilation?: number | readonly number[] | undefined;
  readonly ceilMode?: boolean | undefined;
}

/** The window of PyTorch-style options over `dims` spatial axes (stride defaults to the kernel). */
function windowOf(options: PoolOptions, dims: number): Window {
  const kernel = perAxis(options.kernelSize, dims, 1);
  return {
    kernel, strides: options.stride === undefined ? kernel : perAxis(options.stride, dims, 1), padding: perAxis(options.padding, dims, 0),
    dilations: perAxis(options.dilation, dims, 1), ceilMode: options.ceilMode ?? false,
  };
}

/**
 * How ONNX's ceil_mode can express the window's output sizes `out` (Strata's, PyTorch's rule: a
 * ceil-mode window that would start in the right padding is dropped). Per axis, the floor count
 * is what every engine computes without ceil_mode. With it, engines differ exactly when the
 * rounded-up count includes such a dropped window (ONNX's shape inference in ONNX Runtime 1.31
 * still counts it, its kernel does not), so: "floor" when no axis needs ceil_mode, "ceil" when
 * every engine agrees on it, "ambiguous" otherwise.
 */
function ceilModeOf(w: Window, sizes: readonly number[], out: readonly number[]): "floor" | "ceil" | "ambiguous" {
  const span = sizes.map((n, k) => n + 2 * w.padding[k]! - w.dilations[k]! * (w.kernel[k]! - 1) - 1);
  const floor = span.map((t, k) => Math.floor(t / w.strides[k]!) + 1);
  const rounded = span.map((t, k) => Math.floor((t + w.strides[k]! - 1) / w.strides[k]!) + 1);
  if (out.every((o, k) => o === floor[k])) return "floor";
  return out.every((o, k) => o === rounded[k]) ? "ceil" : "ambiguous";
}

/** ONNX's attributes of a window: pads are all begins then all ends. */
function poolAttributes(w: Window, ceil: boolean): Record<string, number | number[]> {
  return { kernel_shape: [...w.kernel], strides: [...w.strides], pads: [...w.padding, ...w.padding], ceil_mode: ceil ? 1 : 0 };
}

/**
 * MaxPool over `dims` spatial axes; ONNX's MaxPool, like PyTorch's, ignores the padding. An
 * ambiguous ceil mode becomes an explicit −∞ padding, with on the right what each axis's last
 * window needs, and floor mode (MaxPool's own pads could not say it: ONNX Runtime refuses pads as
 * large as the kernel, which a dilated window may need).
 */
function maxPool(args: LowerArgs<MaxPool2dOptions | MaxPool1dOptions>, dims: number): string[] {
  const { graph } = args;
  const w = windowOf(args.attrs, dims);
  if (w.ceilMode) requireStaticSpatial(args, dims, "ceil mode's output size");
  const x = infoOf(args, 0);
  const sizes = x.shape.slice(-dims);
  const out = args.outputs[0]!.shape.slice(-dims);
  const mode = ceilModeOf(w, sizes, out);
  if (mode !== "ambiguous") {
    const attributes = { ...poolAttributes(w, mode === "ceil"), dilations: [...w.dilations] };
    return [batched(args, dims, (v) => graph.op("MaxPool", [v], attributes))];
  }
  const ends = out.map((o, k) => {
    const lastEnd = (o - 1) * w.strides[k]! + w.dilations[k]! * (w.kernel[k]! - 1) + 1;
    return Math.max(w.padding[k]!, lastEnd - sizes[k]! - w.padding[k]!);
  });
  const pads = graph.int64s([0, 0, ...w.padding, 0, 0, ...ends]);
  const unpadded = { ...w, padding: w.padding.map(() => 0) };
  const attributes = { ...poolAttributes(unpadded, false), dilations: [...w.dilations] };
  return [batched(args, dims, (v) => graph.op("MaxPool", [graph.op("Pad", [v, pads, graph.scalar(-Infinity, x.dtype)])], attributes))];
}

export const lowerMaxPool2d: Lower<MaxPool2dOptions> = (args) => maxPool(args, 2);
export const lowerMaxPool1d: Lower<MaxPool1dOptions> = (args) => maxPool(args, 1);

/**
 * The average pooling of `x` over its last `dims` axes with PyTorch's options: AveragePool in
 * float32 when ceil_mode is unambiguous and there is no divisor override, else matrices.
 */
function averagePool(args: LowerArgs, x: string, options: AvgPool2dOptions | AvgPool1dOptions, dims: number): string {
  const w = windowOf(options, dims);
  const includePad = options.countIncludePad ?? true;
  const divisor = "divisorOverride" in options ? options.divisorOverride : undefined;
  const info = infoOf(args, 0);
  if (w.ceilMode) requireStaticSpatial(args, dims, "ceil mode's output size");
  const sizes = info.shape.slice(-dims);
  const mode = ceilModeOf(w, sizes, args.outputs[0]!.shape.slice(-dims));
  if (info.dtype === "float32" && divisor === undefined && mode !== "ambiguous") {
    return args.graph.op("AveragePool", [x], { ...poolAttributes(w, mode === "ceil"), count_include_pad: includePad ? 1 : 0 });
  }
  const axes: AxisAverage[] = sizes.map((size, k) => ({
    size, window: { kernel: w.kernel[k]!, stride: w.strides[k]!, padding: w.padding[k]!, ceilMode: w.ceilMode, countIncludePad: includePad, sumOnly: divisor !== undefined },
  }));
  return averageByMatrices(args, x, axes, info.dtype, divisor === undefined ? 1 : 1 / divisor);
}

/** avgPool2d (the primitive, always on (N, C, H, W)). */
export const lowerAvgPool2d: Lower<PrimitiveAttrs["avgPool2d"]> = (args) => [averagePool(args, args.inputs[0]!, args.attrs.options, 2)];

/** avgPool1d, x `(N, C, L)` or unbatched `(C, L)`. */
export const lowerAvgPool1d: Lower<AvgPool1dOptions> = (args) => [batched(args, 1, (x) => averagePool(args, x, args.attrs, 1))];

/**
 * adaptiveAvgPool2d: GlobalAveragePool for an output of 1×1 (ReduceMean in float64), AveragePool
 * when the output size divides the input's (equal windows, stride = window), else (and in
 * float64) matrices, since adaptive windows of uneven size are no AveragePool.
 */
export const lowerAdaptiveAvgPool2d: Lower<PrimitiveAttrs["adaptiveAvgPool2d"]> = (args) => {
  const x = infoOf(args, 0);
  const out = perAxis(args.attrs.outputSize, 2, 1);
  const size = x.shape.slice(-2);
  if (out.every((n) => n === 1)) {
    // ONNX Runtime has GlobalAveragePool in float32 only
    return [x.dtype === "float32" ? args.graph.op("GlobalAveragePool", [args.inputs[0]!]) : reduceNode(args.graph, "ReduceMean", args.inputs[0]!, [2, 3], true, args.opset)];
  }
  if (x.dtype === "float32") {
    requireStaticSpatial(args, 2, "adaptive pooling's windows");
    if (size.every((n, i) => n % out[i]! === 0)) {
      const kernel = size.map((n, i) => n / out[i]!);
      return [args.graph.op("AveragePool", [args.inputs[0]!], { kernel_shape: kernel, strides: kernel })];
    }
  }
  return [averageByMatrices(args, args.inputs[0]!, size.map((n, k) => ({ size: n, window: { adaptive: out[k]! } })), x.dtype)];
};
