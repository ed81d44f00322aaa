// jax-js 0.1.25 as a peer, on its `wasm` device with jit. In Node 20 that device runs on the main
// thread only: it spreads kernels over Web Workers when `Worker` and SharedArrayBuffer exist, and
// Node 20 has no global `Worker` (its webgpu/webgl devices need a browser). Arrays are reference
// counted: every call consumes its array arguments, so inputs kept across calls are passed as
// `.ref`, and `dataSync()` consumes the array it reads. Evaluation is lazy until a read.
import { init, jit, nn, numpy as np, tree } from "@jax-js/jax";
import { jaxConvStep } from "./jax-lenet.js";
import { jittedSgd } from "./jax-sgd.js";
import { jaxLstmStep } from "./jax-lstm.js";
import { jaxTransformerStep } from "./jax-transformer.js";
import { oneHotRows, productShape, transposed, type NetworkSpec, type MulAddSpec, type Peer, type Prepared, type PreparedAsync, type ProductSpec } from "./types.js";

type Params = { W: np.Array[]; b: np.Array[] };

function float32(values: ArrayLike<number>): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

function product(spec: ProductSpec): Prepared<Float32Array> {
  const a = np.array(spec.a, { shape: spec.aShape });
  const b = np.array(spec.b, { shape: spec.bShape });
  const multiply = jit(spec.transposeA ? (x: np.Array, y: np.Array) => np.matmul(x.transpose(), y) : (x: np.Array, y: np.Array) => np.matmul(x, y));
  const [rows, cols] = productShape(spec);
  return {
    run: () => {
      const c = multiply(a.ref, b.ref);
      if (c.shape[0] !== rows || c.shape[1] !== cols) throw new Error(`jax-js matmul gave ${c.shape}, expected ${rows}x${cols}`);
      return float32(c.dataSync());
    },
    dispose: () => {
      tree.dispose([a, b]);
      multiply.dispose();
    },
  };
}

/** Mean softmax cross-entropy over the rows, or mean binary cross-entropy of sigmoid outputs. */
function lossOf(spec: NetworkSpec, logits: np.Array, target: np.Array): np.Array {
  const m = spec.m;
  if (spec.head.kind === "softmax") return target.mul(nn.logSoftmax(logits)).sum().mul(-1 / m);
  const p = nn.sigmoid(logits);
  const perElement = target.ref.mul(np.log(p.ref)).add(np.subtract(1, target).mul(np.log(np.subtract(1, p))));
  return perElement.sum().mul(-1 / m);
}

function forward(params: Params, X: np.Array): np.Array {
  let A = X;
  params.W.forEach((W, l) => {
    const Z = np.matmul(A, W).add(params.b[l]!);
    A = l < params.W.length - 1 ? nn.relu(Z) : Z;
  });
  return A;
}

function trainingStep(spec: NetworkSpec): Prepared<number> {
  const dims = spec.layerDims;
  const { m } = spec;
  const k = dims.at(-1)!;
  const params: Params = {
    W: spec.weights.map((w, l) => np.array(transposed(w, dims[l + 1]!, dims[l]!), { shape: [dims[l]!, dims[l + 1]!] })),
    b: spec.biases.map((b) => np.array(b)),
  };
  const X = np.array(transposed(spec.X, dims[0]!, m), { shape: [m, dims[0]!] });
  const target = spec.head.kind === "softmax" ? np.array(oneHotRows(spec.head.classes, k), { shape: [m, k] }) : np.array(spec.head.labels, { shape: [m, 1] });
  const loss = (p: Params, x: np.Array, y: np.Array): np.Array => lossOf(spec, forward(p, x), y);
  return jittedSgd(params, X, target, spec.lr, loss);
}

function relu(data: Float32Array): Prepared<Float32Array> {
  const x = np.array(data);
  const apply = jit((v: np.Array) => nn.relu(v));
  return {
    run: () => float32(apply(x.ref).dataSync()),
    dispose: () => {
      x.dispose();
      apply.dispose();
    },
  };
}

function reluWithoutReadBack(data: Float32Array): { how: string; prepared: PreparedAsync } {
  const x = np.array(data);
  const apply = jit((v: np.Array) => nn.relu(v));
  return {
    how: "jax-js: await blockUntilReady() on the result (dispatches and waits, no copy)",
    prepared: {
      run: async () => {
        const y = apply(x.ref);
        await y.blockUntilReady();
        y.dispose();
      },
      dispose: () => {
        x.dispose();
        apply.dispose();
      },
    },
  };
}

/** a·b + c in one jitted function (jax-js fuses it into one kernel). */
function jittedMulAdd(spec: MulAddSpec): { args: () => [np.Array, np.Array, np.Array]; apply: ReturnType<typeof jit>; dispose: () => void } {
  const [a, b, c] = [np.array(spec.a), np.array(spec.b), np.array(spec.c)];
  const apply = jit((x: np.Array, y: np.Array, z: np.Array) => x.mul(y).add(z));
  return {
    args: () => [a.ref, b.ref, c.ref],
    apply,
    dispose: () => {
      tree.dispose([a, b, c]);
      apply.dispose();
    },
  };
}

function mulAdd(spec: MulAddSpec): Prepared<Float32Array> {
  const f = jittedMulAdd(spec);
  return { run: () => float32((f.apply(...f.args()) as np.Array).dataSync()), dispose: f.dispose };
}

function mulAddWithoutReadBack(spec: MulAddSpec): { how: string; prepared: PreparedAsync } {
  const f = jittedMulAdd(spec);
  return {
    how: "jax-js: await blockUntilReady() on the result (dispatches and waits, no copy)",
    prepared: {
      run: async () => {
        const y = f.apply(...f.args()) as np.Array;
        await y.blockUntilReady();
        y.dispose();
      },
      dispose: f.dispose,
    },
  };
}

/**
 * Keeps `globalThis.Worker` absent while jax-js runs, as Node 20 has it. jax-js asks
 * `typeof Worker` twice: when its wasm backend is built (a shared memory with a maximum if Worker
 * exists, a plain one otherwise) and again for every kernel it compiles (whether the module
 * imports a shared memory). If a global Worker appears in between, every new kernel fails with
 * "LinkError: memory import 0 has no maximum limit". Emscripten's Node glue (tfjs-wasm's threaded
 * binary) sets that global and keeps it until released, so a tfjs-wasm start still running (a
 * timed-out hook) or never released broke jax-js; `enter` hides it for jax-js's turn, `leave`
 * puts it back.
 */
function workerGuard(): { enter(): void; leave(): void } {
  let hidden: PropertyDescriptor | undefined;
  return {
    enter: () => {
      const now = Object.getOwnPropertyDescriptor(globalThis, "Worker");
      if (!now) return;
      hidden ??= now;
      delete (globalThis as { Worker?: unknown }).Worker;
    },
    leave: () => {
      if (hidden) Object.defineProperty(globalThis, "Worker", hidden);
      hidden = undefined;
    },
  };
}

/** jax-js on its wasm device (initialised here), one thread, jit. */
export async function jaxPeer(): Promise<Peer> {
  const guard = workerGuard();
  guard.enter();
  // init() with no argument also tries webgpu, which reads `navigator` and throws in Node 20.
  const devices = await init("wasm");
  if (!devices.includes("wasm")) {
    guard.leave();
    throw new Error(`jax-js: no wasm device (got ${devices.join(", ")})`);
  }
  return {
    id: "jax-js",
    label: "jax-js (wasm device, jit, 1 thread: no global Worker in Node 20, so no worker pool)",
    activate: async () => guard.enter(),
    product,
    trainingStep,
    convStep: jaxConvStep,
    seqStep: (spec) => (spec.kind === "lstm" ? jaxLstmStep(spec) : jaxTransformerStep(spec)),
    relu,
    reluWithoutReadBack,
    mulAdd,
    mulAddWithoutReadBack,
    close: async () => guard.leave(),
  };
}
