// PyTorch's MaxPool2d, AvgPool2d and AdaptiveAvgPool2d as layers over the functional poolings of
// @strata/autograd: no parameters, PyTorch's defaults and printed form.
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, Variable, type Operand } from "@strata/autograd";
import { DTypeError, ShapeError, Tensor, ValueError, isFloatDType } from "@strata/tensor";
import { field } from "./config-fields.js";
import { shapeText } from "./layer-input.js";
import { asLayer, layerLabel } from "./layer-position.js";
import { pyValue } from "./layer-repr.js";
import { layerEntry } from "./layer-type.js";
import { checkFlag } from "./linear.js";
import { Module } from "./module.js";

type Size = number | readonly [number, number];

/** A size as one integer or a pair, each an integer ≥ min, kept as given (PyTorch prints it so). */
function sizeOf(layer: string, name: string, value: unknown, min: number): Size {
  const ok = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= min;
  if (ok(value)) return value as number;
  if (Array.isArray(value) && value.length === 2 && value.every(ok)) return [value[0], value[1]] as const;
  throw new ValueError(`${layer}: ${name} must be an integer ≥ ${min} or a pair [h, w] of them, got ${pyValue(value)}`);
}

/** The pooling's input: a float (N, C, H, W) or (C, H, W) variable, or an error naming the layer. */
function poolInput(module: Module, x: Operand): Variable {
  const label = layerLabel(module);
  if (!(x instanceof Variable) && !(x instanceof Tensor)) throw new ShapeError(`${label}: expected a Tensor or Variable input, got ${String(x)}`);
  if (!isFloatDType(x.dtype)) throw new DTypeError(`${label}: input is ${x.dtype}; expected float32 or float64`);
  if (x.ndim !== 4 && x.ndim !== 3) {
    const fix = x.ndim === 2 ? `; reshape it to (N, C, H, W), e.g. (${[x.shape[0]!, 1, ...squareOf(x.shape[1]!)].join(", ")})` : "";
    throw new ShapeError(`${label}: expected input (N, C, H, W), got ${shapeText(x.shape)}${fix}`);
  }
  return x instanceof Variable ? x : new Variable(x);
}

function squareOf(n: number): [number | string, number | string] {
  const s = Math.round(Math.sqrt(n));
  return s * s === n ? [s, s] : ["H", "W"];
}

const sizeField = (min: number, max = 1 << 16) =>
  field.anyOf(field.integer({ min, max }), field.list(field.integer({ min, max }), { minLength: 2, maxLength: 2 }));

/**
 * 2-D max pooling as a layer, as PyTorch's `nn.MaxPool2d`: {@link maxPool2d} of x `(N, C, H, W)`
 * with `kernelSize`, `stride` (default: kernelSize), `padding` (default 0), `dilation` (default
 * 1) and `ceilMode` (default false); each an integer or a pair [h, w].
 *
 * @throws ValueError from the constructor for sizes below 1, a negative padding, or a ceilMode
 *   that is not a boolean; from `forward` for a padding above half the kernel.
 * @throws ShapeError from `forward` when the input is not `(N, C, H, W)` or the output would be empty.
 * @example
 * ```ts
 * import { MaxPool2d } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const pool = new MaxPool2d(2);
 * console.log(pool.forward(tensor([[[[1, 5, 2, 0], [3, 4, 2, 1]]]])).data.squeeze().toArray()); // [5, 2]
 * console.log(String(pool)); // MaxPool2d(kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false)
 * ```
 */
export class MaxPool2d extends Module<[Operand], Variable> {
  /** The window's size. */
  readonly kernelSize: Size;
  /** The step between windows. */
  readonly stride: Size;
  /** The −∞ padding on each side. */
  readonly padding: Size;
  /** The spacing of a window's elements. */
  readonly dilation: Size;
  /** Round the output size up rather than down. */
  readonly ceilMode: boolean;

  constructor(kernelSize: Size, options: { stride?: Size; padding?: Size; dilation?: Size; ceilMode?: boolean } = {}) {
    super();
    this.kernelSize = sizeOf("MaxPool2d", "kernelSize", kernelSize, 1);
    this.stride = sizeOf("MaxPool2d", "stride", options.stride ?? kernelSize, 1);
    this.padding = sizeOf("MaxPool2d", "padding", options.padding ?? 0, 0);
    this.dilation = sizeOf("MaxPool2d", "dilation", options.dilation ?? 1, 1);
    this.ceilMode = checkFlag("MaxPool2d", "ceilMode", options.ceilMode ?? false);
  }

  /** The maximum of each window of x (N, C, H, W). */
  forward(x: Operand): Variable {
    const v = poolInput(this, x);
    return asLayer(this, () => maxPool2d(v, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode }));
  }

  /** `kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false`, as PyTorch prints it. */
  override extraRepr(): string {
    return `kernelSize=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}, dilation=${pyValue(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

/**
 * 2-D average pooling as a layer, as PyTorch's `nn.AvgPool2d`: {@link avgPool2d} of x
 * `(N, C, H, W)` with `kernelSize`, `stride` (default: kernelSize), `padding` (default 0),
 * `ceilMode` (default false), `countIncludePad` (default true: the divisor counts the padding)
 * and `divisorOverride` (default none: a fixed divisor).
 *
 * @throws ValueError from the constructor for sizes below 1, a negative padding, a flag that is
 *   not a boolean or a divisorOverride that is not a nonzero integer.
 * @throws ShapeError from `forward` when the input is not `(N, C, H, W)` or the output would be empty.
 * @example
 * ```ts
 * import { AvgPool2d } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const pool = new AvgPool2d(2, { stride: 1 });
 * console.log(pool.forward(tensor([[[[1, 2, 3], [4, 5, 6]]]])).data.squeeze().toArray()); // [3, 4]
 * console.log(String(pool)); // AvgPool2d(kernelSize=2, stride=1, padding=0)
 * ```
 */
export class AvgPool2d extends Module<[Operand], Variable> {
  /** The window's size. */
  readonly kernelSize: Size;
  /** The step between windows. */
  readonly stride: Size;
  /** The zero padding on each side. */
  readonly padding: Size;
  /** Round the output size up rather than down. */
  readonly ceilMode: boolean;
  /** Whether the divisor counts the padding zeros. */
  readonly countIncludePad: boolean;
  /** A fixed divisor for every window, or null. */
  readonly divisorOverride: number | null;

  constructor(kernelSize: Size, options: { stride?: Size; padding?: Size; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null } = {}) {
    super();
    this.kernelSize = sizeOf("AvgPool2d", "kernelSize", kernelSize, 1);
    this.stride = sizeOf("AvgPool2d", "stride", options.stride ?? kernelSize, 1);
    this.padding = sizeOf("AvgPool2d", "padding", options.padding ?? 0, 0);
    this.ceilMode = checkFlag("AvgPool2d", "ceilMode", options.ceilMode ?? false);
    this.countIncludePad = checkFlag("AvgPool2d", "countIncludePad", options.countIncludePad ?? true);
    const d = options.divisorOverride ?? null;
    if (d !== null && (!Number.isSafeInteger(d) || d === 0)) throw new ValueError(`AvgPool2d: divisorOverride must be a nonzero integer or null, got ${String(d)}`);
    this.divisorOverride = d;
  }

  /** The average of each window of x (N, C, H, W). */
  forward(x: Operand): Variable {
    const v = poolInput(this, x);
    return asLayer(this, () => avgPool2d(v, {
      kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad,
      ...(this.divisorOverride !== null && { divisorOverride: this.divisorOverride }),
    }));
  }

  /** `kernelSize=2, stride=2, padding=0`, as PyTorch prints it. */
  override extraRepr(): string {
    return `kernelSize=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}`;
  }
}

/**
 * Adaptive 2-D average pooling as a layer, as PyTorch's `nn.AdaptiveAvgPool2d`:
 * {@link adaptiveAvgPool2d} of x `(N, C, H, W)` to `(N, C, oH, oW)` whatever H and W, with
 * `outputSize` an integer (square) or a pair.
 *
 * @throws ValueError from the constructor when an output size is not an integer ≥ 1.
 * @throws ShapeError from `forward` when the input is not `(N, C, H, W)`.
 * @example
 * ```ts
 * import { AdaptiveAvgPool2d } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const pool = new AdaptiveAvgPool2d(1);
 * console.log(pool.forward(tensor([[[[1, 2], [3, 6]]]])).shape, pool.forward(tensor([[[[1, 2], [3, 6]]]])).data.sum().item()); // [1, 1, 1, 1] 3
 * console.log(String(pool)); // AdaptiveAvgPool2d(outputSize=1)
 * ```
 */
export class AdaptiveAvgPool2d extends Module<[Operand], Variable> {
  /** The output's spatial size. */
  readonly outputSize: Size;

  constructor(outputSize: Size) {
    super();
    this.outputSize = sizeOf("AdaptiveAvgPool2d", "outputSize", outputSize, 1);
  }

  /** The average over each of the `outputSize` regions of x (N, C, H, W). */
  forward(x: Operand): Variable {
    const v = poolInput(this, x);
    return asLayer(this, () => adaptiveAvgPool2d(v, this.outputSize));
  }

  /** `outputSize=(1, 1)`, as PyTorch prints it. */
  override extraRepr(): string {
    return `outputSize=${pyValue(this.outputSize)}`;
  }
}

const maxPoolFields = { kernelSize: sizeField(1), stride: sizeField(1), padding: sizeField(0), dilation: sizeField(1), ceilMode: field.boolean() };
const avgPoolFields = {
  kernelSize: sizeField(1), stride: sizeField(1), padding: sizeField(0), ceilMode: field.boolean(), countIncludePad: field.boolean(),
  divisorOverride: field.nullable(field.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
};
const adaptiveFields = { outputSize: sizeField(1) };
const copy = (s: Size): number | number[] => (typeof s === "number" ? s : [...s]);
const asSize = (s: number | number[]): Size => (typeof s === "number" ? s : [s[0]!, s[1]!]);

/** MaxPool2d in architectures. @internal */
export const maxPool2dLayer = layerEntry(MaxPool2d, {
  type: "MaxPool2d",
  fields: maxPoolFields,
  config: (m) => ({ kernelSize: copy(m.kernelSize), stride: copy(m.stride), padding: copy(m.padding), dilation: copy(m.dilation), ceilMode: m.ceilMode }),
  fromConfig: (c) => new MaxPool2d(asSize(c.kernelSize), { stride: asSize(c.stride), padding: asSize(c.padding), dilation: asSize(c.dilation), ceilMode: c.ceilMode }),
  stateShapes: () => [],
});

/** AvgPool2d in architectures. @internal */
export const avgPool2dLayer = layerEntry(AvgPool2d, {
  type: "AvgPool2d",
  fields: avgPoolFields,
  config: (m) => ({ kernelSize: copy(m.kernelSize), stride: copy(m.stride), padding: copy(m.padding), ceilMode: m.ceilMode, countIncludePad: m.countIncludePad, divisorOverride: m.divisorOverride }),
  check: (c) => (c.divisorOverride === 0 ? "divisorOverride: expected a nonzero integer or null, got 0" : undefined),
  fromConfig: (c) => new AvgPool2d(asSize(c.kernelSize), { stride: asSize(c.stride), padding: asSize(c.padding), ceilMode: c.ceilMode, countIncludePad: c.countIncludePad, divisorOverride: c.divisorOverride }),
  stateShapes: () => [],
});

/** AdaptiveAvgPool2d in architectures. @internal */
export const adaptiveAvgPool2dLayer = layerEntry(AdaptiveAvgPool2d, {
  type: "AdaptiveAvgPool2d",
  fields: adaptiveFields,
  config: (m) => ({ outputSize: copy(m.outputSize) }),
  fromConfig: (c) => new AdaptiveAvgPool2d(asSize(c.outputSize)),
  stateShapes: () => [],
});
