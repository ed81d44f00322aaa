// The sequence workloads' inputs (issue 18), drawn once with Strata's rng: a batch of tokens and
// initial weights drawn as PyTorch's default initialisation draws them, named and laid out as in
// PyTorch's state dict. Every framework, Strata included, starts from these numbers.
import { rand, randint, randn, rng, type Rng, type Tensor } from "@strata/tensor";
import type { LstmLmSpec, ParamSpec, TransformerLmSpec } from "./peers/seq-types.js";

/** The sizes of issue 18's "Measure" section. */
export const SEQ = { batch: 32, seqLen: 64, vocab: 65, lr: 0.1 } as const;

function values(t: Tensor, shape: number[]): ParamSpec {
  return { shape, data: Float32Array.from(t.toTypedArray()) };
}

/** Uniform in ±bound: PyTorch's Linear weight and bias (bound 1/√fanIn), every LSTM tensor (1/√H). */
function uniform(shape: number[], bound: number, r: Rng): ParamSpec {
  return values(rand(shape, { rng: r }).mul(2 * bound).sub(bound), shape);
}

function constant(shape: number[], value: number): ParamSpec {
  return { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value) };
}

function tokens(batch: number, seqLen: number, vocab: number, r: Rng): Int32Array {
  return Int32Array.from(randint(0, vocab, [batch, seqLen + 1], { rng: r }).toTypedArray());
}

function linear(params: Record<string, ParamSpec>, prefix: string, out: number, inF: number, r: Rng): void {
  params[`${prefix}.weight`] = uniform([out, inF], 1 / Math.sqrt(inF), r);
  params[`${prefix}.bias`] = uniform([out], 1 / Math.sqrt(inF), r);
}

/** The LSTM language model's workload: Embedding(65, 64) → LSTM(64, 256, 2 layers) → Linear(256, 65). */
export function lstmLmSpec(seed: number, sizes = { embeddingDim: 64, hiddenSize: 256, numLayers: 2, ...SEQ }): LstmLmSpec {
  const r = rng(seed);
  const { batch, seqLen, vocab, lr, embeddingDim, hiddenSize: H, numLayers } = sizes;
  const params: Record<string, ParamSpec> = { "embedding.weight": values(randn([vocab, embeddingDim], { rng: r }), [vocab, embeddingDim]) };
  for (let k = 0; k < numLayers; k++) {
    const inF = k === 0 ? embeddingDim : H;
    const bound = 1 / Math.sqrt(H);
    params[`lstm.weight_ih_l${k}`] = uniform([4 * H, inF], bound, r);
    params[`lstm.weight_hh_l${k}`] = uniform([4 * H, H], bound, r);
    params[`lstm.bias_ih_l${k}`] = uniform([4 * H], bound, r);
    params[`lstm.bias_hh_l${k}`] = uniform([4 * H], bound, r);
  }
  linear(params, "head", vocab, H, r);
  return { kind: "lstm", batch, seqLen, vocab, lr, embeddingDim, hiddenSize: H, numLayers, tokens: tokens(batch, seqLen, vocab, r), params };
}

/**
 * The transformer language model's workload: Embedding(65, 128) + pos (64, 128) → 2 ×
 * TransformerEncoderLayer(128, 4 heads, ff 512) → Linear(128, 65). PyTorch's MultiheadAttention
 * draws in_proj_weight Xavier-uniform and sets both attention biases to 0; LayerNorm starts at
 * weight 1, bias 0. `pos` has no PyTorch default: N(0, 0.02²).
 */
export function transformerLmSpec(seed: number, sizes = { dModel: 128, nhead: 4, dimFeedforward: 512, numLayers: 2, ...SEQ }): TransformerLmSpec {
  const r = rng(seed);
  const { batch, seqLen, vocab, lr, dModel: d, nhead, dimFeedforward: ff, numLayers } = sizes;
  const params: Record<string, ParamSpec> = {
    "embedding.weight": values(randn([vocab, d], { rng: r }), [vocab, d]),
    pos: values(randn([seqLen, d], { rng: r }).mul(0.02), [seqLen, d]),
  };
  for (let k = 0; k < numLayers; k++) {
    const at = `encoder.layers.${k}.`;
    params[`${at}self_attn.in_proj_weight`] = uniform([3 * d, d], Math.sqrt(6 / (d + 3 * d)), r);
    params[`${at}self_attn.in_proj_bias`] = constant([3 * d], 0);
    params[`${at}self_attn.out_proj.weight`] = uniform([d, d], 1 / Math.sqrt(d), r);
    params[`${at}self_attn.out_proj.bias`] = constant([d], 0);
    linear(params, `${at}linear1`, ff, d, r);
    linear(params, `${at}linear2`, d, ff, r);
    for (const norm of ["norm1", "norm2"]) {
      params[`${at}${norm}.weight`] = constant([d], 1);
      params[`${at}${norm}.bias`] = constant([d], 0);
    }
  }
  linear(params, "head", vocab, d, r);
  return { kind: "transformer", batch, seqLen, vocab, lr, dModel: d, nhead, dimFeedforward: ff, numLayers, tokens: tokens(batch, seqLen, vocab, r), params };
}
