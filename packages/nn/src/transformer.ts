// PyTorch's TransformerEncoderLayer: self-attention and a feed-forward block, each with a residual
// connection and a LayerNorm (after it, or before it with normFirst), under PyTorch's child names,
// so a PyTorch state dict (`self_attn.in_proj_weight`, `linear1.weight`, …) loads.
import { add, gelu, relu, type Operand, type Variable } from "@strata/autograd";
import { ValueError, rng as seeded, type Rng } from "@strata/tensor";
import type { MaskOptions } from "./attention-masks.js";
import { checkDropout, show } from "./checks.js";
import { field } from "./config-fields.js";
import { Dropout } from "./dropout.js";
import { LayerNorm } from "./layer-norm.js";
import { layerInput } from "./layer-input.js";
import { layerEntry, type StateShape } from "./layer-type.js";
import { Linear, checkCount, checkFlag } from "./linear.js";
import { Module } from "./module.js";
import { MultiheadAttention, mhaStateShapes } from "./multihead-attention.js";

/**
 * Options of {@link TransformerEncoderLayer}, PyTorch's in camelCase: `dimFeedforward` (default
 * 2048), `dropout` (default 0.1), `activation` `"relu"` (default) or `"gelu"`, `layerNormEps`
 * (default 1e-5), `batchFirst` (default false: `(S, N, E)`), `normFirst` (default false: LayerNorm
 * after each residual sum), `bias` (default true) for every Linear and LayerNorm, `rng`, `dtype`.
 *
 * @example
 * ```ts
 * import { TransformerEncoderLayer, type TransformerEncoderLayerOptions } from "@strata/nn";
 * const options: TransformerEncoderLayerOptions = { dimFeedforward: 32, activation: "gelu", normFirst: true };
 * console.log(new TransformerEncoderLayer(16, 4, options).linear1.weight.shape); // [32, 16]
 * ```
 */
export interface TransformerEncoderLayerOptions {
  /** The feed-forward block's hidden size (default 2048). */
  dimFeedforward?: number;
  /** The dropout probability everywhere in the layer (default 0.1). */
  dropout?: number;
  /** The feed-forward block's activation (default "relu"). */
  activation?: "relu" | "gelu";
  /** The LayerNorms' eps (default 1e-5). */
  layerNormEps?: number;
  /** Input and output are (N, S, E) instead of (S, N, E) (default false). */
  batchFirst?: boolean;
  /** LayerNorm before each block instead of after each residual sum (default false). */
  normFirst?: boolean;
  /** Biases in the Linears, the attention and the LayerNorms (default true). */
  bias?: boolean;
  /** The generator of the initial values and of dropout's masks. */
  rng?: Rng;
  /** float32 (default) or float64. */
  dtype?: "float32" | "float64";
}

/**
 * The masks of {@link TransformerEncoderLayer.forward}, PyTorch's `src_mask`,
 * `src_key_padding_mask` and `is_causal` in camelCase, passed to the self-attention as attnMask,
 * keyPaddingMask and isCausal (see {@link MaskOptions}: boolean `true` is masked out).
 *
 * @example
 * ```ts
 * import { TransformerEncoderLayer, type TransformerEncoderLayerForwardOptions } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const layer = new TransformerEncoderLayer(4, 2, { dimFeedforward: 8, dropout: 0, rng: rng(0) });
 * const options: TransformerEncoderLayerForwardOptions = { isCausal: true };
 * console.log(layer.forward(ones([3, 2, 4]), options).shape); // [3, 2, 4]
 * ```
 */
export interface TransformerEncoderLayerForwardOptions {
  /** The attention mask, `(S, S)` or `(N·nhead, S, S)`. */
  srcMask?: MaskOptions["attnMask"];
  /** Padding positions, `(N, S)`. */
  srcKeyPaddingMask?: MaskOptions["keyPaddingMask"];
  /** Let position i attend to j ≤ i only, when no srcMask is given. */
  isCausal?: boolean;
}

/**
 * One encoder layer of a Transformer, as PyTorch's `nn.TransformerEncoderLayer`: with `x` the
 * input, `sa(x) = dropout1(self_attn(x, x, x))` and `ff(x) = dropout2(linear2(dropout(act(linear1(x)))))`,
 * the output is `norm2(y + ff(y))` with `y = norm1(x + sa(x))`, or with normFirst
 * `y + ff(norm2(y))` with `y = x + sa(norm1(x))`. Children `self_attn`, `linear1`, `dropout`,
 * `linear2`, `norm1`, `norm2`, `dropout1`, `dropout2` as PyTorch names them. Input and output
 * `(S, N, dModel)` (`(N, S, dModel)` with batchFirst, or unbatched `(S, dModel)`).
 *
 * @throws ValueError from the constructor for sizes that are not integers ≥ 1, dModel not
 *   divisible by nhead, a dropout outside [0, 1], an unknown activation or a flag that is not a boolean.
 * @throws ShapeError and DTypeError from `forward` for inputs or masks that the self-attention refuses.
 * @example
 * ```ts
 * import { TransformerEncoderLayer } from "@strata/nn";
 * import { randn, rng } from "@strata/tensor";
 * const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, rng: rng(0) });
 * console.log(layer.eval().forward(randn([3, 5, 8], { rng: rng(1) })).shape); // [3, 5, 8]
 * console.log(layer.namedChildren().map(([name]) => name)); // ["self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"]
 * ```
 */
export class TransformerEncoderLayer extends Module<[Operand, TransformerEncoderLayerForwardOptions?], Variable> {
  readonly self_attn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  /** The model's width, E. */
  readonly dModel: number;
  /** The number of attention heads. */
  readonly nhead: number;
  /** The feed-forward block's hidden size. */
  readonly dimFeedforward: number;
  /** The feed-forward block's activation. */
  readonly activation: "relu" | "gelu";
  /** Whether each LayerNorm comes before its block. */
  readonly normFirst: boolean;

  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const name = "TransformerEncoderLayer";
    this.dModel = checkCount(name, "dModel", dModel);
    this.nhead = checkCount(name, "nhead", nhead);
    this.dimFeedforward = checkCount(name, "dimFeedforward", options.dimFeedforward ?? 2048);
    const { dropout = 0.1, activation = "relu", layerNormEps = 1e-5, batchFirst = false, bias = true, rng, dtype } = options;
    if (activation !== "relu" && activation !== "gelu") throw new ValueError(`${name}: activation must be "relu" or "gelu", got ${show(activation)}`);
    checkDropout(name, dropout);
    if (dModel % nhead !== 0) throw new ValueError(`${name}: dModel (${dModel}) must be divisible by nhead (${nhead})`);
    this.activation = activation;
    this.normFirst = checkFlag(name, "normFirst", options.normFirst ?? false);
    const common = { bias, ...(rng !== undefined && { rng }), ...(dtype !== undefined && { dtype }) };
    const drop = (): Dropout => new Dropout(dropout, rng !== undefined ? { rng } : {});
    this.self_attn = new MultiheadAttention(dModel, nhead, { ...common, dropout, batchFirst });
    this.linear1 = new Linear(dModel, this.dimFeedforward, common);
    this.dropout = drop();
    this.linear2 = new Linear(this.dimFeedforward, dModel, common);
    const norm = { eps: layerNormEps, bias, ...(dtype !== undefined && { dtype }) };
    this.norm1 = new LayerNorm(dModel, norm);
    this.norm2 = new LayerNorm(dModel, norm);
    this.dropout1 = drop();
    this.dropout2 = drop();
  }

  /** The layer's output for `src` (see the class). */
  forward(src: Operand, options: TransformerEncoderLayerForwardOptions = {}): Variable {
    const masks: MaskOptions = {
      ...(options.srcMask != null && { attnMask: options.srcMask }),
      ...(options.srcKeyPaddingMask != null && { keyPaddingMask: options.srcKeyPaddingMask }),
      ...(options.isCausal !== undefined && { isCausal: options.isCausal }),
    };
    const sa = (x: Variable): Variable => this.dropout1.forward(this.self_attn.forward(x, x, x, { ...masks, needWeights: false })[0]);
    const act = this.activation === "relu" ? relu : gelu;
    const ff = (x: Variable): Variable => this.dropout2.forward(this.linear2.forward(this.dropout.forward(act(this.linear1.forward(x)))));
    const x = layerInput(this, src, this.linear1.weight.dtype);
    if (this.normFirst) {
      const y = add(x, sa(this.norm1.forward(x)));
      return add(y, ff(this.norm2.forward(y)));
    }
    const y = this.norm1.forward(add(x, sa(x)));
    return this.norm2.forward(add(y, ff(y)));
  }
}

const layerFields = {
  dModel: field.integer({ min: 1, max: 1 << 16 }),
  nhead: field.integer({ min: 1, max: 1 << 16 }),
  dimFeedforward: field.integer({ min: 1, max: 1 << 20 }),
  dropout: field.number({ min: 0, max: 1 }),
  activation: field.oneOf("relu", "gelu"),
  layerNormEps: field.number({ min: 0 }),
  batchFirst: field.boolean(),
  normFirst: field.boolean(),
  bias: field.boolean(),
  dtype: field.dtype(),
};

/** TransformerEncoderLayer in architectures. @internal */
export const transformerEncoderLayerLayer = layerEntry(TransformerEncoderLayer, {
  type: "TransformerEncoderLayer",
  fields: layerFields,
  config: (m) => ({
    dModel: m.dModel, nhead: m.nhead, dimFeedforward: m.dimFeedforward, dropout: m.dropout.p, activation: m.activation,
    layerNormEps: m.norm1.eps, batchFirst: m.self_attn.batchFirst, normFirst: m.normFirst, bias: m.linear1.bias !== null,
    dtype: m.linear1.weight.dtype as "float32" | "float64",
  }),
  check: (c) => (c.dModel % c.nhead === 0 ? undefined : `dModel (${c.dModel}) must be divisible by nhead (${c.nhead})`),
  // a generator of its own: the weights are about to be loaded
  fromConfig: (c) => new TransformerEncoderLayer(c.dModel, c.nhead, { ...c, activation: c.activation as "relu" | "gelu", rng: seeded(0) }),
  stateShapes: (c) => {
    const [d, f, b] = [c.dModel, c.dimFeedforward, c.bias];
    const linear = (name: string, out: number, inn: number): StateShape[] => [[`${name}.weight`, [out, inn]], ...(b ? [[`${name}.bias`, [out]] as const] : [])];
    return [
      ...mhaStateShapes({ embedDim: d, kdim: d, vdim: d, bias: b }).map(([k, shape]): StateShape => [`self_attn.${k}`, shape]),
      ...linear("linear1", f, d),
      ...linear("linear2", d, f),
      ...["norm1", "norm2"].flatMap((n): StateShape[] => [[`${n}.weight`, [d]], ...(b ? [[`${n}.bias`, [d]] as const] : [])]),
    ];
  },
});
