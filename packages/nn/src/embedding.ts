// PyTorch's Embedding: a lookup table of learned vectors, one row per id.
import { embedding, variable, Variable, type Operand } from "@strata/autograd";
import { DTypeError, ShapeError, Tensor, ValueError, isFloatDType, randn, rng, type DType, type Rng } from "@strata/tensor";
import { field } from "./config-fields.js";
import { checkParamOptions } from "./init.js";
import { asLayer } from "./layer-position.js";
import { layerEntry } from "./layer-type.js";
import { checkCount } from "./linear.js";
import { Module } from "./module.js";

/**
 * Options of {@link Embedding}: the padding id (its row starts at zero and gets no gradient;
 * negative counts from the end, as PyTorch's `padding_idx`), the generator of the initial values
 * and the weight's dtype (float32 by default).
 *
 * @example
 * ```ts
 * import { Embedding, type EmbeddingOptions } from "@strata/nn";
 * const options: EmbeddingOptions = { paddingIdx: -1, dtype: "float64" };
 * const table = new Embedding(10, 4, options);
 * console.log(table.paddingIdx, table.weight.dtype); // 9 float64
 * ```
 */
export interface EmbeddingOptions {
  /** The id whose row is zero at first and never trained (default none); in `[-numEmbeddings, numEmbeddings)`. */
  paddingIdx?: number | null;
  /** The generator of the initial values; the package's default stream when omitted. */
  rng?: Rng;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/**
 * Options of {@link Embedding.fromPretrained}: whether the table stays fixed (`freeze`, default
 * true: the weight does not require gradients) and the padding id (see {@link EmbeddingOptions}).
 *
 * @example
 * ```ts
 * import { Embedding, type FromPretrainedOptions } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const options: FromPretrainedOptions = { freeze: false };
 * console.log(Embedding.fromPretrained(tensor([[1, 2], [3, 4]]), options).weight.requiresGrad); // true
 * ```
 */
export interface FromPretrainedOptions {
  /** Keep the weight fixed (default true), as PyTorch's `freeze`. */
  freeze?: boolean;
  /** The padding id; its row is kept as given (not zeroed) but gets no gradient. */
  paddingIdx?: number | null;
}

/** The padding id made non-negative, after checking it is an integer in `[-num, num)`. */
function paddingId(num: number, paddingIdx: unknown): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || (paddingIdx as number) < -num || (paddingIdx as number) >= num) {
    throw new ValueError(`Embedding: paddingIdx must be an integer in [-${num}, ${num}) for ${num} embeddings, got ${String(paddingIdx)}`);
  }
  return (paddingIdx as number) < 0 ? (paddingIdx as number) + num : (paddingIdx as number);
}

/** Set by fromPretrained for the one constructor call it makes, so that nothing is drawn. */
let pretrained: Tensor | null = null;

/**
 * A lookup table, as PyTorch's `nn.Embedding`: `forward(ids)` maps int32 ids of any shape `(…)`
 * to the rows of `weight` `(numEmbeddings, embeddingDim)` they name, giving `(…, embeddingDim)`
 * (see {@link embedding}). The weight starts N(0, 1), as PyTorch's, with the padding row (if any)
 * zeroed; the padding row gets no gradient. Prints as PyTorch does:
 * `Embedding(65, 32, paddingIdx=0)`.
 *
 * @throws ValueError from the constructor when a size is not an integer ≥ 1 or `paddingIdx` is
 *   not an integer in `[-numEmbeddings, numEmbeddings)`; DTypeError for a dtype other than
 *   float32 or float64.
 * @throws DTypeError from `forward` when the ids are not int32; ValueError naming the layer, the id,
 *   its position and the range when an id is outside `[0, numEmbeddings)`.
 * @example
 * ```ts
 * import { Embedding } from "@strata/nn";
 * import { rng, tensor } from "@strata/tensor";
 * const table = new Embedding(65, 32, { paddingIdx: 0, rng: rng(0) });
 * const ids = tensor([[0, 5, 7], [3, 3, 0]], { dtype: "int32" });
 * const y = table.forward(ids);
 * console.log(String(table), y.shape, table.weight.data.slice(0).abs().sum().item()); // Embedding(65, 32, paddingIdx=0) [2, 3, 32] 0
 * ```
 */
export class Embedding extends Module<[Operand], Variable> {
  /** The table, (numEmbeddings, embeddingDim). */
  declare readonly weight: Variable;
  /** The number of rows (ids run from 0 to numEmbeddings - 1). */
  readonly numEmbeddings: number;
  /** The length of each row. */
  readonly embeddingDim: number;
  /** The row that gets no gradient, non-negative, or null. */
  readonly paddingIdx: number | null;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    this.numEmbeddings = checkCount("Embedding", "numEmbeddings", numEmbeddings);
    this.embeddingDim = checkCount("Embedding", "embeddingDim", embeddingDim);
    this.paddingIdx = paddingId(numEmbeddings, options.paddingIdx);
    const { rng: r, dtype } = checkParamOptions("Embedding", options);
    let w = pretrained;
    if (w === null) {
      w = randn([numEmbeddings, embeddingDim], { rng: r, dtype });
      if (this.paddingIdx !== null) w.slice(this.paddingIdx).fill(0);
    }
    this.registerParameter("weight", variable(w, { requiresGrad: true, name: "weight" }));
  }

  /**
   * A table holding `weights` `(numEmbeddings, embeddingDim)` (float32 or float64) as they are,
   * shared rather than copied, as PyTorch's `Embedding.from_pretrained`: frozen unless
   * `freeze: false`; the padding row is not zeroed.
   *
   * @throws ShapeError when `weights` is not 2-D; DTypeError when it is not float32 or float64;
   *   ValueError for a bad `paddingIdx` or a `freeze` that is not a boolean.
   */
  static fromPretrained(weights: Tensor | Variable, options: FromPretrainedOptions = {}): Embedding {
    const w = weights instanceof Variable ? weights.data : weights;
    if (!(w instanceof Tensor) || w.ndim !== 2) {
      throw new ShapeError(`Embedding.fromPretrained: expected weights (numEmbeddings, embeddingDim), got ${w instanceof Tensor ? `(${w.shape.join(", ")})` : String(w)}`);
    }
    if (!isFloatDType(w.dtype)) throw new DTypeError(`Embedding.fromPretrained: weights are ${w.dtype}; expected float32 or float64`);
    const freeze = options.freeze ?? true;
    if (typeof freeze !== "boolean") throw new ValueError(`Embedding.fromPretrained: freeze must be true or false, got ${String(freeze)}`);
    pretrained = w;
    try {
      const table = new Embedding(w.shape[0]!, w.shape[1]!, { paddingIdx: options.paddingIdx ?? null, dtype: w.dtype });
      table.weight.requiresGrad = !freeze;
      return table;
    } finally {
      pretrained = null;
    }
  }

  /** The rows of the table the int32 `ids` name: `(…)` → `(…, embeddingDim)`. */
  forward(ids: Operand): Variable {
    return asLayer(this, () => embedding(ids, this.weight, { paddingIdx: this.paddingIdx }));
  }

  /** `65, 32, paddingIdx=0`, as PyTorch prints it. */
  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? "" : `, paddingIdx=${this.paddingIdx}`}`;
  }
}

const embeddingFields = {
  numEmbeddings: field.integer({ min: 1, max: 1 << 24 }),
  embeddingDim: field.integer({ min: 1, max: 1 << 24 }),
  paddingIdx: field.nullable(field.integer({ min: 0, max: 1 << 24 })),
  dtype: field.dtype(),
};

/** Embedding in architectures: `{ type: "Embedding", numEmbeddings, embeddingDim, paddingIdx, dtype }`. @internal */
export const embeddingLayer = layerEntry(Embedding, {
  type: "Embedding",
  fields: embeddingFields,
  config: (m) => ({ numEmbeddings: m.numEmbeddings, embeddingDim: m.embeddingDim, paddingIdx: m.paddingIdx, dtype: m.weight.dtype as "float32" | "float64" }),
  check: (c) => (c.paddingIdx !== null && c.paddingIdx >= c.numEmbeddings ? `paddingIdx ${c.paddingIdx} must be below numEmbeddings ${c.numEmbeddings}` : undefined),
  // A generator of its own: the weights are about to be loaded, and drawing them from the default
  // generator would advance it.
  fromConfig: (c) => new Embedding(c.numEmbeddings, c.embeddingDim, { paddingIdx: c.paddingIdx, dtype: c.dtype, rng: rng(0) }),
  stateShapes: (c) => [["weight", [c.numEmbeddings, c.embeddingDim]]],
});
