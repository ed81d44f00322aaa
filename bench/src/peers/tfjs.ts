// TensorFlow.js (tfjs-core 4.22) as a peer, on its plain-JavaScript `cpu` backend and on its
// `wasm` backend (XNNPACK). Examples are rows here, as tfjs layers expect: X is (m, n0) and W[l]
// (n[l-1], n[l]), the transposes of Strata's arrays; the FLOPs are the same. Every op result is
// disposed (tf.tidy, or dispose right after the read-back), so memory stays flat over repetitions.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { registerTfjsGradients } from "./tfjs-gradients.js";
import { tfjsConvStep } from "./tfjs-lenet.js";
import { tfjsSeqStep } from "./tfjs-seq.js";
import { probeThreadedWasm, startThreadedWasm, wasmBinaries } from "./tfjs-wasm-threads.js";
import { oneHotRows, productShape, transposed, type NetworkSpec, type MulAddSpec, type Peer, type Prepared, type ProductSpec } from "./types.js";

function float32(values: tf.DataTypeMap["float32"] | Int32Array | Uint8Array): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

function product(spec: ProductSpec): Prepared<Float32Array> {
  const a = tf.tensor2d(spec.a, spec.aShape);
  const b = tf.tensor2d(spec.b, spec.bShape);
  const [rows, cols] = productShape(spec);
  return {
    run: () => {
      const c = tf.matMul(a, b, spec.transposeA, false);
      if (c.shape[0] !== rows || c.shape[1] !== cols) throw new Error(`tfjs matMul gave ${c.shape}, expected ${rows}x${cols}`);
      const values = float32(c.dataSync());
      c.dispose();
      return values;
    },
    dispose: () => tf.dispose([a, b]),
  };
}

/** The loss of the network on the whole batch: mean softmax cross-entropy over the rows, or
 * mean binary cross-entropy of sigmoid outputs, written out as Strata defines them. */
function lossOf(spec: NetworkSpec, logits: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  if (spec.head.kind === "softmax") return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  const p = tf.sigmoid(logits);
  const perExample = tf.add(tf.mul(target, tf.log(p)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, p))));
  return tf.neg(tf.mean(perExample)) as tf.Scalar;
}

function trainingStep(spec: NetworkSpec): Prepared<number> {
  const dims = spec.layerDims;
  const { m } = spec;
  // tidy disposes the temporary tensors the variables were made from, and keeps the variables
  const weights = tf.tidy(() => spec.weights.map((w, l) => tf.variable(tf.tensor2d(transposed(w, dims[l + 1]!, dims[l]!), [dims[l]!, dims[l + 1]!]))));
  const biases = tf.tidy(() => spec.biases.map((b) => tf.variable(tf.tensor1d(b))));
  const X = tf.tensor2d(transposed(spec.X, dims[0]!, m), [m, dims[0]!]);
  const k = dims.at(-1)!;
  const target = spec.head.kind === "softmax" ? tf.tensor2d(oneHotRows(spec.head.classes, k), [m, k]) : tf.tensor2d(spec.head.labels, [m, 1]);
  const forward = (): tf.Tensor2D => {
    let A: tf.Tensor2D = X;
    weights.forEach((W, l) => {
      const Z = tf.add(tf.matMul(A, W), biases[l]!) as tf.Tensor2D;
      A = l < weights.length - 1 ? tf.relu(Z) : Z;
    });
    return A;
  };
  const optimizer = tf.train.sgd(spec.lr);
  return {
    run: () => {
      const cost = optimizer.minimize(() => lossOf(spec, forward(), target), true, [...weights, ...biases]);
      if (!cost) throw new Error("tfjs minimize returned no cost");
      const value = cost.dataSync()[0]!;
      cost.dispose();
      return value;
    },
    dispose: () => {
      tf.dispose([...weights, ...biases, X, target]);
      optimizer.dispose();
    },
  };
}

function relu(data: Float32Array): Prepared<Float32Array> {
  const x = tf.tensor1d(data);
  return {
    run: () => {
      const y = tf.relu(x);
      const values = float32(y.dataSync());
      y.dispose();
      return values;
    },
    dispose: () => x.dispose(),
  };
}

function reluWithoutReadBack(data: Float32Array): { how: string; prepared: Prepared<void> } {
  const x = tf.tensor1d(data);
  return {
    // Both backends compute inside the op call (the cpu kernels in JavaScript, the wasm ones by a
    // synchronous call into the module), so the op alone is the whole cost.
    how: "tfjs: the op call itself (its cpu and wasm kernels run synchronously)",
    prepared: { run: () => tf.relu(x).dispose(), dispose: () => x.dispose() },
  };
}

/** a·b + c as tfjs users write it: the intermediate product disposed by tidy. */
function mulAdd(spec: MulAddSpec): Prepared<Float32Array> {
  const [a, b, c] = [tf.tensor1d(spec.a), tf.tensor1d(spec.b), tf.tensor1d(spec.c)];
  return {
    run: () => {
      const y = tf.tidy(() => tf.add(tf.mul(a, b), c));
      const values = float32(y.dataSync());
      y.dispose();
      return values;
    },
    dispose: () => tf.dispose([a, b, c]),
  };
}

function mulAddWithoutReadBack(spec: MulAddSpec): { how: string; prepared: Prepared<void> } {
  const [a, b, c] = [tf.tensor1d(spec.a), tf.tensor1d(spec.b), tf.tensor1d(spec.c)];
  return {
    how: "tfjs: the op calls themselves",
    prepared: { run: () => tf.tidy(() => tf.add(tf.mul(a, b), c)).dispose(), dispose: () => tf.dispose([a, b, c]) },
  };
}

/** tfjs's production mode, as its docs advise for speed: no debug checks, and no console banner
 * suggesting tfjs-node in the middle of the table. */
function productionMode(): void {
  tf.enableProdMode();
}

function peer(id: string, label: string, backend: string, close: () => Promise<void>): Peer {
  return {
    id,
    label,
    activate: async () => {
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    },
    product,
    trainingStep,
    convStep: tfjsConvStep,
    seqStep: tfjsSeqStep,
    relu,
    reluWithoutReadBack,
    mulAdd,
    mulAddWithoutReadBack,
    liveObjects: () => tf.memory().numTensors,
    close,
  };
}

/** tfjs on its `cpu` backend (plain JavaScript kernels, one thread). */
export async function tfjsCpuPeer(): Promise<Peer> {
  await registerTfjsGradients();
  productionMode();
  const p = peer("tfjs-cpu", "tfjs-cpu (tfjs-backend-cpu, JavaScript kernels, 1 thread)", "cpu", async () => {});
  await p.activate();
  return p;
}

/**
 * tfjs on its `wasm` backend with `threads` threads: the SIMD + threads binary when a probe in a
 * child process shows it starts in this Node (see tfjs-wasm-threads.ts), else the best binary
 * tfjs picks by itself, and the label says which ran and why.
 */
export async function tfjsWasmPeer(threads: number): Promise<Peer> {
  await registerTfjsGradients();
  productionMode();
  const probe = probeThreadedWasm(threads);
  let label: string;
  let release = (): void => {};
  if (probe.ok) {
    const started = await startThreadedWasm(threads);
    release = started.release;
    label = `tfjs-wasm (XNNPACK, SIMD + threads binary, ${started.threads} thread${started.threads === 1 ? "" : "s"}; started in Node by a shim)`;
  } else {
    setWasmPaths(wasmBinaries);
    if (!(await tf.setBackend("wasm"))) throw new Error("tf.setBackend('wasm') failed");
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    label = `tfjs-wasm (XNNPACK, ${simd ? "SIMD" : "no SIMD"}, 1 thread: threaded binary failed in Node: ${probe.reason})`;
  }
  // Removing the backend terminates its pthread workers, which would otherwise keep Node alive.
  return peer("tfjs-wasm", label, "wasm", async () => {
    tf.removeBackend("wasm");
    release();
  });
}
