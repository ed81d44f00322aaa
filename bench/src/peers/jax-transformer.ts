// The transformer language model's training step (issue 18) in jax-js, the whole step in one jit
// (jax-sgd.ts). Attention is written out with batched products and softmax: jax-js's own
// nn.dotProductAttention fails in Node 20 (it parses an einsum with `matchAll(…).map`, an iterator
// helper that Node 20 lacks). The causal mask is an additive 0/−∞ matrix, as PyTorch turns a
// boolean mask into one. LayerNorm is written out from mean and variance, as jax-js has no layer;
// the embedding is a product with the one-hot ids (the same numbers as a gather, and its gradient
// is the same scatter-add).
import { nn, numpy as np } from "@jax-js/jax";
import { jittedSgd } from "./jax-sgd.js";
import { inputIds, param, rightFactor, targetIds, type TransformerLmSpec } from "./seq-types.js";
import { oneHotRows, type Prepared } from "./types.js";

type Layer = {
  inW: np.Array; inB: np.Array; outW: np.Array; outB: np.Array;
  w1: np.Array; b1: np.Array; w2: np.Array; b2: np.Array;
  norm1W: np.Array; norm1B: np.Array; norm2W: np.Array; norm2B: np.Array;
};
type Params = { embedding: np.Array; pos: np.Array; layers: Layer[]; headW: np.Array; headB: np.Array };

const EPS = 1e-5;

/** A PyTorch (out, in) weight as the (in, out) array that right-multiplies rows. */
function rightArray(spec: TransformerLmSpec, name: string): np.Array {
  const { data, shape } = rightFactor(spec, name);
  return np.array(data, { shape });
}

/** LayerNorm over the last axis of x (rows, d): (x − mean) / √(var + eps) · weight + bias. */
function layerNorm(x: np.Array, weight: np.Array, bias: np.Array): np.Array {
  const centred = x.sub(np.mean(x.ref, -1, { keepdims: true }));
  const variance = np.mean(np.square(centred.ref), -1, { keepdims: true });
  return centred.div(np.sqrt(variance.add(EPS))).mul(weight).add(bias);
}

/** One post-norm encoder layer on h (B·L, d): h = norm1(h + attention(h)); h = norm2(h + ff(h)). */
function encoderLayer(h: np.Array, p: Layer, spec: TransformerLmSpec): np.Array {
  const { batch: B, seqLen: L, dModel: d, nhead } = spec;
  const headDim = d / nhead;
  const qkv = np.matmul(h.ref, p.inW).add(p.inB).reshape([B, L, 3, nhead, headDim]);
  // each (B, heads, L, headDim)
  const [q, k, v] = np.split(qkv, 3, 2).map((a) => a.reshape([B, L, nhead, headDim]).transpose([0, 2, 1, 3])) as [np.Array, np.Array, np.Array];
  const causal = np.triu(np.full([L, L], -Infinity), 1);
  const scores = np.matmul(q.mul(1 / Math.sqrt(headDim)), k.transpose([0, 1, 3, 2])).add(causal);
  const attended = np.matmul(nn.softmax(scores, -1), v).transpose([0, 2, 1, 3]).reshape([B * L, d]);
  const a = layerNorm(h.add(np.matmul(attended, p.outW).add(p.outB)), p.norm1W, p.norm1B);
  const ff = np.matmul(nn.relu(np.matmul(a.ref, p.w1).add(p.b1)), p.w2).add(p.b2);
  return layerNorm(a.add(ff), p.norm2W, p.norm2B);
}

/** One jitted SGD step of the transformer language model; `run` returns the loss before the update. */
export function jaxTransformerStep(spec: TransformerLmSpec): Prepared<number> {
  const { batch: B, seqLen: L, vocab: V, dModel: d } = spec;
  const vector = (name: string): np.Array => np.array(param(spec, name).data);
  const params: Params = {
    embedding: np.array(param(spec, "embedding.weight").data, { shape: [V, d] }),
    pos: np.array(param(spec, "pos").data, { shape: [L, d] }),
    layers: Array.from({ length: spec.numLayers }, (_, k) => {
      const at = `encoder.layers.${k}.`;
      return {
        inW: rightArray(spec, `${at}self_attn.in_proj_weight`), inB: vector(`${at}self_attn.in_proj_bias`),
        outW: rightArray(spec, `${at}self_attn.out_proj.weight`), outB: vector(`${at}self_attn.out_proj.bias`),
        w1: rightArray(spec, `${at}linear1.weight`), b1: vector(`${at}linear1.bias`),
        w2: rightArray(spec, `${at}linear2.weight`), b2: vector(`${at}linear2.bias`),
        norm1W: vector(`${at}norm1.weight`), norm1B: vector(`${at}norm1.bias`),
        norm2W: vector(`${at}norm2.weight`), norm2B: vector(`${at}norm2.bias`),
      };
    }),
    headW: rightArray(spec, "head.weight"),
    headB: vector("head.bias"),
  };
  const ids = np.array(oneHotRows(inputIds(spec), V), { shape: [B * L, V] });
  const target = np.array(oneHotRows(targetIds(spec), V), { shape: [B * L, V] });
  const loss = (p: Params, x: np.Array, y: np.Array): np.Array => {
    let h = np.matmul(x, p.embedding).reshape([B, L, d]).add(p.pos).reshape([B * L, d]);
    for (const layer of p.layers) h = encoderLayer(h, layer, spec);
    const logits = np.matmul(h, p.headW).add(p.headB);
    return y.mul(nn.logSoftmax(logits)).sum().mul(-1 / (B * L));
  };
  return jittedSgd(params, ids, target, spec.lr, loss);
}
