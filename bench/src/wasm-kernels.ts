// The WebAssembly kernels besides matmul, each against what it replaced, in one run:
//   1. elementwise maps (exp, log, sigmoid, tanh, relu) and row reductions (sum, max) on float32 and
//      float64: the TypeScript kernels (wasm off, the "before"), the WebAssembly kernels on one
//      thread and on all of them; every call stages its input and copies its result out;
//   2. binary arithmetic (add with same shapes, a bias (n,1) and a repeated row; mul by a number
//      float32 can and cannot hold) on float32 and float64: TypeScript against the kernels;
//   3. a Dense layer's forward and backward at the MLP's and the course net's layer sizes:
//      composed ops (matmul on the WebAssembly kernels, then bias, activation, its derivative and
//      the sums as separate TypeScript passes: the "before") against denseForward + denseBackward.
import {
  add, denseBackward, denseForward, exp, gt, kernelOptions, log, matmul, max, maximum, mul, rand, randn, relu, rng, setKernelOptions, sigmoid, sub, sum, tanh,
  where,
  type DenseActivation, type Tensor,
} from "@strata/tensor";
import { printTable, quick, time } from "./harness.js";

/** Median milliseconds per workload and implementation. */
export type WasmKernelResults = Record<string, Record<string, number>>;

const initial = kernelOptions();

/** `fn` under the given kernel options, restoring the initial ones afterwards. */
const under = (options: { wasm?: boolean; threads?: number }, fn: () => unknown) => () => {
  setKernelOptions(options);
  try {
    return fn();
  } finally {
    setKernelOptions({ wasm: initial.wasm, threads: initial.threads });
  }
};

function pointwise(results: WasmKernelResults): void {
  const r = rng(3);
  const rows: (string | number)[][] = [];
  const sizes = quick ? [1e5, 1e6] : [1e4, 1e5, 1e6];
  for (const dtype of ["float32", "float64"] as const) {
    for (const n of sizes) {
      const x = randn([n], { rng: r, dtype });
      const positive = rand([n], { rng: r, dtype }).add(0.5);
      const byRow = x.reshape([n / 100, 100]);
      const ops: [string, () => unknown][] = [
        ["exp", () => exp(x)], ["log", () => log(positive)], ["sigmoid", () => sigmoid(x)], ["tanh", () => tanh(x)], ["relu", () => relu(x)],
      ];
      // reductions go to the kernels from THRESHOLDS.wasmReduce = 16384 elements only
      if (n > 16384) ops.push(["sum (all)", () => sum(x)], ["sum (rows of 100)", () => sum(byRow, { axis: 1 })], ["max (all)", () => max(x)]);
      for (const [op, fn] of ops) {
        const ts = time(`${op} ts`, under({ wasm: false }, fn)).medianMs;
        const one = time(`${op} 1`, under({ threads: 1 }, fn)).medianMs;
        const all = time(`${op} all`, fn).medianMs;
        const name = `${op} ${dtype} ${n}`;
        results[name] = { typescript: ts, wasm1: one, wasm: all };
        rows.push([op, dtype, n, ts * 1000, one * 1000, all * 1000, `${(ts / all).toFixed(2)}x`]);
      }
    }
  }
  printTable(
    "WebAssembly elementwise ops and reductions (µs per call, median; input staged and result copied out every call)",
    ["op", "dtype", "elements", "TypeScript (before)", "wasm 1 thread", `wasm ${initial.threads} threads`, "speed-up"],
    rows,
  );
}

function arithmetic(results: WasmKernelResults): void {
  const r = rng(4);
  const rows: (string | number)[][] = [];
  const sizes = quick ? [102400, 1024000] : [4096, 16384, 102400, 1024000];
  for (const dtype of ["float32", "float64"] as const) {
    for (const n of sizes) {
      const [a, b] = [randn([n / 64, 64], { rng: r, dtype }), randn([n / 64, 64], { rng: r, dtype })];
      const [bias, row] = [randn([n / 64, 1], { rng: r, dtype }), randn([64], { rng: r, dtype })];
      const ops: [string, () => unknown][] = [
        ["a + b", () => add(a, b)], ["a − bias (n,1)", () => sub(a, bias)], ["a · row (m,)", () => mul(a, row)],
        ["a · 2", () => mul(a, 2)], ["a · 0.1", () => mul(a, 0.1)], ["maximum(a, 0)", () => maximum(a, 0)],
      ];
      for (const [op, fn] of ops) {
        const ts = time(`${op} ts`, under({ wasm: false }, fn)).medianMs;
        const wasm = time(`${op} wasm`, fn).medianMs;
        results[`${op} ${dtype} ${n}`] = { typescript: ts, wasm };
        rows.push([op, dtype, n, ts * 1000, wasm * 1000, `${(ts / wasm).toFixed(2)}x`]);
      }
    }
  }
  printTable(
    "WebAssembly binary arithmetic, (n/64)×64 operands (µs per call, median; operands staged and result copied out every call, one thread)",
    ["op", "dtype", "elements", "TypeScript (before)", "wasm", "speed-up"],
    rows,
  );
}

/** The layer's forward and backward from separate ops: what nn ran before the fused kernels. */
function composed(W: Tensor, X: Tensor, b: Tensor, dA: Tensor, g: DenseActivation): unknown {
  const Z = add(matmul(W, X), b);
  const A = g === "relu" ? relu(Z) : g === "sigmoid" ? sigmoid(Z) : Z;
  const dZ = g === "relu" ? where(gt(Z, 0), dA, 0) : g === "sigmoid" ? mul(dA, mul(A, A.neg().add(1))) : dA;
  return [matmul(dZ, X.T), sum(dZ, { axis: 1, keepDims: true }), matmul(W.T, dZ), A];
}

function fused(W: Tensor, X: Tensor, b: Tensor, dA: Tensor, g: DenseActivation): unknown {
  const { Z, A } = denseForward(W, X, b, g);
  return [denseBackward(dA, X, W, Z, A, g), A];
}

function dense(results: WasmKernelResults): void {
  const r = rng(5);
  const layers: [string, number, number, number, DenseActivation][] = [
    ["MLP layer 1 (256×784, m=128)", 256, 784, 128, "relu"],
    ["MLP layer 2 (128×256, m=128)", 128, 256, 128, "relu"],
    ["course layer 1 (20×12288, m=209)", 20, 12288, 209, "relu"],
    ["course layer 2 (7×20, m=209)", 7, 20, 209, "relu"],
    ["sigmoid layer (64×64, m=1024)", 64, 64, 1024, "sigmoid"],
  ];
  const rows: (string | number)[][] = [];
  for (const [label, n, k, m, g] of layers) {
    const [W, X, b, dA] = [randn([n, k], { rng: r }), rand([k, m], { rng: r }), randn([n, 1], { rng: r }), randn([n, m], { rng: r })];
    const before = time(`${label} composed`, () => composed(W, X, b, dA, g)).medianMs;
    const after = time(`${label} fused`, () => fused(W, X, b, dA, g)).medianMs;
    results[`dense ${label}`] = { composed: before, fused: after };
    rows.push([label, g, before * 1000, after * 1000, `${(before / after).toFixed(2)}x`]);
  }
  printTable(
    "Dense layer forward + backward, float32 (µs per call, median)",
    ["layer", "g", "composed ops (before)", "denseForward + denseBackward", "speed-up"],
    rows,
  );
}

/** Runs the three tables and returns their medians. */
export async function run(): Promise<WasmKernelResults> {
  const results: WasmKernelResults = {};
  if (!initial.wasmAvailable) {
    console.log(`\nwasm-kernels: skipped, the WebAssembly kernels are unavailable here (${initial.wasmUnavailableReason})`);
    return results;
  }
  pointwise(results);
  arithmetic(results);
  dense(results);
  return results;
}
