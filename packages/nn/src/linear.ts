// PyTorch's Linear, batch-first: y = x·Wᵀ + b with W (out, in), one row per example.
import { add, matmul, reshape, transpose, variable, Variable, type Operand } from "@strata/autograd";
import { ShapeError, ValueError, rng, type DType, type Rng } from "@strata/tensor";
import { field } from "./config-fields.js";
import { defaultLayerInit } from "./init-nd.js";
import { layerInput, shapeText } from "./layer-input.js";
import { layerLabel } from "./layer-position.js";
import { layerEntry } from "./layer-type.js";
import { Module } from "./module.js";

/**
 * Options of {@link Linear} and the convolutions: whether there is a bias (default true), the
 * generator the initial values are drawn from, and the parameters' dtype (float32 by default).
 *
 * @example
 * ```ts
 * import { Linear, type LinearOptions } from "@strata/nn";
 * const options: LinearOptions = { bias: false, dtype: "float64" };
 * const layer = new Linear(3, 2, options);
 * console.log(layer.weight.dtype, layer.bias); // float64 null
 * ```
 */
export interface LinearOptions {
  /** Whether the layer adds a learned bias (default true). */
  bias?: boolean;
  /** The generator of the initial values; the package's default stream when omitted. */
  rng?: Rng;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/** Checks that `n` is an integer ≥ 1 for a layer's constructor. @internal */
export function checkCount(layer: string, name: string, n: unknown): number {
  if (!Number.isSafeInteger(n) || (n as number) < 1) throw new ValueError(`${layer}: ${name} must be an integer ≥ 1, got ${String(n)}`);
  return n as number;
}

/** Checks that `b` is a boolean for a layer's constructor. @internal */
export function checkFlag(layer: string, name: string, b: unknown): boolean {
  if (typeof b !== "boolean") throw new ValueError(`${layer}: ${name} must be true or false, got ${String(b)}`);
  return b;
}

/**
 * A fully connected layer, as PyTorch's `nn.Linear`: `y = x·Wᵀ + b` for x `(N, inFeatures)` (or
 * `(…, inFeatures)`, any leading axes), W `(outFeatures, inFeatures)` named `weight` and b
 * `(outFeatures)` named `bias`, giving `(N, outFeatures)`. Both start uniform in ±1/√inFeatures
 * ({@link defaultLayerInit}). Gradients: `dx = dy·W`, `dW = dyᵀ·x`, `db = Σ_rows dy`.
 *
 * @throws ValueError from the constructor when a size is not an integer ≥ 1 or `bias` is not a
 *   boolean; DTypeError for a dtype other than float32 or float64.
 * @throws ShapeError from `forward` when the last axis is not inFeatures, saying what to do
 *   (`Linear(layer 3): expected input (N, 256), got (32, 16, 4, 4); add a Flatten before it`);
 *   DTypeError when the input's dtype is not the weights'.
 * @example
 * ```ts
 * import { Linear } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const fc = new Linear(4, 3, { rng: rng(0) });
 * console.log(fc.weight.shape, fc.bias!.shape, fc.forward(ones([5, 4])).shape); // [3, 4] [3] [5, 3]
 * console.log(String(fc)); // Linear(inFeatures=4, outFeatures=3, bias=true)
 * ```
 */
export class Linear extends Module<[Operand], Variable> {
  /** W, (outFeatures, inFeatures). */
  readonly weight: Variable;
  /** b, (outFeatures), or null without a bias. */
  readonly bias: Variable | null;
  /** The size of each input row. */
  readonly inFeatures: number;
  /** The size of each output row. */
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    this.inFeatures = checkCount("Linear", "inFeatures", inFeatures);
    this.outFeatures = checkCount("Linear", "outFeatures", outFeatures);
    const { weight, bias } = defaultLayerInit([outFeatures, inFeatures], {
      bias: checkFlag("Linear", "bias", options.bias ?? true),
      ...(options.rng !== undefined && { rng: options.rng }),
      ...(options.dtype !== undefined && { dtype: options.dtype }),
    });
    this.weight = variable(weight, { requiresGrad: true, name: "weight" });
    this.bias = bias === null ? null : variable(bias, { requiresGrad: true, name: "bias" });
  }

  /** `x·Wᵀ + b` over the last axis of x. */
  forward(x: Operand): Variable {
    const v = layerInput(this, x, this.weight.dtype);
    const n = this.inFeatures;
    if (v.ndim === 0 || v.shape[v.ndim - 1] !== n) {
      const features = v.shape.slice(1).reduce((a, b) => a * b, 1);
      const fix = v.ndim > 2 && features === n
        ? "add a Flatten before it"
        : v.ndim === 0
          ? "give it (N, features)"
          : `its last axis has ${v.shape[v.ndim - 1]} features; build this layer as Linear(${v.ndim > 2 ? features : v.shape[v.ndim - 1]}, ${this.outFeatures})${v.ndim > 2 ? " after a Flatten" : ""} or change the layer before it`;
      throw new ShapeError(`${layerLabel(this)}: expected input (N, ${n}), got ${shapeText(v.shape)}; ${fix}`);
    }
    const rows = v.ndim === 2 ? v : reshape(v, [v.size / n, n]);
    let y = matmul(rows, transpose(this.weight));
    if (this.bias !== null) y = add(y, this.bias);
    return v.ndim === 2 ? y : reshape(y, [...v.shape.slice(0, -1), this.outFeatures]);
  }

  /** `inFeatures=4, outFeatures=3, bias=true`, as PyTorch prints it. */
  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

const linearFields = {
  inFeatures: field.integer({ min: 1, max: 1 << 24 }),
  outFeatures: field.integer({ min: 1, max: 1 << 24 }),
  bias: field.boolean(),
  dtype: field.dtype(),
};

/** Linear in architectures: `{ type: "Linear", inFeatures, outFeatures, bias, dtype }`. @internal */
export const linearLayer = layerEntry(Linear, {
  type: "Linear",
  fields: linearFields,
  config: (m) => ({ inFeatures: m.inFeatures, outFeatures: m.outFeatures, bias: m.bias !== null, dtype: m.weight.dtype as "float32" | "float64" }),
  // A generator of its own: the weights are about to be loaded, and drawing them from the default
  // generator would advance it.
  fromConfig: (c) => new Linear(c.inFeatures, c.outFeatures, { bias: c.bias, dtype: c.dtype, rng: rng(0) }),
  stateShapes: (c) => [["weight", [c.outFeatures, c.inFeatures]], ...(c.bias ? [["bias", [c.outFeatures]] as const] : [])],
});
