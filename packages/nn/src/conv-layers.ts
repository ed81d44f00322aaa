// PyTorch's Conv1d and Conv2d as layers over the functional conv1d/conv2d of @strata/autograd,
// with their parameter names (weight (outC, inC/groups, …kernel), bias (outC)), defaults and
// printed form.
import { conv1d, conv2d, variable, Variable, type Operand } from "@strata/autograd";
import { ValueError, rng, type DType } from "@strata/tensor";
import { field } from "./config-fields.js";
import { defaultLayerInit } from "./init-nd.js";
import { checkChannelsInput, layerInput } from "./layer-input.js";
import { asLayer } from "./layer-position.js";
import { pyValue } from "./layer-repr.js";
import { layerEntry } from "./layer-type.js";
import { checkCount, checkFlag, type LinearOptions } from "./linear.js";
import { Module } from "./module.js";

/**
 * Options of {@link Conv1d} and {@link Conv2d}, PyTorch's arguments in camelCase: `stride`
 * (default 1) and `dilation` (default 1), integers ≥ 1 or one per spatial axis; `padding`
 * (default 0) zeros on each side, or `"same"` (stride 1) or `"valid"`; `groups` (default 1)
 * dividing both channel counts (`groups = inChannels` is a depthwise convolution);
 * `paddingMode` only `"zeros"`; plus `bias`, `rng` and `dtype` as {@link LinearOptions}.
 *
 * @example
 * ```ts
 * import { Conv2d, type ConvOptions } from "@strata/nn";
 * const options: ConvOptions = { padding: "same", groups: 4, bias: false };
 * console.log(String(new Conv2d(4, 8, 3, options))); // Conv2d(4, 8, kernelSize=(3, 3), stride=(1, 1), padding=same, groups=4, bias=false)
 * ```
 */
export interface ConvOptions extends LinearOptions {
  /** The step between windows: one integer ≥ 1, or one per spatial axis. */
  stride?: number | readonly number[];
  /** Zeros added on each side (one integer, or one per spatial axis), `"same"` or `"valid"`. */
  padding?: number | readonly number[] | "same" | "valid";
  /** The spacing of the kernel's taps: one integer ≥ 1, or one per spatial axis. */
  dilation?: number | readonly number[];
  /** The number of channel groups, dividing both channel counts. */
  groups?: number;
  /** How the input is padded: only `"zeros"` (PyTorch's default) is implemented. */
  paddingMode?: "zeros";
}

/** A size given as one integer or one per axis, as a tuple of `dims` integers ≥ `min`. */
function tupleOf(layer: string, name: string, value: unknown, dims: number, min: number): number[] {
  const list = typeof value === "number" ? Array<number>(dims).fill(value) : Array.isArray(value) ? [...(value as unknown[])] : [];
  if (list.length !== dims || !list.every((v) => Number.isSafeInteger(v) && (v as number) >= min)) {
    throw new ValueError(`${layer}: ${name} must be an integer ≥ ${min}${dims > 1 ? ` or ${dims} of them` : ""}, got ${pyValue(value)}`);
  }
  return list as number[];
}

/** The shared state of Conv1d and Conv2d; `dims` is the number of spatial axes. */
abstract class ConvNd extends Module<[Operand], Variable> {
  /** The kernel, (outChannels, inChannels/groups, …kernelSize). */
  readonly weight: Variable;
  /** One bias per output channel, (outChannels), or null. */
  readonly bias: Variable | null;
  /** The input's channels. */
  readonly inChannels: number;
  /** The output's channels. */
  readonly outChannels: number;
  /** The kernel's size, one per spatial axis. */
  readonly kernelSize: readonly number[];
  /** The stride, one per spatial axis. */
  readonly stride: readonly number[];
  /** The padding, one per spatial axis, or `"same"`/`"valid"`. */
  readonly padding: readonly number[] | "same" | "valid";
  /** The dilation, one per spatial axis. */
  readonly dilation: readonly number[];
  /** The number of channel groups. */
  readonly groups: number;
  /** Always `"zeros"`. */
  readonly paddingMode = "zeros";

  constructor(layer: string, dims: number, inChannels: number, outChannels: number, kernelSize: number | readonly number[], options: ConvOptions) {
    super();
    this.inChannels = checkCount(layer, "inChannels", inChannels);
    this.outChannels = checkCount(layer, "outChannels", outChannels);
    this.kernelSize = tupleOf(layer, "kernelSize", kernelSize, dims, 1);
    this.stride = tupleOf(layer, "stride", options.stride ?? 1, dims, 1);
    this.dilation = tupleOf(layer, "dilation", options.dilation ?? 1, dims, 1);
    const padding = options.padding ?? 0;
    this.padding = padding === "same" || padding === "valid" ? padding : tupleOf(layer, "padding", padding, dims, 0);
    if (padding === "same" && this.stride.some((s) => s !== 1)) throw new ValueError(`${layer}: padding "same" needs stride 1, as in PyTorch, got stride ${pyValue(this.stride)}`);
    this.groups = checkCount(layer, "groups", options.groups ?? 1);
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new ValueError(`${layer}: groups (${this.groups}) must divide inChannels (${inChannels}) and outChannels (${outChannels})`);
    }
    if ((options.paddingMode ?? "zeros") !== "zeros") throw new ValueError(`${layer}: only paddingMode "zeros" is implemented, got ${pyValue(JSON.stringify(options.paddingMode))}`);
    const { weight, bias } = defaultLayerInit([outChannels, inChannels / this.groups, ...this.kernelSize], {
      bias: checkFlag(layer, "bias", options.bias ?? true),
      ...(options.rng !== undefined && { rng: options.rng }),
      ...(options.dtype !== undefined && { dtype: options.dtype }),
    });
    this.weight = variable(weight, { requiresGrad: true, name: "weight" });
    this.bias = bias === null ? null : variable(bias, { requiresGrad: true, name: "bias" });
  }

  /** PyTorch's form: `1, 16, kernelSize=(5, 5), stride=(1, 1)`, then what differs from the defaults. */
  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}`];
    if (typeof this.padding === "string" || this.padding.some((p) => p !== 0)) parts.push(`padding=${pyValue(this.padding)}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${pyValue(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push("bias=false");
    return parts.join(", ");
  }
}

/**
 * A 2-D convolution layer, as PyTorch's `nn.Conv2d`: {@link conv2d} of x `(N, inChannels, H, W)`
 * (or unbatched `(inChannels, H, W)`) with `weight` `(outChannels, inChannels/groups, kH, kW)`
 * and `bias` `(outChannels)`, giving `(N, outChannels, oH, oW)` with
 * `oH = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1`. Initialised as PyTorch does
 * (uniform in ±1/√(inChannels/groups·kH·kW), {@link defaultLayerInit}).
 *
 * @throws ValueError from the constructor for a size, stride or dilation below 1, a negative
 *   padding, groups not dividing both channel counts, "same" with a stride, a paddingMode other
 *   than "zeros"; DTypeError for a dtype other than float32 or float64.
 * @throws ShapeError from `forward` when the input is not `(N, inChannels, H, W)`, with the fix
 *   (`Conv2d(layer 0): expected input (N, 1, H, W), got (32, 784); reshape it to (32, 1, 28, 28)`),
 *   or the kernel spans more than the padded input; DTypeError when the input's dtype is not the weights'.
 * @example
 * ```ts
 * import { Conv2d } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const conv = new Conv2d(1, 16, 5, { padding: 2, rng: rng(0) });
 * console.log(conv.weight.shape, conv.forward(ones([2, 1, 28, 28])).shape); // [16, 1, 5, 5] [2, 16, 28, 28]
 * console.log(String(conv)); // Conv2d(1, 16, kernelSize=(5, 5), stride=(1, 1), padding=(2, 2))
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: ConvOptions = {}) {
    super("Conv2d", 2, inChannels, outChannels, kernelSize, options);
  }

  /** The convolution of x (N, inChannels, H, W). */
  forward(x: Operand): Variable {
    const v = layerInput(this, x, this.weight.dtype);
    checkChannelsInput(this, v, this.inChannels, 2);
    const pair = (t: readonly number[]) => t as [number, number];
    const padding = typeof this.padding === "string" ? this.padding : pair(this.padding);
    return asLayer(this, () => conv2d(v, this.weight, this.bias, { stride: pair(this.stride), padding, dilation: pair(this.dilation), groups: this.groups }));
  }
}

/**
 * A 1-D convolution layer, as PyTorch's `nn.Conv1d`: {@link conv1d} of x `(N, inChannels, L)` (or
 * unbatched `(inChannels, L)`) with `weight` `(outChannels, inChannels/groups, k)` and `bias`
 * `(outChannels)`, giving `(N, outChannels, oL)`, `oL = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1`.
 * Sizes are one integer (or a one-element array). Initialised as {@link Conv2d}.
 *
 * @throws as {@link Conv2d}, for input `(N, inChannels, L)`.
 * @example
 * ```ts
 * import { Conv1d } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const conv = new Conv1d(2, 4, 3, { stride: 2, rng: rng(0) });
 * console.log(conv.weight.shape, conv.forward(ones([5, 2, 9])).shape); // [4, 2, 3] [5, 4, 4]
 * console.log(String(conv)); // Conv1d(2, 4, kernelSize=(3,), stride=(2,))
 * ```
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number], options: ConvOptions = {}) {
    super("Conv1d", 1, inChannels, outChannels, kernelSize, options);
  }

  /** The convolution of x (N, inChannels, L). */
  forward(x: Operand): Variable {
    const v = layerInput(this, x, this.weight.dtype);
    checkChannelsInput(this, v, this.inChannels, 1);
    const padding = typeof this.padding === "string" ? this.padding : this.padding[0]!;
    return asLayer(this, () => conv1d(v, this.weight, this.bias, { stride: this.stride[0]!, padding, dilation: this.dilation[0]!, groups: this.groups }));
  }
}

const MAX_CHANNELS = 1 << 20;
const MAX_KERNEL = 1 << 16;

function convFields(dims: number) {
  const tuple = (min: number) => field.list(field.integer({ min, max: MAX_KERNEL }), { minLength: dims, maxLength: dims });
  return {
    inChannels: field.integer({ min: 1, max: MAX_CHANNELS }),
    outChannels: field.integer({ min: 1, max: MAX_CHANNELS }),
    kernelSize: tuple(1),
    stride: tuple(1),
    padding: field.anyOf(field.oneOf("same", "valid"), tuple(0)),
    dilation: tuple(1),
    groups: field.integer({ min: 1, max: MAX_CHANNELS }),
    bias: field.boolean(),
    dtype: field.dtype(),
  };
}
const conv2dFields = convFields(2);
const conv1dFields = convFields(1);

type ConvConfig = { inChannels: number; outChannels: number; kernelSize: number[]; stride: number[]; padding: number[] | "same" | "valid"; dilation: number[]; groups: number; bias: boolean; dtype: "float32" | "float64" };

function convConfig(m: ConvNd): ConvConfig {
  const { inChannels, outChannels, groups } = m;
  const padding = typeof m.padding === "string" ? m.padding : [...m.padding];
  return { inChannels, outChannels, kernelSize: [...m.kernelSize], stride: [...m.stride], padding, dilation: [...m.dilation], groups, bias: m.bias !== null, dtype: m.weight.dtype as "float32" | "float64" };
}

function convCheck(c: ConvConfig): string | undefined {
  if (c.inChannels % c.groups !== 0 || c.outChannels % c.groups !== 0) return `groups: ${c.groups} must divide inChannels (${c.inChannels}) and outChannels (${c.outChannels})`;
  if (c.padding === "same" && c.stride.some((s) => s !== 1)) return `padding: "same" needs stride 1, got stride ${pyValue(c.stride)}`;
  return undefined;
}

function convShapes(c: ConvConfig) {
  return [["weight", [c.outChannels, c.inChannels / c.groups, ...c.kernelSize]] as const, ...(c.bias ? [["bias", [c.outChannels]] as const] : [])];
}

// A generator of their own: the weights are about to be loaded (the default one would advance).
const fresh = (c: ConvConfig): ConvOptions & { dtype: DType } => ({ stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups, bias: c.bias, dtype: c.dtype, rng: rng(0) });

/** Conv2d in architectures: `{ type: "Conv2d", inChannels, outChannels, kernelSize: [h, w], … }`. @internal */
export const conv2dLayer = layerEntry(Conv2d, {
  type: "Conv2d",
  fields: conv2dFields,
  config: convConfig,
  check: convCheck,
  fromConfig: (c) => new Conv2d(c.inChannels, c.outChannels, c.kernelSize as [number, number], fresh(c)),
  stateShapes: convShapes,
});

/** Conv1d in architectures: `{ type: "Conv1d", inChannels, outChannels, kernelSize: [k], … }`. @internal */
export const conv1dLayer = layerEntry(Conv1d, {
  type: "Conv1d",
  fields: conv1dFields,
  config: convConfig,
  check: convCheck,
  fromConfig: (c) => new Conv1d(c.inChannels, c.outChannels, c.kernelSize as [number], fresh(c)),
  stateShapes: convShapes,
});
