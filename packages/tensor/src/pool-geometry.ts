// Pooling options resolved to numbers with PyTorch's rules: output sizes (floor or ceil mode),
// the padding limit, and the windows of average and adaptive average pooling.
import { ShapeError, ValueError } from "./errors.js";
import { formatShape, type Shape } from "./shape.js";
import { describeValue, pairOf } from "./conv-geometry.js";
import type { AxisWindows, MaxPoolWindow, PoolGeometry } from "./backends/windows.js";

/**
 * Options of {@link maxPool2dWithIndices}, as PyTorch's `max_pool2d` takes them; a number applies
 * to both axes, a pair is `[h, w]`.
 * - `kernelSize`: the window, ≥ 1.
 * - `stride` (default `kernelSize`): the step between windows, ≥ 1.
 * - `padding` (default 0): implicit −∞ on each side, at most half the kernel size.
 * - `dilation` (default 1): the spacing between window taps.
 * - `ceilMode` (default false): the output size rounds up, so a last partial window is kept
 *   when it starts inside the input or its left padding.
 *
 * @example
 * ```ts
 * import { maxPool2dWithIndices, arange, type MaxPool2dOptions } from "@strata/tensor";
 * const opts: MaxPool2dOptions = { kernelSize: 2, ceilMode: true };
 * const x = arange(0, 9, 1, { dtype: "float32" }).reshape([1, 1, 3, 3]);
 * console.log(maxPool2dWithIndices(x, opts).values.squeeze().toArray()); // [[4, 5], [7, 8]]
 * ```
 */
export interface MaxPool2dOptions {
  kernelSize: number | readonly [number, number];
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  ceilMode?: boolean;
}

/**
 * Options of {@link avgPool2d}, as PyTorch's `avg_pool2d` takes them (no dilation).
 * - `kernelSize`, `stride` (default `kernelSize`), `padding` (default 0, zeros, at most half the
 *   kernel size) and `ceilMode` (default false), as in {@link MaxPool2dOptions}.
 * - `countIncludePad` (default true): the divisor counts the padding zeros of a window.
 * - `divisorOverride`: a fixed divisor for every window (a nonzero integer) instead.
 *
 * @example
 * ```ts
 * import { avgPool2d, ones, type AvgPool2dOptions } from "@strata/tensor";
 * const opts: AvgPool2dOptions = { kernelSize: 2, padding: 1, countIncludePad: false };
 * console.log(avgPool2d(ones([1, 1, 2, 2]), opts).squeeze().toArray()); // [[1, 1], [1, 1]]
 * ```
 */
export interface AvgPool2dOptions {
  kernelSize: number | readonly [number, number];
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number;
}

/** PyTorch's pooling output size along one axis. */
function outputLength(size: number, k: number, pad: number, stride: number, dilation: number, ceil: boolean): number {
  const span = size + 2 * pad - dilation * (k - 1) - 1;
  let out = Math.floor((span + (ceil ? stride - 1 : 0)) / stride) + 1;
  // a last window that would start in the right padding is dropped
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** The checked window and output sizes of a pooling of `input` (N, C, H, W). */
function windowOf(op: string, input: Shape, options: MaxPool2dOptions) {
  if (input.length !== 4) throw new ShapeError(`${op}: expected input (N, C, H, W), got ${formatShape(input)}`);
  if (typeof options !== "object" || options === null || options.kernelSize === undefined) {
    throw new ValueError(`${op}: options.kernelSize is required, got ${describeValue(options)}`);
  }
  const [kh, kw] = pairOf(op, "kernelSize", options.kernelSize, 1, 1);
  const [sh, sw] = pairOf(op, "stride", options.stride ?? options.kernelSize, 1, 1);
  const [ph, pw] = pairOf(op, "padding", options.padding, 0, 0);
  const [dh, dw] = pairOf(op, "dilation", options.dilation, 1, 1);
  if (2 * ph > kh || 2 * pw > kw) {
    throw new ValueError(`${op}: padding [${ph}, ${pw}] must be at most half the kernel size [${kh}, ${kw}] (as in PyTorch)`);
  }
  const [n, c, h, w] = input as [number, number, number, number];
  const ceil = options.ceilMode ?? false;
  const oh = outputLength(h, kh, ph, sh, dh, ceil);
  const ow = outputLength(w, kw, pw, sw, dw, ceil);
  if (oh < 1 || ow < 1) {
    throw new ShapeError(
      `${op}: input ${formatShape(input)} is too small for kernel [${kh}, ${kw}] with padding [${ph}, ${pw}], dilation [${dh}, ${dw}] and stride [${sh}, ${sw}]: the output would be (${oh},${ow})`,
    );
  }
  const geometry: PoolGeometry = { planes: n * c, h, w, oh, ow };
  const window: MaxPoolWindow = { kh, kw, sh, sw, ph, pw, dh, dw };
  return { geometry, window, shape: [n, c, oh, ow] };
}

/** The geometry and window of a max pooling. @internal */
export function maxPoolGeometry(op: string, input: Shape, options: MaxPool2dOptions): { geometry: PoolGeometry; window: MaxPoolWindow; shape: number[] } {
  return windowOf(op, input, options);
}

/** One axis of an average pooling: PyTorch's window clipping and divisor, as a scale per output. */
function averageAxis(size: number, out: number, k: number, stride: number, pad: number, includePad: boolean): AxisWindows {
  const windows = { start: new Int32Array(out), end: new Int32Array(out), scale: new Float64Array(out) };
  for (let i = 0; i < out; i++) {
    const first = i * stride - pad;
    // a window may reach into the padding on the far side, but no further
    const last = Math.min(first + k, size + pad);
    const start = Math.max(first, 0);
    const end = Math.min(last, size);
    windows.start[i] = start;
    windows.end[i] = end;
    windows.scale[i] = 1 / (includePad ? last - first : end - start);
  }
  return windows;
}

/** The geometry and separable windows of an average pooling of `input`. @internal */
export function avgPoolGeometry(op: string, input: Shape, options: AvgPool2dOptions): { geometry: PoolGeometry; rows: AxisWindows; cols: AxisWindows; shape: number[] } {
  const { geometry, window, shape } = windowOf(op, input, { ...options, dilation: 1 });
  const includePad = options.countIncludePad ?? true;
  const rows = averageAxis(geometry.h, geometry.oh, window.kh, window.sh, window.ph, includePad);
  const cols = averageAxis(geometry.w, geometry.ow, window.kw, window.sw, window.pw, includePad);
  const divisor = options.divisorOverride;
  if (divisor !== undefined) {
    if (!Number.isInteger(divisor) || divisor === 0) throw new ValueError(`${op}: divisorOverride must be a nonzero integer, got ${describeValue(divisor)}`);
    rows.scale.fill(1 / divisor);
    cols.scale.fill(1);
  }
  // a window wholly in the padding (possible only with ceilMode) averages nothing: 0, not NaN
  for (const axis of [rows, cols]) axis.scale.forEach((s, i) => (axis.scale[i] = axis.end[i]! > axis.start[i]! ? s : 0));
  return { geometry, rows, cols, shape };
}

/** One axis of an adaptive average pooling: PyTorch's start ⌊i·size/out⌋ and end ⌈(i+1)·size/out⌉. */
function adaptiveAxis(size: number, out: number): AxisWindows {
  const windows = { start: new Int32Array(out), end: new Int32Array(out), scale: new Float64Array(out) };
  for (let i = 0; i < out; i++) {
    windows.start[i] = Math.floor((i * size) / out);
    windows.end[i] = Math.ceil(((i + 1) * size) / out);
    windows.scale[i] = 1 / (windows.end[i]! - windows.start[i]!);
  }
  return windows;
}

/** The geometry and windows of an adaptive average pooling of `input` to `outputSize`. @internal */
export function adaptiveGeometry(op: string, input: Shape, outputSize: number | readonly [number, number]): { geometry: PoolGeometry; rows: AxisWindows; cols: AxisWindows; shape: number[] } {
  if (input.length !== 4) throw new ShapeError(`${op}: expected input (N, C, H, W), got ${formatShape(input)}`);
  const [oh, ow] = pairOf(op, "outputSize", outputSize, 1, 1);
  const [n, c, h, w] = input as [number, number, number, number];
  if (h < 1 || w < 1) throw new ShapeError(`${op}: input ${formatShape(input)} has no rows or columns to average`);
  return { geometry: { planes: n * c, h, w, oh, ow }, rows: adaptiveAxis(h, oh), cols: adaptiveAxis(w, ow), shape: [n, c, oh, ow] };
}
