// The two sequence language models of issue 18 in TensorFlow.js, written with tf ops and trained
// with tf.train.sgd(lr).minimize, on whichever backend is active. tf.layers is not used: it lives
// in the @tensorflow/tfjs bundle, not in tfjs-core, and its LSTM has one bias per layer where
// PyTorch has two (b_ih and b_hh, each updated by SGD), so it could not start from the same
// weights and take the same step. The embedding is a product with the one-hot ids: tf.gather's
// gradient needs UnsortedSegmentSum, which the wasm backend does not register; the product gives
// the same numbers and the same gradient.
import * as tf from "@tensorflow/tfjs-core";
import { inputIds, param, rightFactor, targetIds, type LstmLmSpec, type SeqLmSpec, type TransformerLmSpec } from "./seq-types.js";
import { oneHotRows, type Prepared } from "./types.js";

const EPS = 1e-5;

/** The parameter `name` as a variable in PyTorch's layout (an embedding table, a bias). */
function asIs(spec: SeqLmSpec, name: string): tf.Variable {
  const { shape, data } = param(spec, name);
  return tf.tidy(() => tf.variable(tf.tensor(data, shape)));
}

/** A PyTorch (out, in) weight as the (in, out) variable that right-multiplies rows; a vector as is. */
function variableOf(spec: SeqLmSpec, name: string): tf.Variable {
  if (param(spec, name).shape.length !== 2) return asIs(spec, name);
  const { data, shape } = rightFactor(spec, name);
  return tf.tidy(() => tf.variable(tf.tensor2d(data, shape)));
}

function oneHots(spec: SeqLmSpec): { ids: tf.Tensor2D; target: tf.Tensor2D } {
  const rows = spec.batch * spec.seqLen;
  return {
    ids: tf.tensor2d(oneHotRows(inputIds(spec), spec.vocab), [rows, spec.vocab]),
    target: tf.tensor2d(oneHotRows(targetIds(spec), spec.vocab), [rows, spec.vocab]),
  };
}

/** Mean cross-entropy of logits (rows, V) against one-hot targets. */
function meanCrossEntropy(logits: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** One minimize step over `variables`; `run` returns the loss before the update. */
function sgdStep(lr: number, variables: tf.Variable[], constants: tf.Tensor[], loss: () => tf.Scalar): Prepared<number> {
  const optimizer = tf.train.sgd(lr);
  return {
    run: () => {
      const cost = optimizer.minimize(loss, true, variables);
      if (!cost) throw new Error("tfjs minimize returned no cost");
      const value = cost.dataSync()[0]!;
      cost.dispose();
      return value;
    },
    dispose: () => {
      tf.dispose([...variables, ...constants]);
      optimizer.dispose();
    },
  };
}

/** The LSTM language model: the 64 steps of each layer unrolled, the input projection of a layer
 * one product over every position, as in PyTorch's LSTM. */
function lstmStep(spec: LstmLmSpec): Prepared<number> {
  const { batch: B, seqLen: L, hiddenSize: H } = spec;
  const embedding = asIs(spec, "embedding.weight");
  const layers = Array.from({ length: spec.numLayers }, (_, k) => ({
    wih: variableOf(spec, `lstm.weight_ih_l${k}`), whh: variableOf(spec, `lstm.weight_hh_l${k}`),
    bih: variableOf(spec, `lstm.bias_ih_l${k}`), bhh: variableOf(spec, `lstm.bias_hh_l${k}`),
  }));
  const headW = variableOf(spec, "head.weight");
  const headB = variableOf(spec, "head.bias");
  const { ids, target } = oneHots(spec);
  const loss = (): tf.Scalar => {
    let x: tf.Tensor2D = tf.matMul(ids, embedding);
    for (const { wih, whh, bih, bhh } of layers) {
      const projected = tf.reshape(tf.add(tf.add(tf.matMul(x, wih), bih), bhh), [B, L, 4 * H]);
      const steps = tf.unstack(projected, 1) as tf.Tensor2D[];
      let h: tf.Tensor2D = tf.zeros([B, H]);
      let c: tf.Tensor2D = tf.zeros([B, H]);
      const outputs: tf.Tensor2D[] = [];
      for (let t = 0; t < L; t++) {
        const [i, f, g, o] = tf.split(tf.add(steps[t]!, tf.matMul(h, whh)), 4, 1) as tf.Tensor2D[];
        c = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(g!)));
        h = tf.mul(tf.sigmoid(o!), tf.tanh(c));
        outputs.push(h);
      }
      x = tf.reshape(tf.stack(outputs, 1), [B * L, H]);
    }
    return meanCrossEntropy(tf.add(tf.matMul(x, headW), headB), target);
  };
  const variables = [embedding, ...layers.flatMap((l) => [l.wih, l.whh, l.bih, l.bhh]), headW, headB];
  return sgdStep(spec.lr, variables, [ids, target], loss);
}

/** LayerNorm over the last axis of x (rows, d). */
function layerNorm(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, EPS))), weight), bias);
}

/** The transformer language model: post-norm encoder layers, attention from batched products and
 * softmax under an additive 0/−∞ causal mask (PyTorch turns a boolean mask into one). */
function transformerStep(spec: TransformerLmSpec): Prepared<number> {
  const { batch: B, seqLen: L, dModel: d, nhead } = spec;
  const headDim = d / nhead;
  const embedding = asIs(spec, "embedding.weight");
  const pos = asIs(spec, "pos");
  const names = ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"];
  const layers = Array.from({ length: spec.numLayers }, (_, k) => names.map((n) => variableOf(spec, `encoder.layers.${k}.${n}`)));
  const headW = variableOf(spec, "head.weight");
  const headB = variableOf(spec, "head.bias");
  const { ids, target } = oneHots(spec);
  const causal = tf.tidy(() => tf.where(tf.cast(tf.linalg.bandPart(tf.ones([L, L]), -1, 0), "bool"), tf.zeros([L, L]), tf.fill([L, L], -Infinity)));
  const heads = (t: tf.Tensor): tf.Tensor4D => tf.transpose(tf.reshape(t, [B, L, nhead, headDim]), [0, 2, 1, 3]);
  const loss = (): tf.Scalar => {
    let h = tf.reshape(tf.add(tf.reshape(tf.matMul(ids, embedding), [B, L, d]), pos), [B * L, d]) as tf.Tensor2D;
    for (const [inW, inB, outW, outB, w1, b1, w2, b2, n1W, n1B, n2W, n2B] of layers as tf.Variable[][]) {
      const [q, k, v] = tf.split(tf.add(tf.matMul(h, inW!), inB!), 3, 1).map(heads) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const scores = tf.add(tf.matMul(tf.mul(q, 1 / Math.sqrt(headDim)), k, false, true), causal);
      const attended = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), v), [0, 2, 1, 3]), [B * L, d]) as tf.Tensor2D;
      const a = layerNorm(tf.add(h, tf.add(tf.matMul(attended, outW!), outB!)), n1W!, n1B!);
      const ff = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(a, w1!), b1!)) as tf.Tensor2D, w2!), b2!);
      h = layerNorm(tf.add(a, ff), n2W!, n2B!);
    }
    return meanCrossEntropy(tf.add(tf.matMul(h, headW), headB), target);
  };
  return sgdStep(spec.lr, [embedding, pos, ...layers.flat(), headW, headB], [ids, target, causal], loss);
}

/** One SGD step of either language model on the active tfjs backend. */
export function tfjsSeqStep(spec: SeqLmSpec): Prepared<number> {
  return spec.kind === "lstm" ? lstmStep(spec) : transformerStep(spec);
}
