// Resident tensors against staged ones: the same WebAssembly kernel entries, once on plain
// JavaScript arrays (every call copies its operands into the kernels' memory and its result out)
// and once on resident arrays (views on that memory, used in place). Outputs are allocated once,
// outside the timed call, in both columns, as in a replayed step: what differs is the copying.
//   relu over 1e6 float32; a·b + c over 1e6 float32 (two calls: mul, then add);
//   matmul 512³ float32; the eight products of one training step of the MLP 784-256-128-10 on a
//   batch of 128 (examples as columns: three forward, dW and dA for each layer but the first's dA).
import { kernelOptions } from "@strata/tensor";
import { wasmGemm } from "../../packages/tensor/src/backends/wasm/gemm.js";
import { wasmBinary } from "../../packages/tensor/src/backends/wasm/arith.js";
import { wasmUnary } from "../../packages/tensor/src/backends/wasm/pointwise.js";
import { residentArray } from "../../packages/tensor/src/backends/wasm/heap.js";
import type { StridedMatrix } from "../../packages/tensor/src/backends/js/gemm.js";
import { printTable, time } from "./harness.js";

/** Median milliseconds per workload: staged (plain arrays) and resident. */
export type ResidentResults = Record<string, { staged: number; resident: number }>;

type Maker = (n: number) => Float32Array;
const plain: Maker = (n) => new Float32Array(n);
const onHeap: Maker = (n) => residentArray(false, n, true) as Float32Array;

function filled(make: Maker, n: number, seed: number): Float32Array {
  const a = make(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(seed * 7919 + i * 0.37);
  return a;
}

const rowMajor = (data: Float32Array, rows: number, cols: number): StridedMatrix => ({ data, offset: 0, rowStride: cols, colStride: 1 });
const transposed = (data: Float32Array, rows: number, cols: number): StridedMatrix => ({ data, offset: 0, rowStride: 1, colStride: rows });

/** One workload's call on arrays from `make`: the set-up runs once, the returned function is timed. */
type Workload = (make: Maker, threads: number) => () => void;

const N = 1e6;

const workloads: [string, Workload][] = [
  ["relu 1e6 float32", (make, threads) => {
    const [x, y] = [filled(make, N, 1), make(N)];
    return () => wasmUnary("relu", x, 0, y, 0, N, 0, threads);
  }],
  ["a·b + c 1e6 float32", (make) => {
    const [a, b, c, ab, out] = [filled(make, N, 2), filled(make, N, 3), filled(make, N, 4), make(N), make(N)];
    const paired = (values: Float32Array) => ({ values, offset: 0, rowStep: N, spread: false });
    return () => {
      wasmBinary("mul", false, a, 0, paired(b), ab, 1, N);
      wasmBinary("add", false, ab, 0, paired(c), out, 1, N);
    };
  }],
  ["matmul 512³ float32", (make, threads) => {
    const n = 512;
    const [a, b, c] = [filled(make, n * n, 5), filled(make, n * n, 6), make(n * n)];
    return () => wasmGemm(n, n, n, rowMajor(a, n, n), rowMajor(b, n, n), c, 0, threads);
  }],
  ["MLP 784-256-128-10 step's 8 products, m = 128", (make, threads) => {
    const m = 128;
    const dims = [784, 256, 128, 10];
    const X = filled(make, dims[0]! * m, 7);
    const W = [1, 2, 3].map((l) => filled(make, dims[l]! * dims[l - 1]!, 10 + l));
    const A = [X, ...[1, 2, 3].map((l) => make(dims[l]! * m))];
    const dZ = [1, 2, 3].map((l) => filled(make, dims[l]! * m, 20 + l));
    const dW = [1, 2, 3].map((l) => make(dims[l]! * dims[l - 1]!));
    const dA = [1, 2].map((l) => make(dims[l]! * m));
    return () => {
      for (let l = 1; l <= 3; l++) wasmGemm(dims[l]!, m, dims[l - 1]!, rowMajor(W[l - 1]!, dims[l]!, dims[l - 1]!), rowMajor(A[l - 1]!, dims[l - 1]!, m), A[l]!, 0, threads);
      for (let l = 3; l >= 1; l--) {
        // dW = dZ·Aᵀ (m summed), dA_{l-1} = Wᵀ·dZ (not needed for the input)
        wasmGemm(dims[l]!, dims[l - 1]!, m, rowMajor(dZ[l - 1]!, dims[l]!, m), transposed(A[l - 1]!, dims[l - 1]!, m), dW[l - 1]!, 0, threads);
        if (l > 1) wasmGemm(dims[l - 1]!, m, dims[l]!, transposed(W[l - 1]!, dims[l]!, dims[l - 1]!), rowMajor(dZ[l - 1]!, dims[l]!, m), dA[l - 2]!, 0, threads);
      }
    };
  }],
];

/** Runs the table and returns its medians. */
export async function run(): Promise<ResidentResults> {
  const status = kernelOptions();
  const results: ResidentResults = {};
  if (!status.wasm) {
    console.log(`\nresident: skipped, the WebAssembly kernels are off or unavailable here (${status.wasmUnavailableReason})`);
    return results;
  }
  const rows: (string | number)[][] = [];
  for (const [label, workload] of workloads) {
    const staged = time(`${label} staged`, workload(plain, status.threads)).medianMs;
    const resident = time(`${label} resident`, workload(onHeap, status.threads)).medianMs;
    results[label] = { staged, resident };
    rows.push([label, staged * 1000, resident * 1000, `${(staged / resident).toFixed(2)}x`]);
  }
  printTable(
    `Resident operands against staged ones, same kernels, ${status.threads} threads (µs per call, median)`,
    ["workload", "plain arrays (staged)", "resident arrays (in place)", "speed-up"],
    rows,
  );
  return results;
}
