// The examples' models exported with toOnnx: how long the export takes, and inference in Strata
// (eval, no gradients, its WebAssembly kernels on 2 threads) against the same file in
// onnxruntime-node on 2 threads, at batch 1 (serving one request) and a larger batch. ms per
// forward, medians; ratios are ORT's speed over Strata's.
import { noGrad, Variable } from "@strata/autograd";
import { Linear, ReLU, Sequential, type Module } from "@strata/nn";
import { toOnnx } from "@strata/onnx";
import { Tensor, randn, rng, tensor } from "@strata/tensor";
import * as ort from "onnxruntime-node";
import { Vocabulary } from "../../examples/char-lm/corpus.js";
import { charModel } from "../../examples/char-lm/models.js";
import { mnistCnn } from "../../examples/mnist-cnn/run.js";
import { printTable, quick, time, timeAsync, type Timing } from "./harness.js";

/** Per model: export ms, file size, and per batch size Strata's and ORT's ms per forward. */
export type OnnxResults = Record<string, { exportMs: number; bytes: number; batches: Record<number, { strata: Timing; ort: Timing }> }>;

interface Workload {
  name: string;
  model: Module;
  /** The example shape at batch n, and an input of that batch. */
  shape: (n: number) => number[];
  input: (n: number) => Tensor;
  batches: number[];
  dtype?: "int32";
}

function workloads(): Workload[] {
  const r = rng(7);
  const vocabulary = new Vocabulary([..."abcdefghijklmnopqrstuvwxyz .,;'!?-ABCDEFGHIJKLMNOPQRSTUVWXYZ\n"]);
  const ids = (n: number): Tensor => tensor(Int32Array.from({ length: n * 64 }, (_, i) => (i * 7) % vocabulary.size), { shape: [n, 64] });
  return [
    { name: "MLP 784-256-128-10", model: new Sequential(new Linear(784, 256, { rng: r }), new ReLU(), new Linear(256, 128, { rng: r }), new ReLU(), new Linear(128, 10, { rng: r })), shape: (n) => [n, 784], input: (n) => randn([n, 784], { rng: r }), batches: [1, 128] },
    { name: "mnist-cnn (conv-BN-pool ×2, 2 linear)", model: mnistCnn(), shape: (n) => [n, 1, 28, 28], input: (n) => randn([n, 1, 28, 28], { rng: r }), batches: [1, 64] },
    { name: "char-lm transformer (d 128, 2 layers, T 64)", model: charModel("transformer", vocabulary), shape: (n) => [n, 64], input: ids, batches: [1, 32], dtype: "int32" },
    { name: "char-lm LSTM (2×256, T 64)", model: charModel("lstm", vocabulary), shape: (n) => [n, 64], input: ids, batches: [1, 32], dtype: "int32" },
  ];
}

function ortTensor(t: Tensor): ort.Tensor {
  return t.dtype === "int32" ? new ort.Tensor("int32", t.toTypedArray() as Int32Array, [...t.shape]) : new ort.Tensor("float32", t.toTypedArray() as Float32Array, [...t.shape]);
}

export async function run(): Promise<OnnxResults> {
  const results: OnnxResults = {};
  const rows: (string | number)[][] = [];
  for (const w of workloads()) {
    w.model.eval();
    const options = { inputShape: w.shape(1), ...(w.dtype ? { inputDtype: w.dtype } : {}) };
    const exported = time(`${w.name} export`, () => toOnnx(w.model, options), { reps: quick ? 2 : 5, warmup: 1 });
    const bytes = toOnnx(w.model, options);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2, interOpNumThreads: 1 });
    const entry: OnnxResults[string] = { exportMs: exported.medianMs, bytes: bytes.length, batches: {} };
    for (const n of w.batches) {
      const x = w.input(n);
      const feeds = { input: ortTensor(x) };
      const strata = time(`${w.name} strata ${n}`, () => noGrad(() => w.model.forward(new Variable(x))));
      const onnx = await timeAsync(`${w.name} ort ${n}`, () => session.run(feeds));
      entry.batches[n] = { strata, ort: onnx };
      rows.push([w.name, String(n), strata.medianMs, onnx.medianMs, strata.medianMs / onnx.medianMs, exported.medianMs, Math.round(bytes.length / 1024)]);
    }
    await session.release();
    results[w.name] = entry;
  }
  printTable("inference, float32, ms per forward (medians): Strata (2 threads) vs the exported file in onnxruntime-node 1.31 (2 threads)", [
    "model", "batch", "Strata", "ORT", "ORT's speed-up", "toOnnx ms", "file KiB",
  ], rows);
  return results;
}
