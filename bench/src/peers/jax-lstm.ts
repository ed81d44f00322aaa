// The LSTM language model's training step (issue 18) in jax-js, the whole step in one jit
// (jax-sgd.ts). jax-js 0.1.25 has no scan or loop primitive, so the 64 time steps of each layer
// are unrolled while tracing: 128 cells, each a product with the recurrent weight plus the gate
// arithmetic. The input projection of a layer is one product over every position, as PyTorch's
// LSTM does it. The embedding is a product with the one-hot ids (the same numbers as a gather, and
// its gradient is the same scatter-add).
import { nn, numpy as np } from "@jax-js/jax";
import { jittedSgd } from "./jax-sgd.js";
import { inputIds, param, rightFactor, targetIds, type LstmLmSpec } from "./seq-types.js";
import { oneHotRows, type Prepared } from "./types.js";

type Layer = { wih: np.Array; whh: np.Array; bih: np.Array; bhh: np.Array };
type Params = { embedding: np.Array; layers: Layer[]; headW: np.Array; headB: np.Array };

/** A PyTorch (out, in) weight as the (in, out) array that right-multiplies rows. */
function rightArray(spec: LstmLmSpec, name: string): np.Array {
  const { data, shape } = rightFactor(spec, name);
  return np.array(data, { shape });
}

/** One LSTM layer over x (B, L, in) from zero states; returns every step's h, (B, L, H). Each
 * array is consumed by its last use, so the ones used again are passed as `.ref`. */
function lstmLayer(x: np.Array, layer: Layer, B: number, L: number, H: number): np.Array {
  const inF = x.shape[2]!;
  const projected = np.matmul(x.reshape([B * L, inF]), layer.wih).add(layer.bih).add(layer.bhh).reshape([B, L, 4 * H]);
  const steps = np.unstack(projected, 1);
  let h = np.zeros([B, H]);
  let c = np.zeros([B, H]);
  const outputs: np.Array[] = [];
  for (let t = 0; t < L; t++) {
    const gates = steps[t]!.add(np.matmul(h, layer.whh.ref));
    const [i, f, g, o] = np.split(gates, 4, 1) as [np.Array, np.Array, np.Array, np.Array];
    c = nn.sigmoid(f).mul(c).add(nn.sigmoid(i).mul(np.tanh(g)));
    h = nn.sigmoid(o).mul(np.tanh(c.ref));
    outputs.push(h.ref);
  }
  layer.whh.dispose();
  h.dispose();
  c.dispose();
  return np.stack(outputs, 1);
}

/** One jitted SGD step of the LSTM language model; `run` returns the loss before the update. */
export function jaxLstmStep(spec: LstmLmSpec): Prepared<number> {
  const { batch: B, seqLen: L, vocab: V, embeddingDim: E, hiddenSize: H, numLayers } = spec;
  const params: Params = {
    embedding: np.array(param(spec, "embedding.weight").data, { shape: [V, E] }),
    layers: Array.from({ length: numLayers }, (_, k) => ({
      wih: rightArray(spec, `lstm.weight_ih_l${k}`),
      whh: rightArray(spec, `lstm.weight_hh_l${k}`),
      bih: np.array(param(spec, `lstm.bias_ih_l${k}`).data),
      bhh: np.array(param(spec, `lstm.bias_hh_l${k}`).data),
    })),
    headW: rightArray(spec, "head.weight"),
    headB: np.array(param(spec, "head.bias").data),
  };
  const ids = np.array(oneHotRows(inputIds(spec), V), { shape: [B * L, V] });
  const target = np.array(oneHotRows(targetIds(spec), V), { shape: [B * L, V] });
  const loss = (p: Params, x: np.Array, y: np.Array): np.Array => {
    let h = np.matmul(x, p.embedding).reshape([B, L, E]);
    for (const layer of p.layers) h = lstmLayer(h, layer, B, L, H);
    const logits = np.matmul(h.reshape([B * L, H]), p.headW).add(p.headB);
    return y.mul(nn.logSoftmax(logits)).sum().mul(-1 / (B * L));
  };
  return jittedSgd(params, ids, target, spec.lr, loss);
}
