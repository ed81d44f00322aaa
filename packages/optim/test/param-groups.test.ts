// Parameter groups: the constructor's two forms, per-group options and their checks, the live
// group objects, opt.lr over several groups, addParamGroup, frozen parameters, and state dicts
// with groups (round trips, and refusals that change nothing).
import { describe, expect, it } from "vitest";
import { variable, type Variable } from "@strata/autograd";
import { Tensor, ValueError, tensor } from "@strata/tensor";
import { Adam, RMSprop, SGD, type OptimizerStateDict } from "@strata/optim";
import { GRADS, P0, grad, param, thrown, trajectory, values } from "./helpers.js";

/** A deep copy of a state dict's numbers, to compare before and after. */
const snapshot = (d: OptimizerStateDict): unknown =>
  JSON.parse(JSON.stringify(d, (_k, v: unknown) => (v instanceof Tensor ? { shape: v.shape, values: Array.from(v.toTypedArray()) } : v)));

describe("the constructor", () => {
  it("a group's options override the defaults, the rest come from the defaults and the schema", () => {
    const [w, b, c] = [param(), param(), param()];
    const opt = new SGD([{ params: [w] }, { params: b, weightDecay: 0 }, { params: new Set([c]), lr: 0.5, dampening: 0.25 }], {
      lr: 0.1, momentum: 0.9, weightDecay: 1e-4,
    });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum, g.dampening, g.weightDecay, g.nesterov])).toEqual([
      [0.1, 0.9, 0, 1e-4, false],
      [0.1, 0.9, 0, 0, false],
      [0.5, 0.9, 0.25, 1e-4, false],
    ]);
    expect(opt.paramGroups.map((g) => g.params)).toEqual([[w], [b], [c]]);
    expect(opt.params).toEqual([w, b, c]);
  });

  it("a group's step is the single-group optimiser's step with the group's options", () => {
    const [w, b] = [param(), param()];
    const grouped = new Adam([{ params: [w] }, { params: [b], lr: 0.01, betas: [0.5, 0.6], amsgrad: true }], { lr: 0.05 });
    const [w1, b1] = [param(), param()];
    const alone = [new Adam([w1], { lr: 0.05 }), new Adam([b1], { lr: 0.01, betas: [0.5, 0.6], amsgrad: true })];
    for (const g of GRADS) {
      for (const p of [w, b, w1, b1]) p.grad = grad(g);
      grouped.step();
      for (const o of alone) o.step();
    }
    expect(values(w)).toEqual(values(w1));
    expect(values(b)).toEqual(values(b1));
    expect(values(w)).not.toEqual(values(b));
  });

  it("lr may come from the groups alone (SGD), and is required somewhere", () => {
    const opt = new SGD([{ params: [param()], lr: 0.1 }, { params: [param()], lr: 0.2 }]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.2]);
    expect(thrown(() => new SGD([{ params: [param()], lr: 0.1 }, { params: [param()] }])).message).toBe(
      "SGD: group 1: lr is required (give it in the group or in the optimiser's options)",
    );
  });

  it("errors name the optimiser, the group and the option", () => {
    const p = () => [param()];
    const cases: [() => unknown, string][] = [
      [() => new SGD([{ params: p() }, { params: p(), weightDecay: -1 }], { lr: 0.1 }), "SGD: group 1: weightDecay must be a finite number >= 0, got -1"],
      [() => new SGD([{ params: p(), nesterov: true }], { lr: 0.1 }), "SGD: group 0: nesterov requires momentum > 0 and dampening 0, got momentum 0 and dampening 0"],
      [() => new SGD([{ params: p(), learningRate: 1 } as never], { lr: 0.1 }), 'SGD: group 0: unknown option "learningRate" (known: lr, momentum, dampening, nesterov, weightDecay)'],
      [() => new Adam([{ params: p() }, { params: p(), betas: [0.9, 1] }]), "Adam: group 1: betas[1] must be in [0, 1), got 1"],
      [() => new Adam([{ params: p(), betas: [0.9] as never }]), "Adam: group 0: betas must be a pair [beta1, beta2], got [0.9]"],
      [() => new Adam([{ params: p(), beta1: 0.5 } as never]), 'Adam: group 0: unknown option "beta1" (known: lr, betas, eps, weightDecay, amsgrad)'],
      [() => new RMSprop([{ params: p() }], { alpha: 2 }), "RMSprop: alpha must be in [0, 1], got 2"],
      [() => new SGD([{ params: [] }], { lr: 0.1 }), "SGD: group 0 has no parameters; leave the group out or give it variables"],
      [() => new SGD([{ params: p() }, param()] as never, { lr: 0.1 }), "SGD: params mixes parameter groups and other entries (entry 1 is a Variable); give either variables or groups { params, ...options }"],
      [() => new SGD([{ params: 3 }] as never, { lr: 0.1 }), "SGD: group 0: params must be a Variable or an array of variables, got 3"],
      [() => new SGD([{ params: [param().mul(2)] }], { lr: 0.1 }), "SGD: group 0: parameter 0 is not a leaf variable (it was computed by mul); optimise the variables it was computed from"],
    ];
    for (const [fn, message] of cases) {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(ValueError);
      expect(e.message).toBe(message);
    }
  });

  it("refuses a parameter in two groups, or twice in one", () => {
    const [a, b] = [param(), param()];
    expect(thrown(() => new SGD([{ params: [a, b] }, { params: [b] }], { lr: 0.1 })).message).toBe(
      "SGD: group 1: parameter 0 is also in group 0 (parameter 1 there); a parameter can be in one group only",
    );
    expect(thrown(() => new SGD([{ params: [a] }, { params: [b, b] }], { lr: 0.1 })).message).toBe(
      "SGD: group 1: parameter 1 is the same variable as parameter 0; pass each parameter once",
    );
  });

  it("accepts a frozen parameter (requiresGrad false), which never gets a gradient and is skipped", () => {
    const w = param();
    const frozen = variable(tensor(P0, { dtype: "float64", shape: [2, 3] }));
    expect(frozen.requiresGrad).toBe(false);
    const opt = new SGD([w, frozen], { lr: 0.1, momentum: 0.9 });
    w.mul(frozen).sum().backward();
    expect(frozen.grad).toBeNull();
    opt.step();
    expect(values(frozen)).toEqual(P0);
    expect(frozen.data.version).toBe(0);
    expect(values(w)).not.toEqual(P0);
    expect(opt.stateDict().state[1]).toEqual({});
  });
});

describe("paramGroups", () => {
  it("options are settable per group and checked, naming the group", () => {
    const [w, b] = [param(), param()];
    const opt = new SGD([{ params: [w] }, { params: [b] }], { lr: 0.1, momentum: 0.9 });
    opt.paramGroups[1]!.lr = 0.02;
    w.grad = grad(GRADS[0]!);
    b.grad = grad(GRADS[0]!);
    opt.step(); // first step: b = g, so p − lr·g
    expect(values(w)).toAllClose(P0.map((x, i) => x - 0.1 * GRADS[0]![i]!), { rtol: 1e-15 });
    expect(values(b)).toAllClose(P0.map((x, i) => x - 0.02 * GRADS[0]![i]!), { rtol: 1e-15 });
    expect(thrown(() => (opt.paramGroups[1]!.lr = -1)).message).toBe("SGD: group 1: lr must be a finite number >= 0, got -1");
    expect(thrown(() => (opt.paramGroups[0]!.momentum = NaN)).message).toBe("SGD: group 0: momentum must be a finite number >= 0, got NaN");
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([[0.1, 0.9], [0.02, 0.9]]);
  });

  it("keeps the options that fix the state's layout, and refuses unknown properties", () => {
    const opt = new SGD([param()], { lr: 0.1, momentum: 0.9, nesterov: true });
    expect(thrown(() => ((opt.paramGroups[0] as { nesterov: boolean }).nesterov = false)).message).toMatch(/^SGD: group 0: nesterov is fixed once the group is made/);
    expect(thrown(() => (opt.paramGroups[0]!.momentum = 0)).message).toBe("SGD: group 0: nesterov requires momentum > 0 and dampening 0, got momentum 0 and dampening 0");
    expect(() => ((opt.paramGroups[0] as unknown as Record<string, number>).lrr = 1)).toThrow(TypeError);
    const adam = new Adam([param()]);
    expect(thrown(() => ((adam.paramGroups[0] as { amsgrad: boolean }).amsgrad = true)).message).toMatch(/^Adam: group 0: amsgrad is fixed/);
  });

  it("Adam's betas are set as a pair, each checked", () => {
    const adam = new Adam([param()]);
    const group = adam.paramGroups[0]!;
    group.betas = [0.8, 0.99];
    expect(group.betas).toEqual([0.8, 0.99]);
    expect(adam.stateDict().options).toMatchObject({ beta1: 0.8, beta2: 0.99 });
    expect(thrown(() => (group.betas = [0.8, 1.5])).message).toBe("Adam: group 0: betas[1] must be in [0, 1), got 1.5");
    expect(thrown(() => (group.betas = [0.8] as never)).message).toBe("Adam: group 0: betas must be a pair [beta1, beta2], got [0.8]");
    expect(group.betas).toEqual([0.8, 0.99]);
  });

  it("momentum switched on later starts its buffer as PyTorch does: SGD b = g, RMSprop zeros", () => {
    const w = param();
    const sgd = new SGD([w], { lr: 0.1, dampening: 0.5 });
    trajectory(sgd, w, GRADS.slice(0, 1)); // no momentum, no buffer
    expect(Object.keys(sgd.stateDict().state[0]!)).toEqual([]);
    sgd.paramGroups[0]!.momentum = 0.9;
    const before = values(w);
    trajectory(sgd, w, GRADS.slice(1, 2)); // b = g on the buffer's first use, undamped
    expect(values(w)).toAllClose(before.map((x, i) => x - 0.1 * GRADS[1]![i]!), { rtol: 1e-15 });

    const r = param();
    const rms = new RMSprop([r], { lr: 0.01, alpha: 0.9 });
    trajectory(rms, r, GRADS.slice(0, 1));
    const v = Array.from((rms.stateDict().state[0]!.squareAvg as Tensor).toTypedArray());
    rms.paramGroups[0]!.momentum = 0.5;
    const start = values(r);
    trajectory(rms, r, GRADS.slice(1, 2)); // b = 0.5·0 + g/(√v + ε)
    const g = GRADS[1]!;
    const want = start.map((x, i) => x - 0.01 * (g[i]! / (Math.sqrt(0.9 * v[i]! + 0.1 * g[i]! * g[i]!) + 1e-8)));
    expect(values(r)).toAllClose(want, { rtol: 1e-14 });
  });
});

describe("opt.lr with several groups", () => {
  it("sets every group; reads the common rate, and throws when the rates differ", () => {
    const opt = new SGD([{ params: [param()] }, { params: [param()], lr: 0.01 }], { lr: 0.1 });
    expect(thrown(() => opt.lr).message).toBe(
      "SGD: lr is ambiguous: the 2 parameter groups have different learning rates (0.1, 0.01); read paramGroups[i].lr for one group",
    );
    opt.lr = 0.05;
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.05, 0.05]);
    expect(opt.lr).toBe(0.05);
    expect(thrown(() => (opt.lr = -1)).message).toBe("SGD: lr must be a finite number >= 0, got -1");
  });
});

describe("addParamGroup", () => {
  it("adds a group with the constructor's options as defaults, and steps it", () => {
    const [w, b] = [param(), param()];
    const opt = new SGD([w], { lr: 0.1, weightDecay: 0.5 });
    opt.addParamGroup({ params: [b], lr: 0.2 });
    expect(opt.paramGroups.map((g) => [g.lr, g.weightDecay])).toEqual([[0.1, 0.5], [0.2, 0.5]]);
    expect(opt.params).toEqual([w, b]);
    b.grad = grad(GRADS[0]!);
    opt.step();
    expect(values(b)).toAllClose(P0.map((x, i) => x - 0.2 * (GRADS[0]![i]! + 0.5 * x)), { rtol: 1e-15 });
    expect(opt.stateDict().paramGroups.map((g) => g.params)).toEqual([[0], [1]]);
  });

  it("refuses a parameter already in a group and a bad option, leaving the optimiser unchanged", () => {
    const [w, b] = [param(), param()];
    const opt = new SGD([w], { lr: 0.1 });
    const before = snapshot(opt.stateDict());
    expect(thrown(() => opt.addParamGroup({ params: [b, w] })).message).toBe(
      "SGD: group 1: parameter 1 is also in group 0 (parameter 0 there); a parameter can be in one group only",
    );
    expect(thrown(() => opt.addParamGroup({ params: [b], momentum: -2 })).message).toBe("SGD: group 1: momentum must be a finite number >= 0, got -2");
    expect(thrown(() => opt.addParamGroup(null as never)).message).toBe("SGD.addParamGroup: expected a group { params, ...options }, got null");
    expect(snapshot(opt.stateDict())).toEqual(before);
    expect(opt.params).toEqual([w]);
  });
});

describe("state dicts with groups", () => {
  /** Two groups of Adam with different options after two steps. */
  function trained(): { opt: Adam; params: Variable[] } {
    const params = [param(), param(), param()];
    const opt = new Adam([{ params: params.slice(0, 2) }, { params: [params[2]!], lr: 0.01, amsgrad: true, betas: [0.5, 0.6] }], { lr: 0.05 });
    for (const g of GRADS.slice(0, 2)) {
      for (const p of params) p.grad = grad(g);
      opt.step();
    }
    return { opt, params };
  }

  it("PyTorch's shape: state by index, paramGroups with indices and options, options = group 0's, JSON apart from tensors", () => {
    const { opt } = trained();
    const dict = opt.stateDict();
    expect(dict.paramGroups).toEqual([
      { params: [0, 1], lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false },
      { params: [2], lr: 0.01, beta1: 0.5, beta2: 0.6, eps: 1e-8, weightDecay: 0, amsgrad: true },
    ]);
    expect(dict.options).toEqual({ lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false });
    expect(dict.state.map((s) => Object.keys(s))).toEqual([["step", "expAvg", "expAvgSq"], ["step", "expAvg", "expAvgSq"], ["step", "expAvg", "expAvgSq", "maxExpAvgSq"]]);
    expect(JSON.parse(JSON.stringify(dict.paramGroups))).toEqual(dict.paramGroups);
  });

  it("save after two steps, load into a new optimiser with the same groups: step 3 equals the uninterrupted one", () => {
    const { opt, params } = trained();
    const dict = opt.stateDict();
    const copies = params.map((p) => variable(p.data.clone(), { requiresGrad: true }));
    const fresh = new Adam([{ params: copies.slice(0, 2) }, { params: [copies[2]!], amsgrad: true }], { lr: 1 });
    const group1 = fresh.paramGroups[1];
    fresh.loadStateDict(dict);
    expect(fresh.paramGroups[1]).toBe(group1); // the same objects, with the loaded options
    expect(fresh.paramGroups.map((g) => [g.lr, g.betas])).toEqual([[0.05, [0.9, 0.999]], [0.01, [0.5, 0.6]]]);
    for (const [o, ps] of [[opt, params], [fresh, copies]] as const) {
      for (const p of ps) p.grad = grad(GRADS[2]!);
      o.step();
    }
    copies.forEach((c, i) => expect(values(c)).toEqual(values(params[i]!)));
  });

  it("a dict saved with momentum switched on before the parameter's next step loads (its buffer may be missing)", () => {
    const w = param();
    const opt = new SGD([w], { lr: 0.1 });
    trajectory(opt, w, GRADS.slice(0, 1));
    opt.paramGroups[0]!.momentum = 0.9;
    const other = new SGD([param()], { lr: 0.1 });
    other.loadStateDict(opt.stateDict());
    expect(other.paramGroups[0]!.momentum).toBe(0.9);
  });

  describe("refusals list every problem and change nothing", () => {
    function setup() {
      const { opt } = trained();
      const dict = opt.stateDict();
      const before = snapshot(dict);
      const good = (): OptimizerStateDict => ({ ...dict, options: { ...dict.options }, paramGroups: dict.paramGroups.map((g) => ({ ...g })), state: [...dict.state] });
      return { opt, good, intact: () => expect(snapshot(opt.stateDict())).toEqual(before) };
    }
    const problems = (fn: () => unknown): string[] => thrown(fn).message.split("\n").slice(1).map((l) => l.slice(4));

    it("group count, parameter indices, a group's options", () => {
      const { opt, good, intact } = setup();
      const a = good();
      a.paramGroups.pop();
      expect(problems(() => opt.loadStateDict(a))).toEqual(["paramGroups has 1 groups, expected 2 like this optimizer"]);
      const b = good();
      b.paramGroups[0]!.params = [0];
      b.paramGroups[1]!.params = [1, 2];
      b.paramGroups[1]!.eps = 0;
      expect(problems(() => opt.loadStateDict(b))).toEqual([
        "paramGroups[0].params is [0], expected [0, 1] (group 0 has 2 parameters; parameters are numbered 0, 1, … across the groups in order)",
        "paramGroups[1].params is [1, 2], expected [2] (group 1 has 1 parameters; parameters are numbered 0, 1, … across the groups in order)",
        "paramGroups[1].eps must be a finite number > 0, got 0",
      ]);
      intact();
    });

    it("options that disagree with group 0, and state that does not fit its group's options", () => {
      const { opt, good, intact } = setup();
      const a = good();
      a.options.lr = 0.5;
      expect(problems(() => opt.loadStateDict(a))).toEqual([
        "options.lr is 0.5 but paramGroups[0].lr is 0.05; options repeats group 0's options, so change both (or leave options out)",
      ]);
      const b = good();
      b.paramGroups[1]!.amsgrad = false; // then the third entry's maxExpAvgSq is unknown
      b.options = undefined as never; // options may be left out beside paramGroups
      expect(problems(() => opt.loadStateDict(b))).toEqual([
        'state[2] has an unknown key "maxExpAvgSq" (expected step, expAvg, expAvgSq, or an empty entry)',
      ]);
      intact();
    });

    it("the format before groups fits only an optimiser with one group", () => {
      const { opt, good, intact } = setup();
      const { paramGroups: _groups, ...old } = good();
      expect(problems(() => opt.loadStateDict(old))).toEqual([
        "the dict has no paramGroups (the format before parameter groups, or a checkpoint that kept only options), so it fits an optimizer with one parameter group; this one has 2",
      ]);
      intact();
    });
  });
});
