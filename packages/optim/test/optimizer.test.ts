// What every optimiser shares: parameter checks, in-place updates (identity, views, dtypes,
// version counters), null gradients, zeroGrad, and state dicts (copies, round trips, refusals
// that change nothing).
import { describe, expect, it } from "vitest";
import { variable, type Variable } from "@strata/autograd";
import { Tensor, ValueError, tensor, zeros } from "@strata/tensor";
import { Adam, AdamW, RMSprop, SGD, type Optimizer, type OptimizerStateDict } from "@strata/optim";
import { GRADS, P0, SHAPE, grad, param, thrown, trajectory, values } from "./helpers.js";

type Make = (params: Variable[]) => Optimizer;

/** One configuration of each optimiser that keeps every kind of state. */
const MAKERS: [string, Make][] = [
  ["SGD", (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 })],
  ["SGD nesterov", (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ["Adam", (ps) => new Adam(ps, { lr: 0.05, betas: [0.8, 0.9], weightDecay: 0.1, amsgrad: true })],
  ["AdamW", (ps) => new AdamW(ps, { lr: 0.05, betas: [0.7, 0.95] })],
  ["RMSprop", (ps) => new RMSprop(ps, { lr: 0.02, alpha: 0.9, momentum: 0.5, centered: true })],
];

/** A deep copy of a state dict's numbers, to compare before and after. */
const snapshot = (d: OptimizerStateDict): unknown =>
  JSON.parse(JSON.stringify(d, (_k, v: unknown) => (v instanceof Tensor ? { shape: v.shape, dtype: v.dtype, values: Array.from(v.toTypedArray()) } : v)));

describe("parameters", () => {
  it("refuse non-leaves, repeats, non-variables and empty lists", () => {
    const a = param();
    const b = param();
    expect(thrown(() => new SGD([a, b, a.mul(2)], { lr: 1 })).message).toBe(
      "SGD: parameter 2 is not a leaf variable (it was computed by mul); optimise the variables it was computed from",
    );
    expect(thrown(() => new RMSprop([a, b, a])).message).toBe("RMSprop: parameter 2 is the same variable as parameter 0; pass each parameter once");
    expect(thrown(() => new SGD([a, zeros([2]) as unknown as Variable], { lr: 1 })).message).toBe(
      "SGD: parameter 1 is not a Variable, got a Tensor; wrap it with variable(t, { requiresGrad: true })",
    );
    expect(thrown(() => new AdamW([])).message).toMatch(/^AdamW: got an empty parameter list/);
    expect(thrown(() => new SGD(a as unknown as Variable[], { lr: 1 })).message).toBe("SGD: params must be an array (or iterable) of variables or of parameter groups { params, ...options }, got a Variable");
    const broadcast = variable(tensor([1, 2], { dtype: "float64" }).broadcastTo([3, 2]), { requiresGrad: true });
    expect(thrown(() => new SGD([broadcast], { lr: 1 })).message).toMatch(/^SGD: parameter 0 of shape \(3,2\) has overlapping elements/);
    expect(thrown(() => new SGD([a], { lr: -1 }))).toBeInstanceOf(ValueError);
  });

  it("accept any iterable and expose the list in order", () => {
    const a = param();
    const b = param();
    const opt = new SGD(new Set([a, b]), { lr: 1 });
    expect(opt.params).toEqual([a, b]);
    expect(opt.params[0]).toBe(a);
  });
});

describe("step", () => {
  for (const [name, make] of MAKERS) {
    it(`${name}: updates in place, keeps identities, skips null gradients`, () => {
      const a = param();
      const b = param();
      const dataA = a.data;
      const opt = make([a, b]);
      a.grad = grad(GRADS[0]!);
      b.grad = null;
      opt.step();
      expect(opt.params[0]).toBe(a);
      expect(a.data).toBe(dataA); // the same tensor (and buffer), new values
      expect(values(a)).not.toEqual(P0);
      expect(values(b)).toEqual(P0);
      expect(b.data.version).toBe(0);
      expect(opt.stateDict().state[1]).toEqual({});
    });

    it(`${name}: float32 parameters stay float32 and follow the float64 path to ~1e-6`, () => {
      const single = variable(tensor(P0, { dtype: "float32", shape: SHAPE }), { requiresGrad: true });
      // the float64 reference starts from the same float32-rounded values and gradients
      const rounded = (xs: number[]) => xs.map(Math.fround);
      const double = param(rounded(P0));
      const opt = make([single]);
      const got = trajectory(opt, single, GRADS);
      const want = trajectory(make([double]), double, GRADS.map(rounded));
      expect(single.dtype).toBe("float32");
      expect(single.data.data).toBeInstanceOf(Float32Array);
      got.forEach((step, k) => expect(step).toAllClose(want[k]!, { rtol: 1e-6, atol: 1e-6 }));
      const buffers = Object.values(opt.stateDict().state[0]!).filter((v) => v instanceof Tensor);
      expect(buffers.length).toBeGreaterThan(0);
      for (const t of buffers) expect(t.dtype).toBe("float32");
    });

    it(`${name}: a transposed (non-contiguous) parameter is updated through its view`, () => {
      // base is (3,2); the parameter is base.T, a (2,3) view with strides (1,2)
      const base = tensor([0.5, 0.1, -1.25, -0.3, 2, 1.7], { dtype: "float64", shape: [3, 2] });
      const view = variable(base.T, { requiresGrad: true });
      expect(view.data.isContiguous).toBe(false);
      expect(values(view)).toEqual(P0);
      const plain = param();
      const got = trajectory(make([view]), view);
      const want = trajectory(make([plain]), plain);
      expect(got).toEqual(want);
      expect(values(base.T)).toEqual(want[2]); // the viewed buffer changed
      expect(view.data.data).toBe(base.data);
      expect(base.version).toBe(3);
    });

    it(`${name}: a non-contiguous gradient gives the same update`, () => {
      const a = param();
      const b = param();
      const oa = make([a]);
      const ob = make([b]);
      for (const g of GRADS) {
        a.grad = grad(g);
        b.grad = grad(g).T.clone().T; // the same values in a (2,3) view with strides (1,2)
        expect(b.grad.isContiguous).toBe(false);
        oa.step();
        ob.step();
      }
      expect(values(b)).toEqual(values(a));
    });

    it(`${name}: the version bump makes a backward through the old value throw`, () => {
      const p = param();
      const opt = make([p]);
      const y = p.mul(p).sum(); // saves p for the backward
      p.grad = grad(GRADS[0]!);
      opt.step();
      expect(p.data.version).toBe(1);
      expect(() => y.backward()).toThrow(/modified in place/);
    });
  }

  it("a parameter created from a slice updates the tensor it views", () => {
    const base = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float64" });
    const row = variable(base.slice(1), { requiresGrad: true }); // contiguous with an offset
    const col = variable(base.slice(null, 0), { requiresGrad: true }); // strided
    const opt = new SGD([row, col], { lr: 0.5 });
    row.grad = tensor([2, 2, 2], { dtype: "float64" });
    col.grad = tensor([4, 0], { dtype: "float64" });
    opt.step();
    // the row step (4,5,6) → (3,4,5) happens first; then the column step reads base[1,0] = 3
    expect(base.toArray()).toEqual([[-1, 2, 3], [3, 4, 5]]);
  });

  it("zeroGrad sets every gradient to null, and a following step changes nothing", () => {
    const a = param();
    const b = param();
    const opt = new Adam([a, b]);
    a.grad = grad(GRADS[0]!);
    b.grad = grad(GRADS[1]!);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
    opt.step();
    expect(values(a)).toEqual(P0);
    expect(a.data.version).toBe(0);
  });

  it("works with gradients from backward", () => {
    const w = param();
    const opt = new SGD([w], { lr: 0.1 });
    w.mul(w).sum().backward(); // 2w
    opt.step();
    expect(values(w)).toAllClose(P0.map((x) => x - 0.1 * 2 * x), { rtol: 1e-15 });
  });
});

describe("state dicts", () => {
  for (const [name, make] of MAKERS) {
    it(`${name}: a saved dict is a copy that later steps do not change`, () => {
      const p = param();
      const opt = make([p]);
      trajectory(opt, p, GRADS.slice(0, 2));
      const dict = opt.stateDict();
      const before = snapshot(dict);
      trajectory(opt, p, GRADS.slice(2));
      expect(snapshot(dict)).toEqual(before);
      for (const v of Object.values(dict.state[0]!)) if (v instanceof Tensor) expect(v.data.buffer).not.toBe(p.data.data.buffer);
      // serialisable: plain JSON apart from the tensors
      expect(JSON.parse(JSON.stringify({ kind: dict.kind, options: dict.options }))).toEqual({ kind: dict.kind, options: dict.options });
    });

    it(`${name}: train 2 steps, save, load into a new optimiser: step 3 equals the uninterrupted step 3`, () => {
      const p = param();
      const opt = make([p]);
      trajectory(opt, p, GRADS.slice(0, 2));
      const dict = opt.stateDict();
      const resumed = variable(p.data.clone(), { requiresGrad: true });
      const fresh = make([resumed]);
      fresh.lr = 123; // overwritten by the dict's options
      fresh.loadStateDict(dict);
      expect(fresh.lr).toBe(opt.lr);
      // the loaded buffers are copies: changing the dict does not reach the optimiser
      for (const v of Object.values(dict.state[0]!)) if (v instanceof Tensor) v.data.fill(1e6);
      const uninterrupted = trajectory(opt, p, GRADS.slice(2));
      const after = trajectory(fresh, resumed, GRADS.slice(2));
      expect(after).toEqual(uninterrupted);
    });
  }

  it("restores a learning rate changed after construction", () => {
    const p = param();
    const opt = new Adam([p], { lr: 0.1 });
    opt.lr = 0.02;
    const other = new Adam([param()]);
    other.loadStateDict(opt.stateDict());
    expect(other.lr).toBe(0.02);
    expect(other.stateDict().options).toEqual({ lr: 0.02, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false });
  });

  it("an empty entry (a parameter that never had a gradient) loads and starts fresh", () => {
    const p = param();
    const q = param();
    const opt = new SGD([p, q], { lr: 0.1, momentum: 0.9, dampening: 0.5 });
    trajectory(opt, p, GRADS.slice(0, 1));
    const dict = opt.stateDict();
    expect(Object.keys(dict.state[0]!)).toEqual(["momentumBuffer"]);
    expect(dict.state[1]).toEqual({});
    const r = param();
    const s = param();
    const other = new SGD([r, s], { lr: 0.1 });
    other.loadStateDict(dict);
    trajectory(other, s, GRADS.slice(0, 1));
    // s's first step with a loaded empty entry is b = g: plain SGD
    expect(values(s)).toEqual(P0.map((x, i) => x - 0.1 * GRADS[0]![i]!));
  });

  describe("refusals change nothing", () => {
    /** An Adam with state after two steps on two parameters, its dict, and a check that it is intact. */
    function setup() {
      const a = param();
      const b = variable(tensor([1, 2], { dtype: "float32" }), { requiresGrad: true });
      const opt = new Adam([a, b], { lr: 0.05, amsgrad: true });
      for (let k = 0; k < 2; k++) {
        a.grad = grad(GRADS[k]!);
        b.grad = tensor([0.5, -k], { dtype: "float32" });
        opt.step();
      }
      const dict = opt.stateDict();
      const before = snapshot(dict);
      const valuesBefore = [values(a), values(b)];
      const intact = () => {
        expect(snapshot(opt.stateDict())).toEqual(before);
        expect([values(a), values(b)]).toEqual(valuesBefore);
      };
      // a dict that fits, in the format before groups (no paramGroups), to be spoiled by each test
      const good = (): Omit<OptimizerStateDict, "paramGroups"> => ({ kind: dict.kind, options: { ...dict.options }, state: dict.state.map((s) => ({ ...s })) });
      return { opt, good, intact };
    }

    it("wrong number of parameters", () => {
      const { opt, good, intact } = setup();
      const d = good();
      d.state.pop();
      expect(thrown(() => opt.loadStateDict(d)).message).toBe(
        "Adam.loadStateDict: the state dict does not fit this optimizer, nothing was changed:\n  - state has 1 entries, expected 2 (one per parameter)",
      );
      intact();
    });

    it("wrong buffer shape and dtype", () => {
      const { opt, good, intact } = setup();
      const d = good();
      d.state[1]!.expAvg = zeros([3], { dtype: "float32" });
      d.state[1]!.expAvgSq = zeros([2], { dtype: "float64" });
      const message = thrown(() => opt.loadStateDict(d)).message;
      expect(message).toContain("state[1].expAvg has shape (3), expected (2) like parameter 1");
      expect(message).toContain("state[1].expAvgSq is float64, expected float32 like parameter 1");
      intact();
    });

    it("wrong kind, bad options, bad step counts, missing and unknown keys: all listed at once", () => {
      const { opt, good, intact } = setup();
      const d = good();
      d.kind = "SGD";
      d.options.beta2 = 1.5;
      const problems = thrown(() => opt.loadStateDict(d)).message.split("\n").slice(1);
      expect(problems).toEqual(['  - kind is "SGD", expected "Adam"', "  - options.beta2 must be in [0, 1), got 1.5"]);
      intact();

      const e = good();
      e.state[0]!.step = 1.5;
      delete e.state[0]!.maxExpAvgSq;
      e.state[1]!.momentum = 3;
      const message = thrown(() => opt.loadStateDict(e)).message;
      expect(message).toContain("state[0].step must be an integer >= 1, got 1.5");
      expect(message).toContain('state[0] is missing "maxExpAvgSq" (expected step, expAvg, expAvgSq, maxExpAvgSq, or an empty entry)');
      expect(message).toContain('state[1] has an unknown key "momentum"');
      intact();

      const f = good();
      delete (f.options as Record<string, unknown>).eps;
      f.options.lr = -2;
      f.options.extra = 1;
      const m2 = thrown(() => opt.loadStateDict(f)).message;
      expect(m2).toContain('options has an unknown key "extra"');
      expect(m2).toContain("options.lr must be a finite number >= 0, got -2");
      expect(m2).toContain("options.eps is missing");
      intact();

      // amsgrad off means no maxExpAvgSq: the layout follows the dict's own options
      const g = good();
      g.options.amsgrad = false;
      expect(thrown(() => opt.loadStateDict(g)).message).toContain('state[0] has an unknown key "maxExpAvgSq"');
      intact();

      expect(thrown(() => opt.loadStateDict(null as unknown as OptimizerStateDict)).message).toMatch(/^Adam.loadStateDict: expected a state dict/);
      intact();
    });
  });
});
