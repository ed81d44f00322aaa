// Optimisers with per-group options against PyTorch 1.13: three float64 steps of fixed gradients,
// the parameters after each step and the state dict's groups (fixtures written by
// test/scripts/pytorch_fixtures.py).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { variable, type Variable } from "@strata/autograd";
import { tensor } from "@strata/tensor";
import { Adam, AdamW, OneCycleLR, RMSprop, SGD, type Optimizer, type ParamGroupInput } from "@strata/optim";
import { values } from "./helpers.js";

interface Case {
  name: string;
  options: Record<string, unknown>;
  groups: ({ params: string[] } & Record<string, unknown>)[];
  trajectory: Record<string, number[]>[];
  paramGroups?: Record<string, unknown>[];
  stateKeys?: Record<string, string[]>;
  oneCycle?: { maxLr: number[]; totalSteps: number };
}

const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "optimizers.json"), "utf8")) as {
  torch: string;
  p0: Record<string, number[]>;
  grads: Record<string, number[][]>;
  cases: Case[];
};

const MAKE: Record<string, (groups: ParamGroupInput<never>[], options: never) => Optimizer> = {
  SGD: (g, o) => new SGD(g, o),
  Adam: (g, o) => new Adam(g, o),
  AdamW: (g, o) => new AdamW(g, o),
  RMSprop: (g, o) => new RMSprop(g, o),
};

/** The case's optimiser over fresh float64 parameters named as in the fixture. */
function build(c: Case): { opt: Optimizer; params: Record<string, Variable> } {
  const params: Record<string, Variable> = {};
  for (const g of c.groups) for (const n of g.params) params[n] = variable(tensor(fixtures.p0[n]!, { dtype: "float64" }), { requiresGrad: true });
  const groups = c.groups.map(({ params: names, ...options }) => ({ params: names.map((n) => params[n]!), ...options }));
  const opt = MAKE[c.name.split(" ")[0]!]!(groups as never, c.options as never);
  return { opt, params };
}

/** PyTorch's option names in camelCase, its betas spread as Strata's state dicts have them. */
function camel(group: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(group)) {
    if (k === "betas") [out.beta1, out.beta2] = v as number[];
    else out[k.replace(/_(.)/g, (_m, c: string) => c.toUpperCase())] = v;
  }
  return out;
}

const STATE_NAMES: Record<string, string> = {
  momentum_buffer: "momentumBuffer", exp_avg: "expAvg", exp_avg_sq: "expAvgSq", max_exp_avg_sq: "maxExpAvgSq", square_avg: "squareAvg", grad_avg: "gradAvg", step: "step",
};

describe(`parameter groups against PyTorch ${fixtures.torch}`, () => {
  for (const c of fixtures.cases) {
    it(`${c.name}: three steps of every parameter with its group's options`, () => {
      const { opt, params } = build(c);
      const sched = c.oneCycle ? new OneCycleLR(opt, c.oneCycle) : null;
      c.trajectory.forEach((want, k) => {
        for (const [n, p] of Object.entries(params)) p.grad = tensor(fixtures.grads[n]![k]!, { dtype: "float64" });
        opt.step();
        sched?.step();
        for (const [n, p] of Object.entries(params)) expect(values(p), `${n} after step ${k + 1}`).toAllClose(want[n]!, { rtol: 1e-12, atol: 1e-12 });
      });
      if (c.paramGroups) {
        // the same groups, parameter indices and options as PyTorch's state_dict()["param_groups"]
        const dict = opt.stateDict();
        expect(dict.paramGroups).toEqual(c.paramGroups.map(camel));
        expect(dict.options).toEqual(Object.fromEntries(Object.entries(dict.paramGroups[0]!).filter(([k]) => k !== "params")));
        // and the same state buffers, apart from PyTorch's momentum_buffer None for SGD without momentum
        const keys = dict.state.map((s) => Object.keys(s).sort());
        const theirs = Object.values(c.stateKeys!).map((ks) => ks.map((k) => STATE_NAMES[k]!).sort());
        keys.forEach((ks, i) => {
          if (c.name.startsWith("SGD") && ks.length === 0) expect(dict.paramGroups.find((g) => g.params.includes(i))!.momentum).toBe(0);
          else expect(ks).toEqual(theirs[i]);
        });
      }
    });
  }

  it("the groups' options differ, so a group that took another's options would show", () => {
    for (const c of fixtures.cases.filter((x) => x.paramGroups)) {
      const groups = c.paramGroups!.map(({ params: _p, ...o }) => JSON.stringify(o));
      expect(new Set(groups).size, c.name).toBe(groups.length);
    }
  });
});
