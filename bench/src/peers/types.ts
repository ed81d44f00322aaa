// What every framework in the comparison (Strata and its peers) is given and must provide. The
// inputs are plain Float32Arrays drawn once by Strata's seeded generators, so that each framework
// computes on exactly the same numbers; each framework copies them into its own storage when a
// workload is built, outside the timed region.
import type { SeqLmSpec } from "./seq-types.js";

/** A matrix product C = op(A)·B with op(A) = A or Aᵀ; both operands row-major. */
export interface ProductSpec {
  a: Float32Array;
  /** A's stored shape [rows, cols]; with `transposeA` the product uses Aᵀ, of shape [cols, rows]. */
  aShape: [number, number];
  b: Float32Array;
  bShape: [number, number];
  transposeA: boolean;
}

/**
 * A fully connected network and one full batch, in Strata's layout: W[l] is (n[l], n[l-1])
 * row-major, b[l] has n[l] entries, X is (n[0], m) with one column per example. Peers that keep
 * examples as rows transpose these while building the workload.
 */
export interface NetworkSpec {
  layerDims: number[];
  weights: Float32Array[];
  biases: Float32Array[];
  X: Float32Array;
  m: number;
  /** ReLU on hidden layers; the last layer is either logits for softmax cross-entropy over
   * integer class labels, or a sigmoid unit with binary cross-entropy against 0/1 labels. */
  head: { kind: "softmax"; classes: Int32Array } | { kind: "sigmoid"; labels: Float32Array };
  lr: number;
}

/** A convolution's or a linear layer's weight and bias, in PyTorch's layout: Conv2d weight
 * (outC, inC, kH, kW), Linear weight (out, in), row-major; bias one entry per output. */
export interface LayerWeights {
  weight: Float32Array;
  weightShape: number[];
  bias: Float32Array;
}

/**
 * The LeNet-like net of issue 17 and one batch, in PyTorch's layout: X (n, 1, 28, 28) NCHW;
 * Conv2d 1→8 5×5, ReLU, MaxPool 2, Conv2d 8→16 5×5, ReLU, MaxPool 2, Flatten (channel-major, 256),
 * Linear 256→10; mean softmax cross-entropy over integer labels; plain SGD.
 */
export interface ConvNetSpec {
  n: number;
  X: Float32Array;
  labels: Int32Array;
  conv1: LayerWeights;
  conv2: LayerWeights;
  fc: LayerWeights;
  lr: number;
}

/** The elementwise a·b + c over three arrays of the same length. */
export interface MulAddSpec {
  a: Float32Array;
  b: Float32Array;
  c: Float32Array;
}

/** A workload a framework times in a process of its own (PyTorch): what it is given. */
export type OutOfProcessWorkload =
  | { kind: "product"; spec: ProductSpec }
  | { kind: "trainingStep"; spec: NetworkSpec }
  | { kind: "relu"; spec: Float32Array }
  | { kind: "mulAdd"; spec: MulAddSpec };

/** What such a framework reports: its first result (for a training step, its first two losses;
 * otherwise the op's output) and the time of each timed call, in milliseconds. */
export interface OutOfProcessTiming {
  result: Float32Array | number[];
  samplesMs: number[];
}

/** A workload built and ready to run; `run` is what gets timed. */
export interface Prepared<T> {
  run(): T;
  /** Frees what the framework allocated for this workload (tensors, compiled functions). */
  dispose(): void;
}

/** Same, for a workload whose only way to wait for the result without copying it is a promise. */
export interface PreparedAsync {
  run(): Promise<void>;
  dispose(): void;
}

/** One framework in the comparison. */
export interface Peer {
  /** Column id: "strata", "tfjs-cpu", "tfjs-wasm", "jax-js". */
  id: string;
  /** Exactly what ran: backend, threads, SIMD, jit, and why a better variant did not. */
  label: string;
  /** The comparison rows this peer is measured on (by key); every row when absent. */
  rows?: string[];
  /** Makes this peer's backend the active one (TensorFlow.js keeps one global backend). */
  activate(): Promise<void>;
  /** C = op(A)·B; `run` returns C materialised in a Float32Array (row-major). */
  product(spec: ProductSpec): Prepared<Float32Array>;
  /** One SGD step (forward, loss, backward, update); `run` returns the loss before the update. */
  trainingStep(spec: NetworkSpec): Prepared<number>;
  /** One SGD step of the LeNet-like net; `run` returns the loss before the update. Absent where
   * the framework cannot train it (the cell says why). */
  convStep?(spec: ConvNetSpec): Prepared<number>;
  /** The same step timed by the framework in a process of its own (PyTorch): the first two losses
   * and the time of each timed step, with the harness's warm-up, repetitions and budget. */
  timedConvStep?(spec: ConvNetSpec, plan: { warmup: number; reps: number; budgetMs: number }): { losses: [number, number]; samplesMs: number[] };
  /** One SGD step of a sequence language model of issue 18 (seq-types.ts); `run` returns the
   * loss before the update. Throws, saying what it lacks, for a model the framework cannot train;
   * absent when it can train neither. */
  seqStep?(spec: SeqLmSpec): Prepared<number>;
  /** The same step timed by the framework in a process of its own (PyTorch), as `timedConvStep`. */
  timedSeqStep?(spec: SeqLmSpec, plan: { warmup: number; reps: number; budgetMs: number }): { losses: [number, number]; samplesMs: number[] };
  /** max(x, 0) elementwise; `run` returns the result read back into a Float32Array. */
  relu(x: Float32Array): Prepared<Float32Array>;
  /** The same op, timed up to a synchronisation that forces evaluation without copying the result
   * out; absent when the framework has no such thing. `how` says what was used. */
  reluWithoutReadBack?(x: Float32Array): { how: string; prepared: Prepared<unknown> | PreparedAsync };
  /** a·b + c elementwise, as the framework's users write it; `run` returns the result read back
   * into a Float32Array. Absent on a framework measured out of process. */
  mulAdd?(spec: MulAddSpec): Prepared<Float32Array>;
  /** The same op without the read-back, as `reluWithoutReadBack`. */
  mulAddWithoutReadBack?(spec: MulAddSpec): { how: string; prepared: Prepared<unknown> | PreparedAsync };
  /** Times a workload in a process of its own with the harness's plan (PyTorch): where present,
   * the comparison uses it instead of `product`, `trainingStep`, `relu` and `mulAdd`. */
  outOfProcess?(workload: OutOfProcessWorkload, plan: { warmup: number; reps: number; budgetMs: number }): OutOfProcessTiming;
  /** How many framework objects (tensors) are alive now, where the framework can tell: a workload
   * whose calls leave this growing leaks, and its cell says so instead of a rate. */
  liveObjects?(): number;
  /** Releases the backend (threads, memory) at the end of the comparison. */
  close(): Promise<void>;
}

/** The row-major transpose of a (rows, cols) matrix. */
export function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j]!;
  return out;
}

/** Class indices as a one-hot (m, k) matrix, one row per example, as the peers consume them. */
export function oneHotRows(classes: Int32Array, k: number): Float32Array {
  const out = new Float32Array(classes.length * k);
  classes.forEach((c, i) => (out[i * k + c] = 1));
  return out;
}

/** The shape of op(A)·B. */
export function productShape(spec: ProductSpec): [number, number] {
  const [r, c] = spec.aShape;
  return [spec.transposeA ? c : r, spec.bShape[1]];
}

/** A short reason for a table cell from whatever was thrown. */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const firstLine = text.split("\n")[0] ?? text;
  return firstLine.length > 60 ? `${firstLine.slice(0, 57)}...` : firstLine;
}

/** The largest |got − want| / max(1, |want|) over the elements: how far a peer's result is from
 * Strata's (scaled so that values near zero are compared absolutely). */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!));
    if (Number.isNaN(err)) return Infinity;
    worst = Math.max(worst, err);
  }
  return worst;
}
