// The optimisers' updates: TypeScript loops against the WebAssembly kernels that replace them
// (packages/tensor/assembly/optim.ts, bit for bit the loops' results), forced with setUpdatePath.
//   1. One optimiser step over the MLP 784-256-128-10's parameters (235,146 float32), gradients
//      resident (as a compiled step's are) or plain (as an eager step's: the kernel path copies
//      them in), for SGD (lr 0.01, as the MLP row), SGD with momentum, Adam and RMSprop.
//   2. One parameter of n elements, SGD and Adam: where the kernel's fixed cost meets the loop (the
//      dispatcher's thresholds wasmOptimizer and wasmOptimizerStage).
//   3. The whole MLP step (bench/src/compare-workloads.ts), compiled and eager, loops against kernels.
import { variable, type Variable } from "@strata/autograd";
import { Adam, RMSprop, SGD, type Optimizer } from "@strata/optim";
import { kernelOptions, kernelsReady, makeResident, randn, rng } from "@strata/tensor";
import { setUpdatePath, type UpdatePath } from "../../packages/optim/src/optimizer.js";
import { mlpWorkload } from "./compare-workloads.js";
import { printTable, time } from "./harness.js";

const MLP_SHAPES = [[256, 784], [256, 1], [128, 256], [128, 1], [10, 128], [10, 1]];

/** Parameters of the given shapes with gradients, resident or plain. */
function parameters(shapes: number[][], residentGrads: boolean): Variable[] {
  const r = rng(1);
  return shapes.map((shape) => {
    const p = variable(randn(shape, { rng: r }), { requiresGrad: true });
    const g = randn(shape, { rng: r }).mul(0.01);
    if (residentGrads) makeResident(g);
    p.grad = g;
    return p;
  });
}

/** Median µs of one `opt.step()` on `path`. */
function stepTime(name: string, opt: Optimizer, path: UpdatePath): number {
  const previous = setUpdatePath(path);
  try {
    return time(name, () => opt.step(), { warmup: 20, reps: 200, budgetMs: 2000 }).medianMs * 1000;
  } finally {
    setUpdatePath(previous);
  }
}

const OPTIMISERS: [string, (ps: Variable[]) => Optimizer][] = [
  ["SGD lr 0.01", (ps) => new SGD(ps, { lr: 0.01 })],
  ["SGD momentum 0.9", (ps) => new SGD(ps, { lr: 0.01, momentum: 0.9 })],
  ["Adam", (ps) => new Adam(ps, { lr: 1e-3 })],
  ["RMSprop", (ps) => new RMSprop(ps, { lr: 1e-3 })],
];

export async function run(): Promise<Record<string, number>> {
  await kernelsReady(); // helper threads up, for the compiled step's products
  if (!kernelOptions().wasm) throw new Error("bench optim-update: the WebAssembly kernels did not load");
  const out: Record<string, number> = {};
  const rows: (string | number)[][] = [];
  for (const [name, make] of OPTIMISERS) {
    const resident = make(parameters(MLP_SHAPES, true));
    const plain = make(parameters(MLP_SHAPES, false));
    const loop = stepTime(`${name} loop`, resident, "loop");
    const kernel = stepTime(`${name} kernel`, resident, "auto");
    const staged = stepTime(`${name} kernel, staged`, plain, "auto");
    rows.push([name, loop, kernel, staged, `${(loop / kernel).toFixed(2)}x`, `${(loop / staged).toFixed(2)}x`]);
    Object.assign(out, { [`${name} loop`]: loop, [`${name} kernel`]: kernel, [`${name} staged`]: staged });
  }
  printTable("One step over the MLP's 235,146 float32 parameters, µs (median)", ["optimiser", "loop", "kernel", "kernel, grads staged", "speed-up", "staged speed-up"], rows);

  for (const [name, make] of [OPTIMISERS[0]!, OPTIMISERS[2]!]) {
    const small: (string | number)[][] = [];
    for (const n of [16, 64, 128, 256, 384, 512, 768, 1024, 4096]) {
      const resident = make(parameters([[n]], true));
      const plain = make(parameters([[n]], false));
      small.push([n, stepTime("loop", resident, "loop"), stepTime("kernel", resident, "kernel"), stepTime("staged", plain, "kernel")]);
    }
    printTable(`${name}, one parameter of n float32 elements, µs per step (median)`, ["n", "loop", "kernel", "kernel, grad staged"], small);
  }

  // One step per mode, timed on either path in alternation (the optimiser's work reads the path
  // when it runs, replays included), five rounds each, the best median of each path kept: the
  // machine is shared, and alternation spreads other load over both columns.
  const steps: (string | number)[][] = [];
  for (const mode of ["compiled", "eager"] as const) {
    const step = mlpWorkload([784, 256, 128, 10], 128, 1, mode).strata.run;
    const best = { loop: Infinity, auto: Infinity };
    for (let round = 0; round < 5; round++) {
      for (const path of ["loop", "auto"] as const) {
        const previous = setUpdatePath(path);
        try {
          best[path] = Math.min(best[path], time(`${mode} MLP step, ${path}`, step, { warmup: 10, reps: 100, budgetMs: 1500 }).medianMs);
        } finally {
          setUpdatePath(previous);
        }
      }
    }
    steps.push([mode, best.loop, best.auto, `${(best.loop - best.auto).toFixed(2)}`]);
    Object.assign(out, { [`${mode} MLP step loop`]: best.loop, [`${mode} MLP step kernel`]: best.auto });
  }
  printTable("The MLP step 784-256-128-10, batch 128, SGD lr 0.01, ms (best of 5 medians)", ["step", "TypeScript loops", "kernels", "saved"], steps);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
