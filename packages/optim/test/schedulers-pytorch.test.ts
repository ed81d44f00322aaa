// Every schedule's learning rates (and OneCycleLR's momenta), epoch by epoch with two parameter
// groups, against PyTorch 1.13's: fixtures written by test/scripts/pytorch_fixtures.py.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { variable } from "@strata/autograd";
import { zeros } from "@strata/tensor";
import {
  Adam, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, OneCycleLR, RMSprop, ReduceLROnPlateau, SGD, SequentialLR, StepLR,
  type LRScheduler, type Optimizer, type ParamGroup,
} from "@strata/optim";

interface Case {
  name: string;
  optimizer: "SGD" | "Adam" | "RMSprop";
  lrs0: [number, number];
  config: Record<string, unknown>;
  steps: number;
  lrs: number[][];
  momenta?: number[][];
  metrics?: number[];
}

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "schedulers.json"), "utf8")) as { torch: string; cases: Case[] };

/** The lambdas of the LambdaLR cases, as the script defines them. */
const LAMBDAS: Record<string, (e: number) => number> = {
  pow95: (e) => 0.95 ** e,
  halveEvery2: (e) => 0.5 ** Math.floor(e / 2),
  inverse: (e) => 1 / (e + 1),
};

/** The script's optimiser: two one-parameter groups with rates `lrs` (SGD with momentum 0.9). */
function optimizer(kind: Case["optimizer"], lrs: number[]): Optimizer {
  const groups = lrs.map((lr) => ({ params: [variable(zeros([2], { dtype: "float64" }), { requiresGrad: true })], lr }));
  if (kind === "SGD") return new SGD(groups, { lr: lrs[0]!, momentum: 0.9 });
  if (kind === "Adam") return new Adam(groups, { lr: lrs[0]! });
  return new RMSprop(groups, { lr: lrs[0]! });
}

/** An epoch schedule by name, with the fixture's options. */
function epochSchedule(opt: Optimizer, kind: string, config: Record<string, unknown>): LRScheduler {
  switch (kind) {
    case "StepLR":
      return new StepLR(opt, config as never);
    case "ExponentialLR":
      return new ExponentialLR(opt, config as never);
    case "CosineAnnealingLR":
      return new CosineAnnealingLR(opt, config as never);
    case "LinearLR":
      return new LinearLR(opt, config);
    case "LambdaLR": {
      const names = config.lrLambda as string | string[];
      return new LambdaLR(opt, { lrLambda: Array.isArray(names) ? names.map((n) => LAMBDAS[n]!) : LAMBDAS[names]! });
    }
    case "SequentialLR": {
      const parts = config.schedulers as [string, Record<string, unknown>][];
      return new SequentialLR(opt, { schedulers: parts.map(([k, c]) => epochSchedule(opt, k, c)), milestones: config.milestones as number[] });
    }
    case "OneCycleLR":
      return new OneCycleLR(opt, config as never);
    default:
      throw new Error(`no schedule ${kind}`);
  }
}

const momentum = (g: ParamGroup): number => {
  const group = g as ParamGroup & { momentum?: number; betas?: readonly number[] };
  return group.betas ? group.betas[0]! : group.momentum!;
};

describe(`schedules against PyTorch ${fixtures.torch}, two parameter groups`, () => {
  it("covers every schedule", () => {
    const kinds = new Set(fixtures.cases.map((c) => c.name.split(" ")[0]));
    expect([...kinds].sort()).toEqual(["CosineAnnealingLR", "ExponentialLR", "LambdaLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR", "StepLR"]);
  });

  for (const c of fixtures.cases) {
    it(`${c.name} (${c.optimizer}): ${c.steps} steps${c.momenta ? ", rates and momenta" : ""}`, () => {
      const opt = optimizer(c.optimizer, c.lrs0);
      const kind = c.name.split(" ")[0]!;
      const lrs: number[][] = [];
      const momenta: number[][] = [];
      const record = () => {
        lrs.push(opt.paramGroups.map((g) => g.lr));
        momenta.push(opt.paramGroups.map(momentum));
      };
      if (kind === "ReduceLROnPlateau") {
        const sched = new ReduceLROnPlateau(opt, c.config);
        record();
        for (const metric of c.metrics!) {
          sched.step(metric);
          expect(sched.getLastLr()).toEqual(opt.paramGroups.map((g) => g.lr));
          lrs.push(opt.paramGroups.map((g) => g.lr));
        }
      } else {
        const sched = epochSchedule(opt, kind, c.config); // writes epoch 0's rates
        record();
        expect(sched.getLastLr()).toEqual(lrs[0]);
        for (let k = 0; k < c.steps; k++) {
          sched.step();
          expect(sched.getLastLr()).toEqual(opt.paramGroups.map((g) => g.lr));
          record();
        }
      }
      if (kind === "OneCycleLR") {
        // PyTorch extrapolates the last phase at step totalSteps (one past its end); Strata holds
        // the final values there, those of step totalSteps − 1.
        const T = c.steps;
        expect(lrs.slice(0, T)).toAllClose(c.lrs.slice(0, T), { rtol: 1e-12, atol: 1e-12 });
        expect(momenta.slice(0, T)).toAllClose(c.momenta!.slice(0, T), { rtol: 1e-12, atol: 1e-12 });
        expect(lrs[T]).toEqual(lrs[T - 1]);
        expect(momenta[T]).toEqual(momenta[T - 1]);
        expect(c.lrs[T]).not.toEqual(c.lrs[T - 1]);
      } else {
        expect(lrs).toAllClose(c.lrs, { rtol: 1e-12, atol: 1e-12 });
        if (c.momenta) expect(momenta).toAllClose(c.momenta, { rtol: 1e-12, atol: 1e-12 });
      }
      // the two groups' sequences differ (each from its own base), so a mix-up would show
      if (kind !== "OneCycleLR" || Array.isArray(c.config.maxLr)) expect(c.lrs.some(([a, b]) => a !== b)).toBe(true);
    });
  }
});
