// An activation's backward over whole tensors (autograd's relu, leakyRelu, sigmoid and tanh in a
// first-order backward): the fused Dense kernel's derivative pass, run on one flat row per job.
import type { ActivationGradRequest } from "../backend.js";
import { copyOut, loadedRuntime, outputAt, ranges, residentAt, stageTensor } from "./gemm.js";
import { runParallel, type Job } from "./pool.js";
import { resetArena } from "./runtime.js";

/**
 * dA·g'(saved) on the kernels, split over `threads` rows, into `out` (dA's size): computed in
 * place over a staged dA, or straight into a resident `out` (a resident dA is read in place, never
 * written).
 */
export function wasmActivationGrad(req: ActivationGradRequest, out: Float32Array | Float64Array, threads: number): void {
  const { activation, alpha, dA, saved } = req;
  const wide = out instanceof Float64Array;
  const size = wide ? 8 : 4;
  const rt = loadedRuntime("activationGrad");
  resetArena();
  const n = out.length;
  const g = stageTensor(rt, wide, dA);
  const s = stageTensor(rt, wide, saved);
  const gResident = dA.isContiguous && residentAt(dA.data, dA.offset, wide) === g;
  const y = gResident || residentAt(out, 0, wide) >= 0 ? outputAt(rt, out, 0, n) : g;
  const kernel = wide ? "activationGradF64" : "activationGradF32";
  const jobs: Job[] = ranges(n, threads, 16).map(([start, end]) => {
    const at = start * size;
    // one row of (end − start) columns; z and a both point at the saved operand, the kernel reads
    // the one the activation's derivative needs; no bias gradient (db = 0)
    return { kernel, args: [activation.code, g + at, s + at, s + at, y + at, 1, end - start, alpha, 0, 1] };
  });
  runParallel(rt, jobs);
  copyOut(rt, y, n, out, 0);
}
