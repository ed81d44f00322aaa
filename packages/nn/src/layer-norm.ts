// PyTorch's LayerNorm as a layer over the functional layerNorm of @strata/autograd: parameters
// weight (ones) and bias (zeros) of the normalised shape; no buffers, the same in training and
// evaluation.
import { layerNorm, variable, Variable, type Operand } from "@strata/autograd";
import { ShapeError, ValueError, ones, zeros, type DType } from "@strata/tensor";
import { field } from "./config-fields.js";
import { checkParamOptions } from "./init.js";
import { layerInput, shapeText } from "./layer-input.js";
import { asLayer, layerLabel } from "./layer-position.js";
import { pyValue } from "./layer-repr.js";
import { layerEntry } from "./layer-type.js";
import { checkFlag } from "./linear.js";
import { Module } from "./module.js";

/**
 * Options of {@link LayerNorm}, PyTorch's arguments in camelCase: `eps` (default 1e-5) added to
 * the variance; `elementwiseAffine` (default true) learns a `weight` and a `bias` of the normalised
 * shape; `bias` (default true; PyTorch 2.1's) whether that affine map has a bias; `dtype`.
 *
 * @example
 * ```ts
 * import { LayerNorm, type LayerNormLayerOptions } from "@strata/nn";
 * const options: LayerNormLayerOptions = { elementwiseAffine: false };
 * console.log(String(new LayerNorm(8, options))); // LayerNorm((8,), eps=1e-05, elementwiseAffine=false)
 * ```
 */
export interface LayerNormLayerOptions {
  /** Added to the variance before its square root, ≥ 0 (default 1e-5). */
  eps?: number;
  /** Learn an elementwise `weight` (and `bias`) of the normalised shape (default true). */
  elementwiseAffine?: boolean;
  /** Whether the affine map has a bias (default true; ignored without elementwiseAffine). */
  bias?: boolean;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/**
 * Layer normalisation over the last axes of the input, as PyTorch's `nn.LayerNorm`:
 * `y = (x − μ) / √(σ² + eps) · weight + bias`, with μ and σ² the mean and biased variance over the
 * trailing axes given by `normalizedShape` (a size or a list of sizes), separately for each
 * position of the leading axes, in training and evaluation alike. Parameters `weight` (ones) and
 * `bias` (zeros) have the normalised shape, as PyTorch names them, so its state dict loads.
 *
 * @throws ValueError from the constructor for a normalizedShape that is not a size ≥ 1 or a
 *   non-empty list of them, a negative eps or a flag that is not a boolean.
 * @throws ShapeError from `forward` when the input's trailing axes are not the normalised shape;
 *   DTypeError when its dtype is not the layer's.
 * @example
 * ```ts
 * import { LayerNorm } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const ln = new LayerNorm(2, { eps: 0, dtype: "float64" });
 * console.log(ln.forward(tensor([[1, 3], [10, 14]], { dtype: "float64" })).toArray()); // [[-1, 1], [-1, 1]]
 * console.log(Object.keys(ln.stateDict()), String(ln)); // ["weight", "bias"] LayerNorm((2,), eps=0, elementwiseAffine=true)
 * ```
 */
export class LayerNorm extends Module<[Operand], Variable> {
  /** γ, of the normalised shape, or null without elementwiseAffine. */
  readonly weight: Variable | null;
  /** β, of the normalised shape, or null without elementwiseAffine or bias. */
  readonly bias: Variable | null;
  /** The trailing axes normalised over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance. */
  readonly eps: number;
  /** Whether weight (and bias) are learned. */
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options: LayerNormLayerOptions = {}) {
    super();
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((n) => Number.isSafeInteger(n) && n >= 1)) {
      throw new ValueError(`LayerNorm: normalizedShape must be a size ≥ 1 or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`);
    }
    this.normalizedShape = [...shape];
    const { eps = 1e-5 } = options;
    if (typeof eps !== "number" || !Number.isFinite(eps) || eps < 0) throw new ValueError(`LayerNorm: eps must be a finite number ≥ 0, got ${String(eps)}`);
    this.eps = eps;
    this.elementwiseAffine = checkFlag("LayerNorm", "elementwiseAffine", options.elementwiseAffine ?? true);
    const hasBias = checkFlag("LayerNorm", "bias", options.bias ?? true);
    const { dtype } = checkParamOptions("LayerNorm", { ...(options.dtype !== undefined && { dtype: options.dtype }) });
    this.weight = this.elementwiseAffine ? variable(ones(this.normalizedShape, { dtype }), { requiresGrad: true, name: "weight" }) : null;
    this.bias = this.elementwiseAffine && hasBias ? variable(zeros(this.normalizedShape, { dtype }), { requiresGrad: true, name: "bias" }) : null;
  }

  /** Normalises x over its trailing axes, the normalised shape. */
  forward(x: Operand): Variable {
    // without parameters any float input is normalised in its own dtype
    const v = layerInput(this, x, this.weight?.dtype ?? ((x as Variable).dtype === "float64" ? "float64" : "float32"));
    const shape = this.normalizedShape;
    const tail = v.shape.slice(v.ndim - shape.length);
    if (v.ndim < shape.length || tail.some((n, k) => n !== shape[k])) {
      throw new ShapeError(`${layerLabel(this)}: expected input (…, ${shape.join(", ")}) ending in the normalized shape ${pyValue(shape)}, got ${shapeText(v.shape)}`);
    }
    return asLayer(this, () => layerNorm(v, shape, this.weight, this.bias, { eps: this.eps }));
  }

  /** `(8,), eps=1e-05, elementwiseAffine=true`, as PyTorch prints it. */
  override extraRepr(): string {
    return `${pyValue(this.normalizedShape)}, eps=${pyValue(this.eps)}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

const layerNormFields = {
  normalizedShape: field.list(field.integer({ min: 1, max: 1 << 24 }), { minLength: 1, maxLength: 8 }),
  eps: field.number({ min: 0 }),
  elementwiseAffine: field.boolean(),
  bias: field.boolean(),
  dtype: field.dtype(),
};

/** LayerNorm in architectures. @internal */
export const layerNormLayer = layerEntry(LayerNorm, {
  type: "LayerNorm",
  fields: layerNormFields,
  config: (m) => ({
    normalizedShape: [...m.normalizedShape], eps: m.eps, elementwiseAffine: m.elementwiseAffine, bias: m.bias !== null || !m.elementwiseAffine,
    dtype: (m.weight?.dtype ?? "float32") as "float32" | "float64",
  }),
  fromConfig: (c) => new LayerNorm(c.normalizedShape, c),
  stateShapes: (c) => [
    ...(c.elementwiseAffine ? [["weight", c.normalizedShape] as const] : []),
    ...(c.elementwiseAffine && c.bias ? [["bias", c.normalizedShape] as const] : []),
  ],
});
