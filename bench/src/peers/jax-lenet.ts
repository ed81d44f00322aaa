// The LeNet-like training step in jax-js: lax.conv for the convolutions, max pooling as a max over
// the two 2-wide axes of a reshape (exact for 2×2 windows with stride 2 on even sizes), and the
// whole step (forward, backward, update) in one jit (jax-sgd.ts), as jax-js is meant to be used.
import { lax, nn, numpy as np } from "@jax-js/jax";
import { jittedSgd } from "./jax-sgd.js";
import { oneHotRows, transposed, type ConvNetSpec, type Prepared } from "./types.js";

type Params = { w1: np.Array; b1: np.Array; w2: np.Array; b2: np.Array; wfc: np.Array; bfc: np.Array };

function pool2(h: np.Array): np.Array {
  const [n, c, height, width] = h.shape as [number, number, number, number];
  return np.max(h.reshape([n, c, height / 2, 2, width / 2, 2]), [3, 5]);
}

function forward(p: Params, x: np.Array, n: number): np.Array {
  let h = lax.conv(x, p.w1, [1, 1], "VALID").add(p.b1.reshape([1, 8, 1, 1]));
  h = pool2(nn.relu(h));
  h = lax.conv(h, p.w2, [1, 1], "VALID").add(p.b2.reshape([1, 16, 1, 1]));
  h = pool2(nn.relu(h));
  return np.matmul(h.reshape([n, 256]), p.wfc).add(p.bfc);
}

/** One jitted SGD step of the LeNet-like net; `run` returns the loss before the update. */
export function jaxConvStep(spec: ConvNetSpec): Prepared<number> {
  const { n, lr } = spec;
  const array = (w: { weight: Float32Array; weightShape: number[] }): np.Array => np.array(w.weight, { shape: w.weightShape });
  const params: Params = {
    w1: array(spec.conv1), b1: np.array(spec.conv1.bias),
    w2: array(spec.conv2), b2: np.array(spec.conv2.bias),
    wfc: np.array(transposed(spec.fc.weight, 10, 256), { shape: [256, 10] }), bfc: np.array(spec.fc.bias),
  };
  const X = np.array(spec.X, { shape: [n, 1, 28, 28] });
  const target = np.array(oneHotRows(spec.labels, 10), { shape: [n, 10] });
  const loss = (p: Params, x: np.Array, y: np.Array): np.Array => y.mul(nn.logSoftmax(forward(p, x, n))).sum().mul(-1 / n);
  return jittedSgd(params, X, target, lr, loss);
}
