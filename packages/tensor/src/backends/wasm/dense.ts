// A Dense layer's forward and backward on the WebAssembly kernels, each from one staging of its
// operands. Forward: every thread computes its block of Z = W·X, adds the bias and applies g while
// the block is still in cache. Backward: dZ = dA·g'(·) and db in one pass, then dW = dZ·Xᵀ and
// dX = Wᵀ·dZ read the staged dZ, X and W in place (the transposes are stride choices).
import type { DenseActivationKernel, Threads } from "../backend.js";
import type { StridedMatrix } from "../js/gemm.js";
import { runParallel, type Job } from "./pool.js";
import { copyOut, loadedRuntime, outputAt, productJobs, ranges, residentAt, stage, stageRowMajor, type Staged } from "./gemm.js";
import { resetArena, takeArena } from "./runtime.js";


type FloatArray = Float32Array | Float64Array;

/** A column vector (n values) by its data, offset and step. */
export interface StridedVector {
  data: FloatArray;
  offset: number;
  stride: number;
}

/**
 * Z = W·X + b and A = g(Z) for W (n × k), X (k × m), b (n values); writes Z and (unless g is the
 * identity) A, both row-major n × m, into zOut and aOut.
 */
export function wasmDenseForward(
  W: StridedMatrix, X: StridedMatrix, b: StridedVector, n: number, k: number, m: number,
  g: DenseActivationKernel, alpha: number, zOut: FloatArray, aOut: FloatArray | null, threads: Threads,
): void {
  const wide = zOut instanceof Float64Array;
  const size = wide ? 8 : 4;
  const rt = loadedRuntime("denseForward");
  resetArena();
  const w = stage(rt, wide, W, n, k);
  const x = stage(rt, wide, X, k, m);
  const bias = stageRowMajor(rt, wide, { data: b.data, offset: b.offset, rowStride: b.stride, colStride: 1 }, n, 1);
  const z = outputAt(rt, zOut, 0, n * m);
  const a = g.from === null ? 0 : aOut === null ? takeArena(rt, n * m * size) : outputAt(rt, aOut, 0, n * m);
  const jobs = productJobs(rt, wide, n, m, k, w, x, z, wide ? "denseF64" : "denseF32", threads.product, (i0, j0) => [
    bias + i0 * size, g.code, alpha, a === 0 ? 0 : a + (i0 * m + j0) * size,
  ]);
  runParallel(rt, jobs);
  copyOut(rt, z, n * m, zOut, 0);
  if (aOut !== null && a !== 0) copyOut(rt, a, n * m, aOut, 0);
}

/** The inputs of a Dense backward: the incoming gradient and what the forward kept. */
export interface DenseBackwardInputs {
  dA: StridedMatrix;
  Z: StridedMatrix;
  A: StridedMatrix;
  X: StridedMatrix;
  W: StridedMatrix;
}

/** Where the backward writes (null: not wanted), each row-major. */
export interface DenseBackwardOutputs {
  dX: FloatArray | null;
  dW: FloatArray | null;
  db: FloatArray | null;
}

/**
 * dZ = dA·g'(Z) (through A for sigmoid and tanh), db = scale·Σ_columns dZ, dW = scale·dZ·Xᵀ,
 * dX = Wᵀ·dZ for W (n × k), X (k × m), dA, Z, A (n × m).
 */
export function wasmDenseBackward(
  inputs: DenseBackwardInputs, n: number, k: number, m: number, g: DenseActivationKernel, alpha: number, scale: number,
  outs: DenseBackwardOutputs, threads: Threads,
): void {
  const wide = inputs.W.data instanceof Float64Array;
  const size = wide ? 8 : 4;
  const rt = loadedRuntime("denseBackward");
  resetArena();
  const dA = stageRowMajor(rt, wide, inputs.dA, n, m);
  const z = g.from === "Z" ? stageRowMajor(rt, wide, inputs.Z, n, m) : dA;
  const a = g.from === "A" ? stageRowMajor(rt, wide, inputs.A, n, m) : dA;
  const db = outs.db ? outputAt(rt, outs.db, 0, n) : 0;
  // dZ overwrites a staged dA in place (each element is read once, then written); a resident dA
  // is the caller's tensor and gets a scratch dZ of its own
  const dAResident = residentAt(inputs.dA.data, inputs.dA.offset, wide) === dA;
  const pass = g.from !== null || db !== 0;
  const dZ = pass && dAResident ? takeArena(rt, n * m * size) : dA;
  if (pass) {
    const kernel = wide ? "activationGradF64" : "activationGradF32";
    const rows = ranges(n, threads.map, 1);
    const jobs: Job[] = rows.map(([i0, i1]) => {
      const at = i0 * m * size;
      return { kernel, args: [g.code, dA + at, z + at, a + at, dZ + at, i1 - i0, m, alpha, db === 0 ? 0 : db + i0 * size, scale] };
    });
    runParallel(rt, jobs);
  }
  const dZStaged: Staged = { at: dZ, rs: m, cs: 1 };
  if (outs.dW) {
    const x = stage(rt, wide, inputs.X, k, m);
    const dW = outputAt(rt, outs.dW, 0, n * k);
    runParallel(rt, productJobs(rt, wide, n, k, m, dZStaged, { at: x.at, rs: x.cs, cs: x.rs }, dW, wide ? "gemmF64" : "gemmF32", threads.product));
    copyOut(rt, dW, n * k, outs.dW, 0, scale);
  }
  if (outs.dX) {
    const w = stage(rt, wide, inputs.W, n, k);
    const dX = outputAt(rt, outs.dX, 0, k * m);
    runParallel(rt, productJobs(rt, wide, k, m, n, { at: w.at, rs: w.cs, cs: w.rs }, dZStaged, dX, wide ? "gemmF64" : "gemmF32", threads.product));
    copyOut(rt, dX, k * m, outs.dX, 0);
  }
  if (outs.db && db !== 0) copyOut(rt, db, n, outs.db, 0);
}
