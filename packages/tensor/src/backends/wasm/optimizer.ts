// The optimisers' updates on the WebAssembly kernels (assembly/optim.ts): in place on a parameter
// and state buffers that live in the kernels' memory. A gradient elsewhere is copied in when the
// caller allows it; a parameter or a state buffer elsewhere leaves the update to the TypeScript loop.
import type { FloatArray, OptimizerUpdateRequest } from "../backend.js";
import { loadedRuntime, residentAt, viewOf } from "./gemm.js";
import { runParallel, type Job } from "./pool.js";
import { resetArena, takeArena, type WasmRuntime } from "./runtime.js";

const SGD_MOMENTUM = 1;
const SGD_FRESH = 2;
const SGD_NESTEROV = 4;

/** The address of a resident `a` of p's type and length (0 for null), or -1 when it is not. */
function at(a: FloatArray | null, p: FloatArray): number {
  if (a === null) return 0;
  if (a.length !== p.length || a.constructor !== p.constructor) return -1;
  return residentAt(a, 0, p instanceof Float64Array);
}

/** The gradient's address: in place when resident, else (when `stage`) a copy in the arena. */
function gradientAt(rt: WasmRuntime, g: FloatArray, p: FloatArray, stage: boolean): number {
  const found = at(g, p);
  if (found >= 0 || !stage || g.length !== p.length || g.constructor !== p.constructor) return found;
  const wide = p instanceof Float64Array;
  const to = takeArena(rt, g.length * (wide ? 8 : 4));
  viewOf(rt, wide).set(g, to / (wide ? 8 : 4));
  return to;
}

/** The kernel call for `req` with its operands' addresses, or null when one is not resident. */
function job(req: OptimizerUpdateRequest, g: number, suffix: "F32" | "F64"): Job | null {
  const { p } = req;
  const n = p.length;
  const to = at(p, p);
  switch (req.kind) {
    case "sgd": {
      const b = at(req.momentumBuffer, p);
      if (to < 0 || b < 0) return null;
      const flags = (req.momentumBuffer !== null ? SGD_MOMENTUM : 0) | (req.fresh ? SGD_FRESH : 0) | (req.nesterov ? SGD_NESTEROV : 0);
      return { kernel: `sgd${suffix}`, args: [to, g, b, n, req.lr, req.weightDecay, req.momentum, req.keep, flags] };
    }
    case "adam": {
      const [m, v, vmax] = [at(req.expAvg, p), at(req.expAvgSq, p), at(req.maxExpAvgSq, p)];
      if (to < 0 || m <= 0 || v <= 0 || vmax < 0) return null;
      const { stepSize, invC2, beta1, beta2, k1, k2, eps, l2, shrink } = req;
      return { kernel: `adam${suffix}`, args: [to, g, m, v, vmax, n, stepSize, invC2, beta1, beta2, k1, k2, eps, l2, shrink] };
    }
    case "rmsprop": {
      const [v, ga, b] = [at(req.squareAvg, p), at(req.gradAvg, p), at(req.momentumBuffer, p)];
      if (to < 0 || v <= 0 || ga < 0 || b < 0) return null;
      const { lr, alpha, oneMinusAlpha, eps, weightDecay, momentum } = req;
      return { kernel: `rmsprop${suffix}`, args: [to, g, v, ga, b, n, lr, alpha, oneMinusAlpha, eps, weightDecay, momentum] };
    }
  }
}

/**
 * Runs `req` on the kernels, on the calling thread (see optimizerUpdateKernel), when its parameter and
 * state buffers are resident and its gradient is resident or may be staged; false, having changed
 * nothing, otherwise.
 */
export function wasmOptimizerUpdate(req: OptimizerUpdateRequest, stage: boolean): boolean {
  const { p } = req;
  if (!(p instanceof Float32Array || p instanceof Float64Array) || p.length === 0 || at(p, p) < 0) return false;
  const rt = loadedRuntime(`${req.kind} update`);
  resetArena();
  const g = gradientAt(rt, req.g, p, stage);
  if (g < 0) return false;
  const call = job(req, g, p instanceof Float64Array ? "F64" : "F32");
  if (call === null) return false;
  runParallel(rt, [call]);
  return true;
}
