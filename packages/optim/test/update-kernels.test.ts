// The optimisers' update kernels (packages/tensor/assembly/optim.ts) against their TypeScript
// loops, bit for bit: two identical setups, one forced onto the kernels at every size, the other
// onto the loops, stepped with the same gradients; after every step each parameter and state
// buffer must hold the same bits (Object.is on every element, so -0 and +0 differ). Float32 checks
// that the kernel widens, evaluates in the loop's order and rounds once, as the loop does.
import { afterEach, describe, expect, it } from "vitest";
import { variable, type Variable } from "@strata/autograd";
import { Tensor, kernelOptions, makeResident, record, replay, setKernelOptions, tensor, type Recording } from "@strata/tensor";
import { Adam, AdamW, RMSprop, SGD, type Optimizer } from "@strata/optim";
import { setUpdatePath, updateCounts, type UpdatePath } from "../src/optimizer.js";
import { sample } from "../../tensor/test/reference.js";
import { THRESHOLDS } from "../../tensor/src/dispatch/thresholds.js";

type Float = "float32" | "float64";

const wasm = kernelOptions().wasm;
// below and above the dispatcher's thresholds, odd and even (the kernels' last odd element)
const SIZES = [1, 2, 5, 63, 64, 65, 400, 1001, 4096];
const STEPS = 4;

const CASES: [string, (params: Variable[]) => Optimizer][] = [
  ["SGD plain", (ps) => new SGD(ps, { lr: 0.1 })],
  ["SGD weight decay", (ps) => new SGD(ps, { lr: 0.1, weightDecay: 0.01 })],
  ["SGD momentum, dampening", (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.3 })],
  ["SGD Nesterov, weight decay", (ps) => new SGD(ps, { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 1e-3 })],
  ["Adam", (ps) => new Adam(ps, { lr: 0.01 })],
  ["Adam L2, amsgrad", (ps) => new Adam(ps, { lr: 0.003, betas: [0.8, 0.95], weightDecay: 0.02, amsgrad: true })],
  ["AdamW", (ps) => new AdamW(ps, { lr: 0.01, weightDecay: 0.1 })],
  ["AdamW amsgrad", (ps) => new AdamW(ps, { lr: 0.02, amsgrad: true, eps: 1e-6 })],
  ["RMSprop", (ps) => new RMSprop(ps, { lr: 0.01 })],
  ["RMSprop centered", (ps) => new RMSprop(ps, { lr: 0.01, alpha: 0.9, centered: true, weightDecay: 0.05 })],
  ["RMSprop momentum", (ps) => new RMSprop(ps, { lr: 0.01, momentum: 0.7 })],
  ["RMSprop centered momentum", (ps) => new RMSprop(ps, { lr: 0.005, centered: true, momentum: 0.5, eps: 1e-4 })],
];

/** One parameter per size, each with values of both signs and a few zeros (g + 0·p, max(−0, 0)). */
function params(dtype: Float): Variable[] {
  return SIZES.map((n, i) => {
    const t = sample([n], dtype, 7 + i, -2, 2);
    if (n > 3) t.data[1] = 0;
    return variable(t, { requiresGrad: true });
  });
}

/** Step k's gradients, plain or moved into the kernels' memory (as a compiled step's are). */
function gradients(ps: readonly Variable[], k: number, resident: boolean): Tensor[] {
  return ps.map((p, i) => {
    const g = sample(p.shape, p.dtype as Float, 1000 * k + i, -1.5, 1.5);
    if (p.size > 3) g.data[2] = k % 2 === 0 ? 0 : -0;
    if (resident) makeResident(g);
    return g;
  });
}

/** Every parameter's and state buffer's elements, by name. */
function snapshot(opt: Optimizer, ps: readonly Variable[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  ps.forEach((p, i) => out.set(`param ${i}`, Array.from(p.data.toTypedArray() as ArrayLike<number>)));
  opt.stateDict().state.forEach((entry, i) => {
    for (const [k, v] of Object.entries(entry)) out.set(`state ${i}.${k}`, v instanceof Tensor ? Array.from(v.toTypedArray() as ArrayLike<number>) : [v as number]);
  });
  return out;
}

function firstDifference(a: Map<string, number[]>, b: Map<string, number[]>): string | null {
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const [x, y] = [a.get(name), b.get(name)];
    if (x === undefined || y === undefined || x.length !== y.length) return `${name}: ${x?.length} vs ${y?.length} values`;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return `${name}[${i}]: ${x[i]} vs ${y[i]}`;
  }
  return null;
}

function stepOn(path: UpdatePath, opt: Optimizer): void {
  const previous = setUpdatePath(path);
  try {
    opt.step();
  } finally {
    setUpdatePath(previous);
  }
}

/** Steps a kernel-forced and a loop-forced copy side by side; the first difference after any step, or null. */
function compare(make: (ps: Variable[]) => Optimizer, dtype: Float, resident: boolean, kernelPath: UpdatePath = "kernel"): string | null {
  const [a, b] = [params(dtype), params(dtype)];
  const [optA, optB] = [make(a), make(b)];
  for (let k = 0; k < STEPS; k++) {
    gradients(a, k, resident).forEach((g, i) => (a[i]!.grad = g));
    gradients(b, k, resident).forEach((g, i) => (b[i]!.grad = g));
    stepOn(kernelPath, optA);
    stepOn("loop", optB);
    const diff = firstDifference(snapshot(optA, a), snapshot(optB, b));
    if (diff !== null) return `step ${k + 1}: ${diff}`;
  }
  return null;
}

afterEach(() => setUpdatePath("auto"));

describe.each(["float32", "float64"] as const)("optimiser update kernels, %s: the same bits as the loops", (dtype) => {
  for (const [name, make] of CASES) {
    for (const resident of [true, false]) {
      it(`${name}, ${resident ? "resident" : "plain"} gradients`, () => {
        const before = updateCounts.kernel;
        expect(compare(make, dtype, resident)).toBeNull();
        // every parameter of every step took the kernel where the kernels load
        expect(updateCounts.kernel - before).toBe(wasm ? SIZES.length * STEPS : 0);
      });
    }
  }

  it("the dispatcher's own choice (auto) gives the loops' bits too", () => {
    for (const [, make] of CASES) for (const resident of [true, false]) expect(compare(make, dtype, resident, "auto")).toBeNull();
  });
});

describe.each(["float32", "float64"] as const)("a recorded step replayed on the kernels, %s", (dtype) => {
  it.each(CASES)("%s: the eager loops' bits after every step", (_, make) => {
    const [eager, compiled] = [params(dtype), params(dtype)];
    const [optE, optC] = [make(eager), make(compiled)];
    let recording: Recording | null = null;
    const before = updateCounts.kernel;
    for (let k = 0; k < STEPS; k++) {
      gradients(eager, k, false).forEach((g, i) => (eager[i]!.grad = g));
      stepOn("loop", optE);
      const grads = gradients(compiled, k, true);
      if (recording === null) {
        grads.forEach((g, i) => (compiled[i]!.grad = g));
        recording = record(() => optC.step()).recording;
      } else {
        // as a compiled step's backward does: the new gradients written into the recorded ones
        grads.forEach((g, i) => (compiled[i]!.grad!.data as Float32Array | Float64Array).set(g.toTypedArray() as Float32Array | Float64Array));
        replay(recording);
      }
      expect(firstDifference(snapshot(optC, compiled), snapshot(optE, eager)), `after step ${k + 1}`).toBeNull();
    }
    const large = SIZES.filter((n) => n >= THRESHOLDS.wasmOptimizer).length;
    expect(updateCounts.kernel - before).toBe(wasm ? large * STEPS : 0);
  });
});

describe("optimiser update kernels: when they run", () => {
  it.runIf(wasm)("on their own, the kernels take resident parameters from wasmOptimizer elements, plain gradients from wasmOptimizerStage", () => {
    const kernelUpdates = (resident: boolean): number => {
      const ps = params("float32");
      const opt = new SGD(ps, { lr: 0.1 });
      gradients(ps, 0, resident).forEach((g, i) => (ps[i]!.grad = g));
      const before = updateCounts.kernel;
      opt.step();
      return updateCounts.kernel - before;
    };
    expect(kernelUpdates(true)).toBe(SIZES.filter((n) => n >= THRESHOLDS.wasmOptimizer).length);
    expect(kernelUpdates(false)).toBe(SIZES.filter((n) => n >= THRESHOLDS.wasmOptimizerStage).length);
    // the sizes straddle both thresholds
    expect(SIZES.filter((n) => n >= THRESHOLDS.wasmOptimizer && n < THRESHOLDS.wasmOptimizerStage).length).toBeGreaterThan(0);
  });

  it.runIf(wasm)("a fresh momentum buffer switched on by a schedule matches the loop", () => {
    const run = (path: UpdatePath): number[] => {
      const w = variable(sample([300], "float32", 3), { requiresGrad: true });
      const opt = new SGD([w], { lr: 0.1 });
      for (let k = 0; k < 3; k++) {
        if (k === 1) opt.paramGroups[0]!.momentum = 0.9;
        w.grad = sample([300], "float32", 50 + k);
        stepOn(path, opt);
      }
      return Array.from(w.data.toTypedArray() as Float32Array);
    };
    expect(run("kernel")).toEqual(run("loop"));
  });

  it.runIf(wasm)("a non-resident parameter (a transposed view, updated in a copy) keeps the loop, with the same result", () => {
    const run = (path: UpdatePath): number[] => {
      const w = variable(sample([20, 30], "float32", 4).T, { requiresGrad: true });
      const opt = new Adam([w], { lr: 0.1 });
      w.grad = sample([30, 20], "float32", 5);
      stepOn(path, opt);
      return Array.from(w.data.contiguous().toTypedArray() as Float32Array);
    };
    const before = updateCounts.kernel;
    const [kernel, loop] = [run("kernel"), run("loop")];
    expect(updateCounts.kernel).toBe(before);
    expect(kernel).toEqual(loop);
  });

  it.runIf(wasm)("without the WebAssembly kernels every update runs the loop", () => {
    const w = variable(tensor([1, 2, 3]), { requiresGrad: true });
    const opt = new SGD([w], { lr: 0.5 });
    w.grad = tensor([2, 2, 2]);
    setKernelOptions({ wasm: false });
    const before = updateCounts.kernel;
    try {
      stepOn("kernel", opt);
    } finally {
      setKernelOptions({ wasm: true });
    }
    expect(updateCounts.kernel).toBe(before);
    expect(w.data.toArray()).toEqual([0, 1, 2]);
  });
});
