// The options of convolutions and poolings, checked and resolved to the numbers the kernels use,
// with PyTorch's rules: output sizes, "same" and "valid" padding, and the messages for every way
// the arguments can disagree with each other or with the input.
import { isFloatDType } from "./dtype.js";
import { DTypeError, ShapeError, ValueError } from "./errors.js";
import { formatShape, type Shape } from "./shape.js";
import type { Tensor } from "./tensor.js";
import type { ConvGeometry } from "./backends/windows.js";

/**
 * Options of {@link conv2d}, {@link conv2dInput} and {@link conv2dWeight}, as PyTorch's
 * `torch.nn.functional.conv2d` takes them. A number applies to both axes, a pair is `[h, w]`.
 * - `stride` (default 1): the step between output positions, ≥ 1.
 * - `padding` (default 0): zeros added on each side, ≥ 0; `"valid"` is 0; `"same"` pads so that
 *   the output has the input's size (stride 1 only), `dilation·(k − 1)` in total per axis, half
 *   before and the rest after (one more after when the total is odd, as PyTorch pads).
 * - `dilation` (default 1): the spacing between kernel taps, ≥ 1.
 * - `groups` (default 1): input and output channels split into this many groups, each convolved
 *   with its own filters; it must divide both channel counts (`groups = C` is depthwise).
 *
 * @example
 * ```ts
 * import { conv2d, ones, type Conv2dOptions } from "@strata/tensor";
 * const opts: Conv2dOptions = { stride: 2, padding: [1, 0] };
 * console.log(conv2d(ones([1, 1, 5, 5]), ones([1, 1, 3, 3]), null, opts).shape); // [1, 1, 3, 2]
 * ```
 */
export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number] | "same" | "valid";
  dilation?: number | readonly [number, number];
  groups?: number;
}

/** `value` as [h, w], each an integer ≥ `min`; `name` and `op` for the message. @internal */
export function pairOf(op: string, name: string, value: number | readonly number[] | undefined, fallback: number, min: number): [number, number] {
  const pair = value === undefined ? [fallback, fallback] : typeof value === "number" ? [value, value] : [...value];
  if (pair.length !== 2 || !pair.every((v) => typeof v === "number" && Number.isInteger(v) && v >= min)) {
    throw new ValueError(`${op}: ${name} must be an integer ≥ ${min} or a pair [h, w] of them, got ${describeValue(value)}`);
  }
  return pair as [number, number];
}

/** A value as a message shows it. @internal */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describeValue).join(", ")}]`;
  return typeof value === "string" ? `"${value}"` : String(value);
}

/** Checks that `t` is a 4-D float tensor, or says which layout (`expected`, such as "(N, C, H, W)") was. @internal */
export function requireFloat(op: string, name: string, t: Tensor, expected: string): void {
  if (!isFloatDType(t.dtype)) throw new DTypeError(`${op}: ${name} must be float32 or float64, got ${t.dtype} ${formatShape(t.shape)}; cast it with .cast("float32")`);
  if (t.ndim !== 4) throw new ShapeError(`${op}: expected ${name} ${expected}, got ${formatShape(t.shape)}`);
}

/**
 * The geometry of a convolution of an input of shape `input` (N, C, H, W) by a weight of shape
 * `weight` (O, C/G, kH, kW), every option checked; the messages name `op`. @internal
 */
export function convGeometry(op: string, input: Shape, weight: Shape, options: Conv2dOptions): ConvGeometry {
  if (input.length !== 4) throw new ShapeError(`${op}: expected input (N, C, H, W), got ${formatShape(input)}`);
  if (weight.length !== 4) throw new ShapeError(`${op}: expected weight (outC, inC/groups, kH, kW), got ${formatShape(weight)}`);
  const [n, c, h, w] = input as [number, number, number, number];
  const [o, cg, kh, kw] = weight as [number, number, number, number];
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`${op}: groups must be an integer ≥ 1, got ${describeValue(groups)}`);
  if (c !== cg * groups) {
    throw new ShapeError(
      `${op}: expected input (N, C, H, W) with C = ${cg * groups} (weight ${formatShape(weight)}${groups > 1 ? ` × groups ${groups}` : ""}), got ${formatShape(input)}`,
    );
  }
  if (o % groups !== 0) throw new ShapeError(`${op}: groups ${groups} must divide the ${o} output channels of weight ${formatShape(weight)}`);
  if (kh < 1 || kw < 1 || o < 1 || cg < 1) throw new ShapeError(`${op}: weight ${formatShape(weight)} has an empty axis`);
  const [sh, sw] = pairOf(op, "stride", options.stride, 1, 1);
  const [dh, dw] = pairOf(op, "dilation", options.dilation, 1, 1);
  const spanH = dh * (kh - 1) + 1;
  const spanW = dw * (kw - 1) + 1;
  let pads: [number, number, number, number];
  const padding = options.padding ?? 0;
  if (padding === "valid") {
    pads = [0, 0, 0, 0];
  } else if (padding === "same") {
    if (sh !== 1 || sw !== 1) throw new ValueError(`${op}: padding "same" needs stride 1 (as in PyTorch), got stride [${sh}, ${sw}]; give the padding as numbers`);
    pads = [(spanH - 1) >> 1, spanH - 1 - ((spanH - 1) >> 1), (spanW - 1) >> 1, spanW - 1 - ((spanW - 1) >> 1)];
  } else {
    if (typeof padding === "string") throw new ValueError(`${op}: padding must be a number, a pair [h, w], "same" or "valid", got ${describeValue(padding)}`);
    const [ph, pw] = pairOf(op, "padding", padding, 0, 0);
    pads = [ph, ph, pw, pw];
  }
  const paddedH = h + pads[0] + pads[1];
  const paddedW = w + pads[2] + pads[3];
  if (paddedH < spanH || paddedW < spanW) {
    throw new ShapeError(
      `${op}: the kernel spans (${spanH},${spanW}) (weight ${formatShape(weight)}, dilation [${dh}, ${dw}]), more than the padded input (${paddedH},${paddedW}) ` +
        `(input ${formatShape(input)}, padding [${pads[0]}, ${pads[2]}]); pad the input or use a smaller kernel`,
    );
  }
  const oh = Math.floor((paddedH - spanH) / sh) + 1;
  const ow = Math.floor((paddedW - spanW) / sw) + 1;
  return { n, c, h, w, o, groups, kh, kw, sh, sw, padTop: pads[0], padLeft: pads[2], dh, dw, oh, ow };
}

/** The shape of a convolution's output. @internal */
export const convOutputShape = (g: ConvGeometry): number[] => [g.n, g.o, g.oh, g.ow];

/** The multiply-adds of one of a convolution's three products (they are equal). @internal */
export const convWork = (g: ConvGeometry): number => g.n * g.o * g.oh * g.ow * (g.c / g.groups) * g.kh * g.kw;
