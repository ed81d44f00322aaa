// The schedules beyond their PyTorch sequences: option checks, what they refuse at a step (and
// that nothing changes then), state dicts (round trips, the format before groups), and the
// single-rate conveniences over several groups.
import { describe, expect, it } from "vitest";
import { variable } from "@strata/autograd";
import {
  Adam, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, OneCycleLR, ReduceLROnPlateau, SGD, SequentialLR, StepLR,
  type LRScheduler, type Optimizer,
} from "@strata/optim";
import { param, thrown } from "./helpers.js";

const twoGroups = (lrs = [0.1, 0.02]): SGD => new SGD(lrs.map((lr) => ({ params: [param()], lr })), { lr: lrs[0]!, momentum: 0.9 });
const rates = (opt: Optimizer): number[] => opt.paramGroups.map((g) => g.lr);
const run = (sched: { step(): void }, n: number): void => {
  for (let i = 0; i < n; i++) sched.step();
};

describe("option checks", () => {
  it("name the schedule and the option", () => {
    const opt = twoGroups();
    const cases: [() => unknown, string][] = [
      [() => new LinearLR(opt, { startFactor: 0 }), "LinearLR: startFactor must be in (0, 1], got 0"],
      [() => new LinearLR(opt, { endFactor: 1.5 }), "LinearLR: endFactor must be in [0, 1], got 1.5"],
      [() => new LinearLR(opt, { totalIters: 0 }), "LinearLR: totalIters must be a positive integer, got 0"],
      [() => new LambdaLR(opt, { lrLambda: 3 as never }), "LambdaLR: lrLambda must be a function of the epoch (or an array of one per parameter group), got 3"],
      [() => new LambdaLR(opt, { lrLambda: [(e: number) => e] }), "LambdaLR: lrLambda must have one function per parameter group (2), got 1"],
      [() => new ReduceLROnPlateau(opt, { factor: 1 }), "ReduceLROnPlateau: factor must be in [0, 1), got 1"],
      [() => new ReduceLROnPlateau(opt, { mode: "up" as never }), 'ReduceLROnPlateau: mode must be "min" or "max", got "up"'],
      [() => new ReduceLROnPlateau(opt, { thresholdMode: "relative" as never }), 'ReduceLROnPlateau: thresholdMode must be "rel" or "abs", got "relative"'],
      [() => new ReduceLROnPlateau(opt, { patience: 1.5 }), "ReduceLROnPlateau: patience must be an integer >= 0, got 1.5"],
      [() => new ReduceLROnPlateau(opt, { minLr: [0.1] }), "ReduceLROnPlateau: minLr must have one value per parameter group (2), got 1 values"],
      [() => new ReduceLROnPlateau(opt, { minLr: [0, -1] }), "ReduceLROnPlateau: minLr[1] must be a finite number >= 0, got -1"],
      [() => new OneCycleLR(opt, { maxLr: 0.1 }), "OneCycleLR: give totalSteps, or epochs and stepsPerEpoch"],
      [() => new OneCycleLR(opt, { maxLr: 0.1, epochs: 3 }), "OneCycleLR: stepsPerEpoch must be a positive integer (with epochs, or give totalSteps), got undefined"],
      [() => new OneCycleLR(opt, { maxLr: [0.1, 0.2, 0.3], totalSteps: 10 }), "OneCycleLR: maxLr must have one value per parameter group (2), got 3 values"],
      [() => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, annealStrategy: "exp" as never }), 'OneCycleLR: annealStrategy must be "cos" or "linear", got "exp"'],
      [() => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, pctStart: 1.2 }), "OneCycleLR: pctStart must be in [0, 1], got 1.2"],
      [
        () => new OneCycleLR(opt, { maxLr: 0.1, totalSteps: 10, pctStart: 0.1 }),
        "OneCycleLR: with pctStart 0.1 and totalSteps 10, phase 1 of 2 would have no steps (it would start and end at step 0); change pctStart or totalSteps",
      ],
    ];
    for (const [fn, message] of cases) expect(thrown(fn).message).toBe(message);
    expect(rates(opt)).toEqual([0.1, 0.02]); // no failed constructor wrote its epoch 0
  });

  it("a momentum the optimiser refuses names the schedule and changes nothing", () => {
    const adam = new Adam([{ params: [param()] }, { params: [param()], lr: 0.002 }], { lr: 0.01 });
    expect(thrown(() => new OneCycleLR(adam, { maxLr: 0.1, totalSteps: 10, maxMomentum: 1 })).message).toBe(
      "OneCycleLR: Adam: group 0: betas[0] must be in [0, 1), got 1; nothing was changed",
    );
    expect([rates(adam), adam.paramGroups.map((g) => g.betas[0])]).toEqual([[0.01, 0.002], [0.9, 0.9]]);
  });
});

describe("steps that cannot be taken change nothing", () => {
  it("OneCycleLR past its last step, with PyTorch's rule of totalSteps calls", () => {
    const opt = twoGroups();
    const sched = new OneCycleLR(opt, { maxLr: [0.4, 0.2], totalSteps: 5 });
    run(sched, 5);
    const at5 = [rates(opt), opt.paramGroups.map((g) => g.momentum)];
    expect(thrown(() => sched.step()).message).toBe(
      "OneCycleLR: step 6 is past the end of the cycle: it has values for steps 0 to totalSteps 5; make a new OneCycleLR (or raise totalSteps) to train longer",
    );
    expect([rates(opt), opt.paramGroups.map((g) => g.momentum)]).toEqual(at5);
    expect(sched.epoch).toBe(5);
  });

  it("LambdaLR with a factor that is not a finite number, or that makes a rate negative", () => {
    const opt = twoGroups();
    const sched = new LambdaLR(opt, { lrLambda: [(e) => (e < 2 ? 1 : NaN), (e) => 1 - e] });
    sched.step(); // group 1: factor 0
    expect(rates(opt)).toEqual([0.1, 0]);
    expect(thrown(() => sched.step()).message).toBe("LambdaLR: lrLambda[0](2) returned NaN; expected a finite number");
    const neg = new LambdaLR(twoGroups(), { lrLambda: (e) => 1 - e });
    run(neg, 1);
    expect(thrown(() => neg.step()).message).toBe("LambdaLR: the learning rate of group 0 at epoch 2 would be -0.1; nothing was changed");
    expect([neg.epoch, rates(neg.optimizer)]).toEqual([1, [0, 0]]);
    expect(rates(opt)).toEqual([0.1, 0]);
  });

  it("any schedule after a group was added to its optimiser", () => {
    const opt = twoGroups();
    const sched = new StepLR(opt, { stepSize: 1 });
    const plateau = new ReduceLROnPlateau(opt);
    opt.addParamGroup({ params: [param()] });
    const message = "the optimizer has 3 parameter groups, but the schedule was made for 2 (a group added later); make a new schedule";
    expect(thrown(() => sched.step()).message).toBe(`StepLR: ${message}`);
    expect(thrown(() => plateau.step(1)).message).toBe(`ReduceLROnPlateau: ${message}`);
    expect(rates(opt)).toEqual([0.1, 0.02, 0.1]);
  });

  it("ReduceLROnPlateau with a metric that is not a number or is NaN", () => {
    const sched = new ReduceLROnPlateau(twoGroups());
    expect(thrown(() => sched.step(NaN)).message).toBe("ReduceLROnPlateau: step(metric) needs the metric as a number that is not NaN; the training may have diverged, got NaN");
    expect(thrown(() => sched.step(variable([1]) as never)).message).toBe("ReduceLROnPlateau: step(metric) needs the metric as a number that is not NaN (e.g. loss.item()), got a Variable");
    expect(sched.epoch).toBe(0);
  });
});

describe("SequentialLR", () => {
  it("refuses a metric schedule, another optimiser's schedule and bad milestones", () => {
    const opt = twoGroups();
    const a = new LinearLR(opt);
    const b = new ExponentialLR(opt, { gamma: 0.9 });
    expect(thrown(() => new SequentialLR(opt, { schedulers: [a, new ReduceLROnPlateau(opt) as never], milestones: [2] })).message).toBe(
      "SequentialLR: schedulers[1] is not an epoch schedule (StepLR, LinearLR, …): ReduceLROnPlateau steps on a metric, so it cannot be sequenced",
    );
    expect(thrown(() => new SequentialLR(opt, { schedulers: [a, new StepLR(twoGroups(), { stepSize: 1 })], milestones: [2] })).message).toBe(
      "SequentialLR: schedulers[1] (StepLR) belongs to another optimizer than the one given",
    );
    for (const milestones of [[], [2, 3], [0], [1.5]]) {
      expect(thrown(() => new SequentialLR(opt, { schedulers: [a, b], milestones })).message).toBe(
        `SequentialLR: milestones must be 1 increasing positive integers (one fewer than the 2 schedulers), got [${milestones.join(", ")}]`,
      );
    }
  });

  it("every schedule scales the rates from before the first one, however the rates stood when it was made", () => {
    const opt = twoGroups();
    const warm = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 }); // sets 0.05, 0.01
    const decay = new ExponentialLR(opt, { gamma: 0.5 }); // made from those rates
    expect(decay.baseLrs).toEqual([0.05, 0.01]);
    const seq = new SequentialLR(opt, { schedulers: [warm, decay], milestones: [2] });
    expect(decay.baseLrs).toEqual([0.1, 0.02]);
    const got = [rates(opt)];
    for (let e = 0; e < 4; e++) {
      seq.step();
      got.push(rates(opt));
    }
    // epochs 0, 1 warm up (0.5, 0.75 of the base); from epoch 2 the decay's own epochs 0, 1, 2
    const want = [0.5, 0.75, 1, 0.5, 0.25].map((f) => [0.1 * f, 0.02 * f]);
    expect(got).toAllClose(want, { rtol: 1e-15 });
  });
});

describe("state dicts", () => {
  /** Runs `make` for `n` steps uninterrupted, and for `k` then saved, loaded into a fresh one and run to `n`: the rates must agree. */
  function resumes(make: (opt: Optimizer) => LRScheduler, n: number, k: number): void {
    const momenta = (opt: Optimizer) => opt.paramGroups.map((g) => (g as unknown as { momentum: number }).momentum);
    const whole = twoGroups();
    const ws = make(whole);
    const all: number[][][] = [];
    for (let e = 0; e < n; e++) {
      ws.step();
      all.push([rates(whole), momenta(whole)]);
    }
    const first = twoGroups();
    const fs = make(first);
    run(fs, k);
    const saved = JSON.parse(JSON.stringify(fs.stateDict()));
    const second = twoGroups([0.7, 0.3]); // other rates: the dict's base rates win
    const ss = make(second);
    ss.loadStateDict(saved);
    expect([rates(second), momenta(second)]).toEqual(all[k - 1]);
    expect(ss.getLastLr()).toEqual(all[k - 1]![0]);
    for (let e = k; e < n; e++) {
      ss.step();
      expect([rates(second), momenta(second)]).toEqual(all[e]);
    }
  }

  it("LinearLR, LambdaLR and SequentialLR resume where they stopped", () => {
    resumes((o) => new LinearLR(o, { startFactor: 0.2, totalIters: 6 }), 8, 3);
    resumes((o) => new LambdaLR(o, { lrLambda: [(e) => 0.9 ** e, (e) => 1 / (1 + e)] }), 6, 2);
    resumes((o) => new SequentialLR(o, { schedulers: [new LinearLR(o, { startFactor: 0.1, totalIters: 3 }), new CosineAnnealingLR(o, { tMax: 5 })], milestones: [3] }), 9, 4);
  });

  it("OneCycleLR resumes its rates and momenta", () => {
    resumes((o) => new OneCycleLR(o, { maxLr: [0.5, 0.1], totalSteps: 12, threePhase: true }), 12, 5);
  });

  it("the format before groups (one baseLr) loads for one group, and is refused for two", () => {
    const single = new SGD([param()], { lr: 0.5 });
    const sched = new StepLR(single, { stepSize: 2, gamma: 0.5 });
    sched.loadStateDict({ kind: "StepLR", epoch: 4, baseLr: 0.2 });
    expect([single.lr, sched.baseLrs, sched.epoch]).toEqual([0.05, [0.2], 4]);
    const opt = twoGroups();
    const two = new StepLR(opt, { stepSize: 2 });
    expect(thrown(() => two.loadStateDict({ kind: "StepLR", epoch: 4, baseLr: 0.2 })).message).toBe(
      "StepLR.loadStateDict: the state dict does not fit this schedule, nothing was changed:\n  - baseLr (the format before parameter groups) fits an optimizer with one group; this one has 2",
    );
    expect(thrown(() => two.loadStateDict({ kind: "StepLR", epoch: 1, baseLrs: [0.1] })).message).toContain("baseLrs must be 2 finite numbers >= 0 (one per parameter group), got [0.1]");
    const cycle = new OneCycleLR(twoGroups(), { maxLr: 0.1, totalSteps: 4 });
    expect(thrown(() => cycle.loadStateDict({ ...cycle.stateDict(), epoch: 5 })).message).toContain("OneCycleLR: step 5 is past the end of the cycle");
    expect(rates(opt)).toEqual([0.1, 0.02]);
  });

  it("ReduceLROnPlateau keeps its counters; best survives JSON before the first metric", () => {
    const metrics = [1, 0.9, 0.95, 0.97, 0.96, 0.99, 0.5, 0.6, 0.7];
    const make = (opt: Optimizer) => new ReduceLROnPlateau(opt, { patience: 1, cooldown: 1 });
    const whole = twoGroups();
    const w = make(whole);
    const first = twoGroups();
    const f = make(first);
    const fresh = make(twoGroups());
    fresh.loadStateDict(JSON.parse(JSON.stringify(f.stateDict()))); // best: Infinity → null
    expect(fresh.stateDict().best).toBe(Infinity);
    for (const m of metrics.slice(0, 4)) [w, f].forEach((s) => s.step(m));
    const second = twoGroups();
    second.loadStateDict(first.stateDict()); // the rates travel with the optimiser
    const s = make(second);
    s.loadStateDict(JSON.parse(JSON.stringify(f.stateDict())));
    expect(s.stateDict()).toEqual(w.stateDict());
    for (const m of metrics.slice(4)) {
      w.step(m);
      s.step(m);
      expect(rates(second)).toEqual(rates(whole));
    }
    expect(rates(whole)).not.toEqual([0.1, 0.02]);
    expect(thrown(() => s.loadStateDict({ kind: "StepLR", epoch: -1, best: "x" as never, numBadEpochs: 0, cooldownCounter: 0 })).message).toBe(
      "ReduceLROnPlateau.loadStateDict: the state dict does not fit this schedule, nothing was changed:\n" +
        '  - kind is "StepLR", expected "ReduceLROnPlateau"\n  - epoch must be an integer >= 0, got -1\n  - best must be a number or null, got "x"',
    );
  });
});

describe("single-rate conveniences over several groups", () => {
  it("baseLr and lastLr read one rate, and throw when the groups differ", () => {
    const sched = new ExponentialLR(twoGroups(), { gamma: 0.5 });
    sched.step();
    expect([sched.baseLrs, sched.getLastLr()]).toEqual([[0.1, 0.02], [0.05, 0.01]]);
    expect(thrown(() => sched.baseLr).message).toBe("ExponentialLR: baseLr is ambiguous: the 2 parameter groups have different values (0.1, 0.02); read baseLrs");
    expect(thrown(() => sched.lastLr).message).toBe("ExponentialLR: lastLr is ambiguous: the 2 parameter groups have different values (0.05, 0.01); read getLastLr()");
    const same = new ExponentialLR(twoGroups([0.4, 0.4]), { gamma: 0.5 });
    same.step();
    expect([same.baseLr, same.lastLr]).toEqual([0.4, 0.2]);
  });
});
