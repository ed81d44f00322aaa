// Optimisers, schedules and gradient clipping under record/replay: two identical setups, one
// stepped eagerly, the other recorded on its first step and replayed after, with the same new
// gradients written in place into the recorded gradient tensors. After every step the parameters
// and every piece of optimiser state (step counts, moment buffers) must be equal element for
// element; a rate a schedule changes between steps, options changed by hand and state created
// lazily on a later step must all reach the replayed update.
import { describe, expect, it } from "vitest";
import { variable, type Variable } from "@strata/autograd";
import { Tensor, record, replay, type Recording } from "@strata/tensor";
import { Adam, AdamW, CosineAnnealingLR, ReduceLROnPlateau, RMSprop, SGD, StepLR, clipGradNorm, type Optimizer } from "@strata/optim";
import { sample } from "../../tensor/test/reference.js";
import { freshArray, inRefillMode, type RefillMode } from "../../tensor/test/replay.js";

type Float = "float32" | "float64";

/** Parameters: a small matrix, one above the WebAssembly thresholds, a transposed view, and a frozen one. */
function setup(dtype: Float): Variable[] {
  const view = sample([3, 2], dtype, 3).T;
  return [
    variable(sample([2, 3], dtype, 1), { requiresGrad: true }),
    variable(sample([64, 80], dtype, 2), { requiresGrad: true }),
    variable(view, { requiresGrad: true }),
    variable(sample([4], dtype, 4), { requiresGrad: true }),
  ];
}

/** The gradients of step k (none for the last, frozen parameter). */
function gradients(params: readonly Variable[], k: number, scale = 1): (Tensor | null)[] {
  const s = scale * (1 + (k % 3) * 0.3);
  return params.map((p, i) => (i === 3 ? null : sample(p.shape, p.dtype as Float, 100 * k + i, -s, s)));
}

/** Every parameter's values, every state entry and the groups' rates, each a name and its numbers. */
function snapshot(opt: Optimizer, params: readonly Variable[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const numbers = (t: Tensor): number[] => Array.from(t.contiguous().toTypedArray() as ArrayLike<number>);
  params.forEach((p, i) => out.set(`param ${i}`, numbers(p.data)));
  opt.stateDict().state.forEach((entry, i) => {
    for (const [k, v] of Object.entries(entry)) out.set(`state ${i}.${k}`, v instanceof Tensor ? numbers(v) : [v as number]);
  });
  out.set("lrs", opt.paramGroups.map((g) => g.lr));
  return out;
}

/** The first difference between two snapshots, or null ("state 1.expAvg[17]: 0.5 vs 0.25"). */
function firstDifference(a: Map<string, number[]>, b: Map<string, number[]>): string | null {
  const names = [...new Set([...a.keys(), ...b.keys()])];
  for (const name of names) {
    const [x, y] = [a.get(name), b.get(name)];
    if (x === undefined || y === undefined || x.length !== y.length) return `${name}: ${x?.length} vs ${y?.length} values`;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return `${name}[${i}]: ${x[i]} vs ${y[i]}`;
  }
  return null;
}

/**
 * Steps `steps` times both ways: `body` (an optimiser step, maybe more) eagerly on one setup, and
 * recorded once then replayed on the other; `between(opt, k)` runs after step k on both, outside
 * the recording. All of it twice: with the new gradients written in place, and with every
 * parameter and gradient moved to a fresh array before each replay (as makeResident or a bound
 * compile argument would), which work holding an array taken at setup would miss. Returns the
 * recording of the second run.
 */
function compare(
  dtype: Float, make: (params: Variable[]) => Optimizer, body: (opt: Optimizer, params: Variable[]) => void,
  between: (opt: Optimizer, k: number) => void = () => {}, steps = 6, scale = 1,
): Recording {
  compareIn("in place", dtype, make, body, between, steps, scale);
  return compareIn("swapped", dtype, make, body, between, steps, scale);
}

function compareIn(
  mode: RefillMode, dtype: Float, make: (params: Variable[]) => Optimizer, body: (opt: Optimizer, params: Variable[]) => void,
  between: (opt: Optimizer, k: number) => void, steps: number, scale: number,
): Recording {
  const [eager, replayed] = [setup(dtype), setup(dtype)];
  const [optE, optR] = [make(eager), make(replayed)];
  let recording: Recording | null = null;
  for (let k = 0; k < steps; k++) {
    gradients(eager, k, scale).forEach((g, i) => (eager[i]!.grad = g));
    body(optE, eager);
    const grads = gradients(replayed, k, scale);
    if (recording === null) {
      grads.forEach((g, i) => (replayed[i]!.grad = g));
      recording = record(() => body(optR, replayed)).recording;
      expect(recording.refusals).toEqual([]);
    } else {
      inRefillMode(mode, () => replayed.forEach((p) => [p.data, p.grad].forEach((t) => t !== null && freshArray(t))));
      grads.forEach((g, i) => g && (replayed[i]!.grad!.data as Float32Array | Float64Array).set(g.toTypedArray() as Float32Array | Float64Array));
      replay(recording);
    }
    expect(firstDifference(snapshot(optR, replayed), snapshot(optE, eager)), `refilled ${mode}, after step ${k + 1}`).toBe(null);
    between(optE, k);
    between(optR, k);
  }
  return recording!;
}

const step = (opt: Optimizer): void => opt.step();

const optimizers: [string, (params: Variable[]) => Optimizer][] = [
  ["SGD", (ps) => new SGD(ps, { lr: 0.1 })],
  ["SGD with momentum, nesterov and weight decay", (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ["SGD with momentum and dampening", (ps) => new SGD(ps, { lr: 0.05, momentum: 0.8, dampening: 0.3 })],
  ["Adam", (ps) => new Adam(ps, { lr: 0.01, weightDecay: 0.02 })],
  ["Adam with amsgrad", (ps) => new Adam(ps, { lr: 0.01, amsgrad: true })],
  ["AdamW", (ps) => new AdamW(ps, { lr: 0.01, weightDecay: 0.1 })],
  ["RMSprop", (ps) => new RMSprop(ps, { lr: 0.01 })],
  ["RMSprop centered, with momentum and weight decay", (ps) => new RMSprop(ps, { lr: 0.01, centered: true, momentum: 0.5, weightDecay: 0.01 })],
];

describe.each(["float32", "float64"] as const)("optimisers replay as they step (%s)", (dtype) => {
  it.each(optimizers)("%s", (_, make) => {
    compare(dtype, make, step);
  });

  it.each(optimizers)("%s, with a StepLR halving the rate every 2 steps between steps", (_, make) => {
    const schedules = new Map<Optimizer, StepLR>();
    compare(dtype, (ps) => {
      const opt = make(ps);
      schedules.set(opt, new StepLR(opt, { stepSize: 2, gamma: 0.5 }));
      return opt;
    }, step, (opt) => schedules.get(opt)!.step());
    // six schedule steps: halved three times
    for (const s of schedules.values()) expect(s.lastLr).toBeCloseTo(s.baseLr / 8, 15);
  });
});

describe("state the replayed work must read live", () => {
  it("a schedule stepped inside the recorded step advances on every replay", () => {
    const schedules = new Map<Optimizer, CosineAnnealingLR>();
    compare("float64", (ps) => {
      const opt = new Adam(ps, { lr: 0.1 });
      schedules.set(opt, new CosineAnnealingLR(opt, { tMax: 4 }));
      return opt;
    }, (opt) => {
      opt.step();
      schedules.get(opt)!.step();
    }, () => {}, 5);
    // independently: after 5 steps of a cosine over tMax 4, the rate is 0.1·(1 + cos(5π/4))/2
    for (const s of schedules.values()) expect(s.lastLr).toBeCloseTo(0.1 * (1 + Math.cos((5 * Math.PI) / 4)) / 2, 12);
  });

  it("momentum switched on by hand after the recording: its buffer is made on replay and kept", () => {
    compare("float32", (ps) => new SGD(ps, { lr: 0.1 }), step, (opt, k) => {
      if (k === 2) (opt as SGD).paramGroups[0]!.momentum = 0.9;
      if (k === 3) opt.paramGroups[0]!.lr = 0.02;
    });
  });

  it("gradient clipping measures and scales each replay's gradients (some steps above maxNorm, some below)", () => {
    const norms: number[] = [];
    compare("float64", (ps) => new SGD(ps, { lr: 0.1 }), (opt, ps) => {
      norms.push(clipGradNorm(ps, 40));
      opt.step();
    }, () => {}, 6, 0.8);
    expect(norms.length).toBe(14); // six eager calls and the recorded one, in each refill mode
    expect(norms.some((n) => n > 40) && norms.some((n) => n < 40)).toBe(true);
  });

  it("ReduceLROnPlateau.step inside a recording refuses it (its metric would be frozen)", () => {
    const opt = new SGD([variable([1], { requiresGrad: true })], { lr: 0.1 });
    const plateau = new ReduceLROnPlateau(opt);
    const { recording } = record(() => plateau.step(1));
    expect(recording.refusals).toEqual([expect.stringMatching(/ReduceLROnPlateau\.step\(metric\): the metric is a JavaScript number/)]);
  });
});
