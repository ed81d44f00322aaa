// Learning-rate schedules against their closed forms, epoch by epoch, and their state dicts.
import { describe, expect, it } from "vitest";
import { CosineAnnealingLR, ExponentialLR, SGD, StepLR, type LRScheduler, type Optimizer, Adam } from "@strata/optim";
import { param, thrown } from "./helpers.js";

const sgd = (lr: number): SGD => new SGD([param()], { lr });

/** The lr after each of `n` epochs (entry 0 is before any step). */
function lrs(sched: LRScheduler, opt: Optimizer, n: number): number[] {
  const out = [opt.lr];
  for (let e = 0; e < n; e++) {
    sched.step();
    expect(sched.lastLr).toBe(opt.lr);
    out.push(opt.lr);
  }
  return out;
}

const closed = (n: number, f: (epoch: number) => number): number[] => Array.from({ length: n + 1 }, (_, e) => f(e));

describe("StepLR", () => {
  it("decays by gamma every stepSize epochs: base·γ^⌊epoch/stepSize⌋", () => {
    const opt = sgd(0.5);
    const sched = new StepLR(opt, { stepSize: 3, gamma: 0.2 });
    expect(sched.baseLr).toBe(0.5);
    expect(lrs(sched, opt, 10)).toAllClose(closed(10, (e) => 0.5 * 0.2 ** Math.floor(e / 3)), { rtol: 1e-15 });
    expect(sched.epoch).toBe(10);
  });

  it("defaults gamma to 0.1", () => {
    const opt = sgd(1);
    expect(lrs(new StepLR(opt, { stepSize: 2 }), opt, 6)).toAllClose([1, 1, 0.1, 0.1, 0.01, 0.01, 0.001], { rtol: 1e-15 });
  });

  it("checks its options", () => {
    expect(thrown(() => new StepLR(sgd(1), { stepSize: 0 })).message).toBe("StepLR: stepSize must be a positive integer, got 0");
    expect(thrown(() => new StepLR(sgd(1), { stepSize: 1.5 })).message).toBe("StepLR: stepSize must be a positive integer, got 1.5");
    expect(thrown(() => new StepLR(sgd(1), { stepSize: 2, gamma: -1 })).message).toBe("StepLR: gamma must be a finite number > 0, got -1");
    expect(thrown(() => new StepLR({ lr: 1 } as unknown as Optimizer, { stepSize: 2 })).message).toMatch(/^StepLR: expected an Optimizer/);
  });
});

describe("ExponentialLR", () => {
  it("decays by gamma every epoch: base·γ^epoch", () => {
    const opt = new Adam([param()], { lr: 0.3 });
    const sched = new ExponentialLR(opt, { gamma: 0.9 });
    expect(lrs(sched, opt, 8)).toAllClose(closed(8, (e) => 0.3 * 0.9 ** e), { rtol: 1e-14 });
  });

  it("checks gamma", () => {
    expect(thrown(() => new ExponentialLR(sgd(1), { gamma: 0 })).message).toBe("ExponentialLR: gamma must be a finite number > 0, got 0");
    expect(thrown(() => new ExponentialLR(sgd(1), {} as { gamma: number })).message).toBe("ExponentialLR: gamma must be a finite number > 0, got undefined");
  });
});

describe("CosineAnnealingLR", () => {
  it("follows etaMin + (base − etaMin)(1 + cos(π·epoch/tMax))/2, continuing the cosine past tMax", () => {
    const opt = sgd(0.1);
    const sched = new CosineAnnealingLR(opt, { tMax: 5, etaMin: 0.01 });
    const want = closed(12, (e) => 0.01 + ((0.1 - 0.01) * (1 + Math.cos((Math.PI * e) / 5))) / 2);
    const got = lrs(sched, opt, 12);
    expect(got).toAllClose(want, { rtol: 1e-14 });
    expect(got[5]).toBeCloseTo(0.01, 15); // the bottom at tMax
    expect(got[10]).toBeCloseTo(0.1, 15); // back at the top at 2·tMax
  });

  it("defaults etaMin to 0 and checks its options", () => {
    const opt = sgd(2);
    expect(lrs(new CosineAnnealingLR(opt, { tMax: 4 }), opt, 8)).toAllClose(closed(8, (e) => (2 * (1 + Math.cos((Math.PI * e) / 4))) / 2), {
      rtol: 1e-14,
      atol: 1e-15,
    });
    expect(thrown(() => new CosineAnnealingLR(sgd(1), { tMax: 0 })).message).toBe("CosineAnnealingLR: tMax must be a positive integer, got 0");
    expect(thrown(() => new CosineAnnealingLR(sgd(1), { tMax: 3, etaMin: -1 })).message).toBe("CosineAnnealingLR: etaMin must be a finite number >= 0, got -1");
  });
});

describe("scheduler state dicts", () => {
  it("resume at the saved epoch: the lr sequence continues as if uninterrupted", () => {
    const opt = sgd(0.1);
    const sched = new CosineAnnealingLR(opt, { tMax: 6, etaMin: 0.001 });
    const all = lrs(sched, opt, 8);

    const first = sgd(0.1);
    const s1 = new CosineAnnealingLR(first, { tMax: 6, etaMin: 0.001 });
    lrs(s1, first, 3);
    const saved = s1.stateDict();
    expect(saved).toEqual({ kind: "CosineAnnealingLR", epoch: 3, baseLrs: [0.1] });

    const second = sgd(0.7); // a different lr: the schedule's base comes from the dict
    const s2 = new CosineAnnealingLR(second, { tMax: 6, etaMin: 0.001 });
    s2.loadStateDict(saved);
    expect(second.lr).toBe(all[3]);
    expect(s2.lastLr).toBe(all[3]);
    expect(lrs(s2, second, 5)).toEqual(all.slice(3));
  });

  it("refuse a dict that does not fit, listing the problems, and change nothing", () => {
    const opt = sgd(0.1);
    const sched = new StepLR(opt, { stepSize: 2 });
    sched.step();
    sched.step();
    const before = { dict: sched.stateDict(), lr: opt.lr, lastLr: sched.lastLr };
    const message = thrown(() => sched.loadStateDict({ kind: "ExponentialLR", epoch: -1, baseLr: NaN })).message;
    expect(message).toBe(
      "StepLR.loadStateDict: the state dict does not fit this schedule, nothing was changed:\n" +
        '  - kind is "ExponentialLR", expected "StepLR"\n' +
        "  - epoch must be an integer >= 0, got -1\n" +
        "  - baseLr must be a finite number >= 0, got NaN",
    );
    expect({ dict: sched.stateDict(), lr: opt.lr, lastLr: sched.lastLr }).toEqual(before);
  });
});
