// PyTorch's MultiheadAttention: input projections packed in in_proj_weight (or separate ones when
// key and value have their own sizes), every head attended in one batched product, the output
// projection a Linear child named out_proj, so a PyTorch state dict loads unchanged.
import { add, attentionWithWeights, matmul, mean, reshape, slice, squeeze, transpose, unsqueeze, variable, Variable, type Operand } from "@strata/autograd";
import { Rng, ShapeError, ValueError, assign, rng as seeded, zeros } from "@strata/tensor";
import { checkDropout, show } from "./checks.js";
import { field } from "./config-fields.js";
import { checkParamOptions } from "./init.js";
import { xavierUniform } from "./init-nd.js";
import { layerInput, shapeText } from "./layer-input.js";
import { layerLabel } from "./layer-position.js";
import { guardTraining } from "./training-guard.js";
import { layerEntry, type StateShape } from "./layer-type.js";
import { Linear, checkCount, checkFlag } from "./linear.js";
import { attentionMask, type MaskOptions } from "./attention-masks.js";
import { Module } from "./module.js";

/**
 * Options of {@link MultiheadAttention}, PyTorch's arguments in camelCase: `dropout` (default 0)
 * on the attention weights in training; `bias` (default true) for the input and output
 * projections; `batchFirst` (default false: `(L, N, E)`); `kdim` and `vdim`, the sizes of key and
 * value (default embedDim); `rng` for the initial values and dropout; `dtype`.
 *
 * @example
 * ```ts
 * import { MultiheadAttention, type MultiheadAttentionOptions } from "@strata/nn";
 * const options: MultiheadAttentionOptions = { kdim: 3, vdim: 5, batchFirst: true };
 * console.log(new MultiheadAttention(8, 2, options).k_proj_weight?.shape); // [8, 3]
 * ```
 */
export interface MultiheadAttentionOptions {
  /** The probability of dropping an attention weight in training, in [0, 1] (default 0). */
  dropout?: number;
  /** Whether the input and output projections have biases (default true). */
  bias?: boolean;
  /** Inputs and output are (N, L, E) instead of (L, N, E) (default false). */
  batchFirst?: boolean;
  /** The size of each key (default embedDim). */
  kdim?: number;
  /** The size of each value (default embedDim). */
  vdim?: number;
  /** The generator of the initial values and of dropout's masks. */
  rng?: Rng;
  /** float32 (default) or float64. */
  dtype?: "float32" | "float64";
}

/**
 * Options of {@link MultiheadAttention.forward}, PyTorch's in camelCase: `attnMask` `(L, S)` or
 * `(N·numHeads, L, S)` and `keyPaddingMask` `(N, S)`, boolean (`true` is masked out) or float
 * (added to the scores); `needWeights` (default true) returns the attention weights,
 * `averageAttnWeights` (default true) averaged over the heads; `isCausal` masks key j for query i
 * when j > i if no attnMask is given (with one, attnMask is used as given: PyTorch's hint).
 *
 * @example
 * ```ts
 * import { MultiheadAttention, type MultiheadAttentionForwardOptions } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const mha = new MultiheadAttention(4, 2, { rng: rng(0) });
 * const options: MultiheadAttentionForwardOptions = { isCausal: true, averageAttnWeights: false };
 * const x = ones([3, 1, 4]); // (L, N, E)
 * console.log(mha.forward(x, x, x, options)[1]?.shape); // [1, 2, 3, 3]
 * ```
 */
export interface MultiheadAttentionForwardOptions extends MaskOptions {
  /** Return the attention weights (default true); false returns null in their place. */
  needWeights?: boolean;
  /** Average the weights over the heads, `(N, L, S)` (default true), or keep them per head, `(N, numHeads, L, S)`. */
  averageAttnWeights?: boolean;
}

/**
 * Multi-head attention, as PyTorch's `nn.MultiheadAttention`: `out_proj(concat(head₁, …, head_h))`
 * with `headᵢ = softmax(qᵢ·kᵢᵀ/√d + mask)·vᵢ`, d = embedDim / numHeads, and q, k, v the query,
 * key and value projected by `in_proj_weight` `(3·embedDim, embedDim)` and `in_proj_bias`
 * `(3·embedDim)` (rows q, k, v in that order); when kdim or vdim differ from embedDim, by
 * `q_proj_weight` `(E, E)`, `k_proj_weight` `(E, kdim)` and `v_proj_weight` `(E, vdim)` instead.
 * `forward(query, key, value, options)` takes `(L, N, E)`, `(S, N, kdim)`, `(S, N, vdim)`
 * (`(N, L, E)`, … with batchFirst; or unbatched `(L, E)`, …) and returns `[output, weights]`:
 * output like query, weights `(N, L, S)` averaged over heads (or `(N, numHeads, L, S)`, or null
 * without needWeights). Boolean masks: `true` is masked out (PyTorch's MultiheadAttention; the
 * opposite of scaledDotProductAttention's). A query whose every key is masked gets zero weights
 * and output `out_proj.bias` (PyTorch gives NaN). Dropout applies to the weights in training.
 * Initial values as PyTorch: xavier-uniform projections, zero biases, out_proj.weight as Linear's.
 *
 * @throws ValueError from the constructor when embedDim is not divisible by numHeads, a size is not
 *   an integer ≥ 1, dropout is not in [0, 1] or a flag is not a boolean.
 * @throws ShapeError from `forward` for inputs or masks of the wrong shapes (the message names the
 *   layer, the shapes and the layout expected); DTypeError for inputs or float masks not of the layer's dtype.
 * @example
 * ```ts
 * import { MultiheadAttention } from "@strata/nn";
 * import { randn, rng } from "@strata/tensor";
 * const mha = new MultiheadAttention(8, 2, { batchFirst: true, rng: rng(0) });
 * const x = randn([4, 5, 8], { rng: rng(1) }); // (N, L, E)
 * const [y, w] = mha.forward(x, x, x);
 * console.log(y.shape, w?.shape); // [4, 5, 8] [4, 5, 5]
 * console.log(Object.keys(mha.stateDict())); // ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
 * console.log(String(mha).split("\n")); // ["MultiheadAttention(", "  (out_proj): Linear(inFeatures=8, outFeatures=8, bias=true)", ")"]
 * ```
 */
export class MultiheadAttention extends Module<[Operand, Operand, Operand, MultiheadAttentionForwardOptions?], [Variable, Variable | null]> {
  /** The packed q, k, v projections `(3E, E)`, or null when kdim or vdim differ from embedDim. */
  readonly in_proj_weight: Variable | null;
  /** q's projection `(E, E)` when kdim or vdim differ from embedDim, else null. */
  readonly q_proj_weight: Variable | null;
  /** k's projection `(E, kdim)` when kdim or vdim differ from embedDim, else null. */
  readonly k_proj_weight: Variable | null;
  /** v's projection `(E, vdim)` when kdim or vdim differ from embedDim, else null. */
  readonly v_proj_weight: Variable | null;
  /** The biases of the q, k, v projections `(3E)`, or null without bias. */
  readonly in_proj_bias: Variable | null;
  /** The output projection, `(E, E)`. */
  readonly out_proj: Linear;
  /** E, the size of each query and output. */
  readonly embedDim: number;
  /** The number of heads h. */
  readonly numHeads: number;
  /** The size of each key. */
  readonly kdim: number;
  /** The size of each value. */
  readonly vdim: number;
  /** The probability of dropping an attention weight in training. */
  readonly dropout: number;
  /** Whether inputs are (N, L, E). */
  readonly batchFirst: boolean;
  readonly #rng: Rng | undefined;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const name = "MultiheadAttention";
    this.embedDim = checkCount(name, "embedDim", embedDim);
    this.numHeads = checkCount(name, "numHeads", numHeads);
    if (embedDim % numHeads !== 0) throw new ValueError(`${name}: embedDim (${embedDim}) must be divisible by numHeads (${numHeads}); each head takes embedDim / numHeads values`);
    this.kdim = checkCount(name, "kdim", options.kdim ?? embedDim);
    this.vdim = checkCount(name, "vdim", options.vdim ?? embedDim);
    this.dropout = checkDropout(name, options.dropout ?? 0);
    this.batchFirst = checkFlag(name, "batchFirst", options.batchFirst ?? false);
    const bias = checkFlag(name, "bias", options.bias ?? true);
    const { rng, dtype } = checkParamOptions(name, { ...(options.rng !== undefined && { rng: options.rng }), ...(options.dtype !== undefined && { dtype: options.dtype }) });
    this.#rng = options.rng;
    const param = (shape: number[]): Variable => variable(xavierUniform(shape, { rng, dtype }), { requiresGrad: true });
    const packed = this.kdim === embedDim && this.vdim === embedDim;
    this.in_proj_weight = packed ? param([3 * embedDim, embedDim]) : null;
    this.q_proj_weight = packed ? null : param([embedDim, embedDim]);
    this.k_proj_weight = packed ? null : param([embedDim, this.kdim]);
    this.v_proj_weight = packed ? null : param([embedDim, this.vdim]);
    this.in_proj_bias = bias ? variable(zeros([3 * embedDim], { dtype }), { requiresGrad: true }) : null;
    this.out_proj = new Linear(embedDim, embedDim, { bias, rng, dtype });
    if (this.out_proj.bias !== null) assign(this.out_proj.bias.data, 0);
  }

  /** The three projections' weights and biases, as views of the packed parameters when packed. */
  #projections(): [Variable, Variable | null][] {
    const e = this.embedDim;
    const b = this.in_proj_bias;
    const weights = this.in_proj_weight === null
      ? [this.q_proj_weight!, this.k_proj_weight!, this.v_proj_weight!]
      : [0, 1, 2].map((i) => slice(this.in_proj_weight!, [i * e, (i + 1) * e]));
    return weights.map((w, i) => [w, b === null ? null : slice(b, [i * e, (i + 1) * e])]);
  }

  /** Attends query to key and value: `[output, weights]` (see the class). */
  forward(query: Operand, key: Operand, value: Operand, options: MultiheadAttentionForwardOptions = {}): [Variable, Variable | null] {
    const label = layerLabel(this);
    const dtype = this.out_proj.weight.dtype;
    const [q0, k0, v0] = [query, key, value].map((x) => layerInput(this, x, dtype)) as [Variable, Variable, Variable];
    const { needWeights = true, averageAttnWeights = true } = options;
    checkFlag(label, "needWeights", needWeights);
    checkFlag(label, "averageAttnWeights", averageAttnWeights);
    const { n, l, s, batched } = this.#checkShapes(label, q0, k0, v0);
    // everything below is batch-first and batched: (N, L, E)
    const toBatchFirst = (x: Variable): Variable => (!batched ? unsqueeze(x, 0) : this.batchFirst ? x : transpose(x, [1, 0, 2]));
    const [q, k, v] = [q0, k0, v0].map(toBatchFirst) as [Variable, Variable, Variable];
    const [h, e] = [this.numHeads, this.embedDim];
    const d = e / h;
    const heads = (x: Variable, [w, b]: [Variable, Variable | null], len: number): Variable => {
      let y = matmul(reshape(x, [n * len, x.shape[2]!]), transpose(w));
      if (b !== null) y = add(y, b);
      return transpose(reshape(y, [n, len, h, d]), [0, 2, 1, 3]); // (N, h, len, d)
    };
    const [pq, pk, pv] = this.#projections() as [[Variable, Variable | null], [Variable, Variable | null], [Variable, Variable | null]];
    const mask = attentionMask(label, options, { n, h, l, s, batched, dtype });
    if (this.dropout > 0) guardTraining(this);
    const attended = attentionWithWeights(heads(q, pq, l), heads(k, pk, s), heads(v, pv, s), {
      mask, scale: 1 / Math.sqrt(d), dropoutP: this.training ? this.dropout : 0, ...(this.#rng !== undefined && { rng: this.#rng }),
    });
    const merged = reshape(transpose(attended.output, [0, 2, 1, 3]), [n * l, e]);
    let out = reshape(this.out_proj.forward(merged), [n, l, e]);
    out = !batched ? reshape(out, [l, e]) : this.batchFirst ? out : transpose(out, [1, 0, 2]);
    if (!needWeights) return [out, null];
    let weights = averageAttnWeights ? mean(attended.weights, { axis: 1 }) : attended.weights;
    if (!batched) weights = squeeze(weights, 0);
    return [out, weights];
  }

  /** The ranks and sizes of query, key and value checked; N, L, S and whether there is a batch axis. */
  #checkShapes(label: string, q: Variable, k: Variable, v: Variable): { n: number; l: number; s: number; batched: boolean } {
    const [e, kd, vd] = [this.embedDim, this.kdim, this.vdim];
    const layout = this.batchFirst ? `(N, L, ${e}), (N, S, ${kd}) and (N, S, ${vd})` : `(L, N, ${e}), (S, N, ${kd}) and (S, N, ${vd})`;
    const got = `got query ${shapeText(q.shape)}, key ${shapeText(k.shape)} and value ${shapeText(v.shape)}`;
    const batched = q.ndim === 3;
    if (!(q.ndim === 2 || q.ndim === 3) || k.ndim !== q.ndim || v.ndim !== q.ndim) {
      throw new ShapeError(`${label}: expected query, key and value ${layout}${this.batchFirst ? "" : " (sequence first; batchFirst: true takes (N, L, E))"}, or unbatched (L, ${e}), (S, ${kd}) and (S, ${vd}); ${got}`);
    }
    const [nAxis, seqAxis] = !batched ? [-1, 0] : this.batchFirst ? [0, 1] : [1, 0];
    const size = (x: Variable, axis: number): number => (axis < 0 ? 1 : x.shape[axis]!);
    const fix = q.shape.at(-1) !== e ? `query has ${q.shape.at(-1)} features, the layer was built for embedDim ${e}`
      : k.shape.at(-1) !== kd ? `key has ${k.shape.at(-1)} features, the layer was built for kdim ${kd}`
        : v.shape.at(-1) !== vd ? `value has ${v.shape.at(-1)} features, the layer was built for vdim ${vd}`
          : size(k, seqAxis) !== size(v, seqAxis) ? "key and value must have the same number of positions S"
            : size(q, nAxis) !== size(k, nAxis) || size(v, nAxis) !== size(k, nAxis) ? "query, key and value must have the same batch size N" : null;
    if (fix !== null) throw new ShapeError(`${label}: expected ${batched ? layout : `unbatched (L, ${e}), (S, ${kd}) and (S, ${vd})`}, ${got}; ${fix}`);
    return { n: size(q, nAxis), l: q.shape[seqAxis]!, s: k.shape[seqAxis]!, batched };
  }
}

const mhaFields = {
  embedDim: field.integer({ min: 1, max: 1 << 16 }),
  numHeads: field.integer({ min: 1, max: 1 << 16 }),
  dropout: field.number({ min: 0, max: 1 }),
  bias: field.boolean(),
  batchFirst: field.boolean(),
  kdim: field.integer({ min: 1, max: 1 << 16 }),
  vdim: field.integer({ min: 1, max: 1 << 16 }),
  dtype: field.dtype(),
};

/** The names and shapes of a MultiheadAttention's state, in PyTorch's order. @internal */
export function mhaStateShapes(c: { embedDim: number; kdim: number; vdim: number; bias: boolean }): StateShape[] {
  const e = c.embedDim;
  const packed = c.kdim === e && c.vdim === e;
  return [
    ...(packed ? [["in_proj_weight", [3 * e, e]] as const] : [["q_proj_weight", [e, e]] as const, ["k_proj_weight", [e, c.kdim]] as const, ["v_proj_weight", [e, c.vdim]] as const]),
    ...(c.bias ? [["in_proj_bias", [3 * e]] as const] : []),
    ["out_proj.weight", [e, e]],
    ...(c.bias ? [["out_proj.bias", [e]] as const] : []),
  ];
}

/** MultiheadAttention in architectures. @internal */
export const multiheadAttentionLayer = layerEntry(MultiheadAttention, {
  type: "MultiheadAttention",
  fields: mhaFields,
  config: (m) => ({
    embedDim: m.embedDim, numHeads: m.numHeads, dropout: m.dropout, bias: m.in_proj_bias !== null, batchFirst: m.batchFirst,
    kdim: m.kdim, vdim: m.vdim, dtype: m.out_proj.weight.dtype as "float32" | "float64",
  }),
  check: (c) => (c.embedDim % c.numHeads === 0 ? undefined : `embedDim (${c.embedDim}) must be divisible by numHeads (${c.numHeads})`),
  // a generator of its own: the weights are about to be loaded
  fromConfig: (c) => new MultiheadAttention(c.embedDim, c.numHeads, { ...c, rng: seeded(0) }),
  stateShapes: mhaStateShapes,
});
