// The two sequence-model workloads of issue 18 as every framework receives them: the token batch
// and the initial weights, drawn once, with PyTorch's state-dict names and layouts. A peer reads
// the weights it needs by name and rearranges them (transposes, splits) while building its step,
// outside the timed region.

import { transposed } from "./types.js";

/** One parameter in PyTorch's layout: row-major values and shape. */
export interface ParamSpec {
  shape: number[];
  data: Float32Array;
}

/** What both language models share: the tokens, the loss and the optimiser. */
export interface SeqLmBase {
  /** Sequences per batch (32). */
  batch: number;
  /** Positions per sequence (64): the input is tokens[:, :seqLen], the target tokens[:, 1:]. */
  seqLen: number;
  /** Vocabulary size (65); tokens are in 0..vocab-1. */
  vocab: number;
  /** (batch, seqLen + 1) token ids, row-major. */
  tokens: Int32Array;
  /** Plain SGD on the mean cross-entropy over the batch · seqLen positions. */
  lr: number;
  /** Initial weights by PyTorch state-dict name, in PyTorch's parameter order. */
  params: Record<string, ParamSpec>;
}

/**
 * Embedding(vocab, embeddingDim) → LSTM(embeddingDim, hiddenSize, numLayers, batchFirst) →
 * Linear(hiddenSize, vocab). Names: `embedding.weight`; `lstm.weight_ih_l{k}` (4H, in),
 * `lstm.weight_hh_l{k}` (4H, H), `lstm.bias_ih_l{k}`, `lstm.bias_hh_l{k}` (4H), gates in the
 * order i, f, g, o; `head.weight` (vocab, H), `head.bias`.
 */
export interface LstmLmSpec extends SeqLmBase {
  kind: "lstm";
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
}

/**
 * Embedding(vocab, dModel) plus a learned positional parameter `pos` (seqLen, dModel) →
 * numLayers post-norm TransformerEncoderLayers (relu, dropout 0, batchFirst) under a causal mask
 * → Linear(dModel, vocab). Per layer `encoder.layers.{k}.` + `self_attn.in_proj_weight` (3d, d, rows
 * q then k then v), `self_attn.in_proj_bias`, `self_attn.out_proj.weight|bias`,
 * `linear1.weight|bias` (ff, d), `linear2.weight|bias` (d, ff), `norm1.weight|bias`,
 * `norm2.weight|bias`; LayerNorm eps 1e-5.
 */
export interface TransformerLmSpec extends SeqLmBase {
  kind: "transformer";
  dModel: number;
  nhead: number;
  dimFeedforward: number;
  numLayers: number;
}

/** Either language model. */
export type SeqLmSpec = LstmLmSpec | TransformerLmSpec;

/** The model's input ids, tokens[:, :seqLen], row-major (batch, seqLen). */
export function inputIds(spec: SeqLmBase): Int32Array {
  const { batch, seqLen, tokens } = spec;
  const out = new Int32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) out.set(tokens.subarray(b * (seqLen + 1), b * (seqLen + 1) + seqLen), b * seqLen);
  return out;
}

/** The targets, tokens[:, 1:], row-major (batch, seqLen). */
export function targetIds(spec: SeqLmBase): Int32Array {
  const { batch, seqLen, tokens } = spec;
  const out = new Int32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) out.set(tokens.subarray(b * (seqLen + 1) + 1, (b + 1) * (seqLen + 1)), b * seqLen);
  return out;
}

/** The parameter `name`, or an error naming what the spec holds. */
export function param(spec: SeqLmBase, name: string): ParamSpec {
  const p = spec.params[name];
  if (!p) throw new Error(`sequence workload: no parameter "${name}" (have ${Object.keys(spec.params).slice(0, 4).join(", ")}, …)`);
  return p;
}

/** A PyTorch (out, in) weight as the (in, out) matrix that right-multiplies rows: its values and shape. */
export function rightFactor(spec: SeqLmBase, name: string): { data: Float32Array; shape: [number, number] } {
  const { shape, data } = param(spec, name);
  return { data: transposed(data, shape[0]!, shape[1]!), shape: [shape[1]!, shape[0]!] };
}
