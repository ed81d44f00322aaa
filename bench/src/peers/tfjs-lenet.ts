// The LeNet-like training step in TensorFlow.js. tfjs's CPU kernels take images as NHWC and
// filters as (kH, kW, inC, outC), so the NCHW data and PyTorch-layout weights are rearranged once
// when the workload is built; before the flatten the activations go back to channel-major order,
// so that the linear layer sees the same 256 features in the same order as in PyTorch and Strata.
import * as tf from "@tensorflow/tfjs-core";
import { oneHotRows, transposed, type ConvNetSpec, type LayerWeights, type Prepared } from "./types.js";

/** (outC, inC, kH, kW) row-major → (kH, kW, inC, outC). */
function filterHWIO(w: LayerWeights): tf.Tensor4D {
  const [o, i, kh, kw] = w.weightShape as [number, number, number, number];
  return tf.tidy(() => tf.transpose(tf.tensor4d(w.weight, [o, i, kh, kw]), [2, 3, 1, 0]) as tf.Tensor4D);
}

/** One SGD step of the LeNet-like net through optimizer.minimize; `run` returns the loss before the update. */
export function tfjsConvStep(spec: ConvNetSpec): Prepared<number> {
  const { n } = spec;
  const vars = tf.tidy(() => ({
    w1: tf.variable(filterHWIO(spec.conv1)), b1: tf.variable(tf.tensor1d(spec.conv1.bias)),
    w2: tf.variable(filterHWIO(spec.conv2)), b2: tf.variable(tf.tensor1d(spec.conv2.bias)),
    wfc: tf.variable(tf.tensor2d(transposed(spec.fc.weight, 10, 256), [256, 10])), bfc: tf.variable(tf.tensor1d(spec.fc.bias)),
  }));
  const X = tf.tidy(() => tf.transpose(tf.tensor4d(spec.X, [n, 1, 28, 28]), [0, 2, 3, 1]) as tf.Tensor4D);
  const target = tf.tensor2d(oneHotRows(spec.labels, 10), [n, 10]);
  const forward = (): tf.Tensor2D => {
    let h: tf.Tensor4D = tf.add(tf.conv2d(X, vars.w1, 1, "valid"), vars.b1);
    h = tf.maxPool(tf.relu(h), 2, 2, "valid");
    h = tf.add(tf.conv2d(h, vars.w2, 1, "valid"), vars.b2);
    h = tf.maxPool(tf.relu(h), 2, 2, "valid");
    const flat = tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [n, 256]) as tf.Tensor2D;
    return tf.add(tf.matMul(flat, vars.wfc), vars.bfc) as tf.Tensor2D;
  };
  const optimizer = tf.train.sgd(spec.lr);
  const all = Object.values(vars);
  return {
    run: () => {
      const cost = optimizer.minimize(() => tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(forward())), 1))) as tf.Scalar, true, all);
      if (!cost) throw new Error("tfjs minimize returned no cost");
      const value = cost.dataSync()[0]!;
      cost.dispose();
      return value;
    },
    dispose: () => {
      tf.dispose([...all, X, target]);
      optimizer.dispose();
    },
  };
}
