// compile's own contract under review: each test runs the same function eagerly and compiled and
// compares what the caller sees (results, .grad, parameters) over several calls with new inputs.
import { describe, expect, it } from "vitest";
import { compile, crossEntropy, variable, type Variable } from "@strata/autograd";
import { randint, randn, rng, tensor, type Tensor } from "@strata/tensor";

const values = (t: Tensor | null): number[] => (t === null ? [] : Array.from(t.contiguous().toTypedArray(), Number));
const inputs = (k: number): Tensor[] => Array.from({ length: k }, (_, i) => randn([3], { rng: rng(10 + i), dtype: "float64" }));
/** Two variables holding the same values: one stepped eagerly, the other through compile. */
const twins = (): [Variable, Variable] => {
  const make = (): Variable => variable(tensor([1, 2, 3], { dtype: "float64" }), { requiresGrad: true });
  return [make(), make()];
};
/** A step that adds the gradient of Σ(w·x)² to w.grad, clearing nothing first. */
const accumulating = (w: Variable) => (x: Tensor): Variable => {
  const loss = w.mul(x).square().sum();
  loss.backward();
  return loss;
};

describe("compile under review", () => {
  // The step never clears w.grad, so eagerly each call adds its gradient to the last (gradient
  // accumulation over micro-batches). The recording saw w.grad null and kept "set .grad to this
  // call's gradient"; a replay does that again instead of adding. Only a .grad already set when
  // the recording starts is refused; one that is null then but set before a later call is not.
  // Fixed with a guard: a gradient that was null at the start of the recorded call, not cleared
  // inside it, must be null again before a replay.
  it("gradients accumulated across calls (no zeroGrad inside the step) match eager ones", () => {
    const [a, b] = twins();
    const compiled = compile(accumulating(b), { onRefusal: "silent" });
    for (const x of inputs(4)) {
      accumulating(a)(x);
      compiled(x);
      expect(values(b.grad)).toEqual(values(a.grad));
    }
  });

  it("gradients cleared outside the step before each call still replay", () => {
    const [a, b] = twins();
    const compiled = compile(accumulating(b), { onRefusal: "error" });
    for (const x of inputs(4)) {
      a.grad = null;
      b.grad = null;
      accumulating(a)(x);
      compiled(x);
      expect(values(b.grad)).toEqual(values(a.grad));
    }
    expect(compiled.status.replays).toBe(3);
  });

  // the gradient of a variable made inside the step is fresh on every call: no guard for it
  it("retainGrad on an intermediate variable replays, with its gradient as eagerly", () => {
    const [a, b] = twins();
    const step = (w: Variable) => (x: Tensor): Tensor => {
      w.grad = null;
      const h = w.mul(x).retainGrad();
      h.square().sum().backward();
      return h.grad!;
    };
    const compiled = compile(step(b), { onRefusal: "error" });
    for (const x of inputs(4)) expect(values(compiled(x))).toEqual(values(step(a)(x)));
    expect(compiled.status).toEqual({ recordings: 1, replays: 3, eager: null });
  });

  it("a variable argument that requires gradients replays, its gradient returned from inside as eagerly", () => {
    const f = (x: Variable): Tensor => {
      x.square().sum().backward();
      return x.grad!;
    };
    const compiled = compile(f, { onRefusal: "error" });
    for (const t of inputs(4)) expect(values(compiled(variable(t, { requiresGrad: true })))).toEqual(values(f(variable(t, { requiresGrad: true }))));
    expect(compiled.status).toEqual({ recordings: 1, replays: 3, eager: null });
  });

  // A frozen parameter (requiresGrad false) gets no gradient, so the optimiser leaves it alone;
  // the recording's backward still writes the gradient it was recorded with and sets .grad again.
  it.each([
    ["frozen", false],
    ["unfrozen", true],
  ] as const)("a parameter %s between calls is trained as eagerly", (_, after) => {
    const make = () => [variable(tensor([[1, 2], [3, 4]], { dtype: "float64" }), { requiresGrad: true }), variable(tensor([0.5, -1], { dtype: "float64" }), { requiresGrad: !after })] as const;
    const [a, b] = [make(), make()];
    const step = ([w, v]: readonly [Variable, Variable]) => (x: Tensor): Variable => {
      w.grad = null;
      v.grad = null;
      const loss = w.matmul(x).add(v).square().sum();
      loss.backward();
      for (const p of [w, v]) if (p.grad !== null) p.data.subInPlace(p.grad.mul(0.01));
      return loss;
    };
    const compiled = compile(step(b), { onRefusal: "error" });
    inputs(5).forEach((x3, k) => {
      const x = x3.slice([0, 2]);
      if (k === 2) for (const p of [a[1], b[1]]) p.requiresGrad = after;
      expect(values(compiled(x).data)).toEqual(values(step(a)(x).data));
      expect(values(b[1].data)).toEqual(values(a[1].data));
      expect(values(b[0].data)).toEqual(values(a[0].data));
    });
  });

  // A hook present at the recording refuses it; one registered after it was skipped by every replay.
  it("a gradient hook registered between calls runs, as eagerly", () => {
    const [a, b] = twins();
    const step = (w: Variable) => (x: Tensor): Variable => {
      w.grad = null;
      const loss = w.mul(x).square().sum();
      loss.backward();
      return loss;
    };
    const compiled = compile(step(b), { onRefusal: "silent" });
    inputs(4).forEach((x, k) => {
      if (k === 2) for (const w of [a, b]) w.registerHook((g) => g.mul(10));
      step(a)(x);
      compiled(x);
      expect(values(b.grad)).toEqual(values(a.grad));
    });
  });

  // plain arguments are part of the signature; String(-0) is "0", so −0 replayed +0's recording
  it("a plain argument −0 is a signature of its own, apart from 0", () => {
    const f = (x: Tensor, s: number): Tensor => x.div(s);
    const compiled = compile(f, { onRefusal: "error" });
    for (const s of [0, -0, 0, -0]) expect(values(compiled(tensor([1, -2]), s))).toEqual(values(f(tensor([1, -2]), s)));
    expect(compiled.status.recordings).toBe(2);
  });

  // each change of a parameter's requiresGrad (or value tensor) records afresh; the recordings of
  // older generations can never match again and must not use up maxRecordings
  it("recordings made stale by parameter changes do not count against maxRecordings", () => {
    const w = variable(tensor([1, 2], { dtype: "float64" }), { requiresGrad: true });
    const f = (x: Tensor): Tensor => w.data.mul(x);
    const compiled = compile(f, { maxRecordings: 2, onRefusal: "silent" });
    for (let k = 0; k < 6; k++) {
      w.requiresGrad = k % 2 === 0;
      compiled(tensor([k, 1], { dtype: "float64" }));
    }
    expect(compiled.status).toEqual({ recordings: 6, replays: 0, eager: null });
  });

  // recordings do not nest: the inner compiled function's record() threw while the outer recorded
  it("a compiled function called inside another compiled function", () => {
    const inner = compile((x: Tensor) => x.mul(2));
    const outer = compile((x: Tensor) => inner(x).add(1));
    for (const x of inputs(3)) expect(values(outer(x))).toEqual(values(x.mul(2).add(1)));
    expect(outer.status.replays).toBe(2);
  });

  // The recording binds a fresh Variable over its own buffer; its gradient is handed to the
  // caller's variable after each call (recorded or replayed), as eager backward would set it.
  it("a variable argument that requires gradients gets its .grad, as eagerly", () => {
    const f = (x: Variable): Variable => {
      const loss = x.square().sum();
      loss.backward();
      return loss;
    };
    const compiled = compile(f, { onRefusal: "silent" });
    for (const t of inputs(3)) {
      const [a, b] = [variable(t.clone(), { requiresGrad: true }), variable(t.clone(), { requiresGrad: true })];
      f(a);
      compiled(b);
      expect(values(b.grad)).toEqual(values(a.grad));
    }
  });

  // Arrays and plain objects are walked: the tensors inside are arguments like top-level ones.
  it("tensors passed inside an array argument are read at every call", () => {
    const batch: Tensor[] = [];
    const compiled = compile((b: Tensor[]) => b[0]!.mul(3), { onRefusal: "silent" });
    for (const x of inputs(3)) {
      batch[0] = x;
      expect(values(compiled(batch))).toEqual(values(x.mul(3)));
    }
  });

  // The function runs on the recording's own buffer (a copy, or the caller's resident array
  // bound in place): an argument the recording wrote in place is copied back after each call.
  it("an in-place write to a tensor argument reaches the caller", () => {
    const f = (x: Tensor): Tensor => x.mulInPlace(2).sum();
    const compiled = compile(f, { onRefusal: "silent" });
    for (const t of inputs(3)) {
      const [a, b] = [t.clone(), t.clone()];
      f(a);
      compiled(b);
      expect(values(b)).toEqual(values(a));
    }
  });

  it("a value check failing during a replay leaves the step consistent: later calls equal eager ones", () => {
    const make = () => variable(randn([4, 3], { rng: rng(1), dtype: "float64" }), { requiresGrad: true });
    const [a, b] = [make(), make()];
    const step = (w: Variable) => (x: Tensor, y: Tensor): Variable => {
      w.grad = null;
      const loss = crossEntropy(w.matmul(x), y);
      loss.backward();
      w.data.subInPlace(w.grad!.mul(0.1));
      return loss;
    };
    const compiled = compile(step(b), { onRefusal: "error" });
    const r = rng(3);
    for (let k = 0; k < 5; k++) {
      const x = randn([3, 5], { rng: r, dtype: "float64" });
      const y = k === 2 ? tensor([0, 1, 9, 2], { dtype: "int32" }) : randint(0, 5, [4], { rng: r });
      if (k === 2) {
        expect(() => step(a)(x, y)).toThrow(/out of range/);
        expect(() => compiled(x, y)).toThrow(/out of range/);
      } else {
        expect(values(compiled(x, y).data)).toEqual(values(step(a)(x, y).data));
      }
      expect(values(b.data)).toEqual(values(a.data));
    }
  });
});
