// compile's own contract under review: each test runs the same function eagerly and compiled and
// compares what the caller sees (results, .grad, parameters) over several calls with new inputs.
import { describe, expect, it } from "vitest";
import { compile, crossEntropy, variable, type Variable } from "@strata/autograd";
import { randint, randn, rng, tensor, type Tensor } from "@strata/tensor";

const values = (t: Tensor | null): number[] => (t === null ? [] : Array.from(t.contiguous().toTypedArray(), Number));
const inputs = (k: number): Tensor[] => Array.from({ length: k }, (_, i) => randn([3], { rng: rng(10 + i), dtype: "float64" }));

describe("compile under review", () => {
  // The step never clears w.grad, so eagerly each call adds its gradient to the last (gradient
  // accumulation over micro-batches). The recording saw w.grad null and kept "set .grad to this
  // call's gradient"; a replay does that again instead of adding. Only a .grad already set when
  // the recording starts is refused; one that is null then but set before a later call is not.
  // Fixed with a guard: a gradient that was null at the start of the recorded call, not cleared
  // inside it, must be null again before a replay.
  it("gradients accumulated across calls (no zeroGrad inside the step) match eager ones", () => {
    const make = () => variable(tensor([1, 2, 3], { dtype: "float64" }), { requiresGrad: true });
    const [a, b] = [make(), make()];
    const step = (w: Variable) => (x: Tensor): Variable => {
      const loss = w.mul(x).square().sum();
      loss.backward();
      return loss;
    };
    const compiled = compile(step(b), { onRefusal: "silent" });
    for (const x of inputs(4)) {
      step(a)(x);
      compiled(x);
      expect(values(b.grad)).toEqual(values(a.grad));
    }
  });

  it("gradients cleared outside the step before each call still replay", () => {
    const make = () => variable(tensor([1, 2, 3], { dtype: "float64" }), { requiresGrad: true });
    const [a, b] = [make(), make()];
    const step = (w: Variable) => (x: Tensor): Variable => {
      const loss = w.mul(x).square().sum();
      loss.backward();
      return loss;
    };
    const compiled = compile(step(b), { onRefusal: "error" });
    for (const x of inputs(4)) {
      a.grad = null;
      b.grad = null;
      step(a)(x);
      compiled(x);
      expect(values(b.grad)).toEqual(values(a.grad));
    }
    expect(compiled.status.replays).toBe(3);
  });

  // recordings do not nest: the inner compiled function's record() threw while the outer recorded
  it("a compiled function called inside another compiled function", () => {
    const inner = compile((x: Tensor) => x.mul(2));
    const outer = compile((x: Tensor) => inner(x).add(1));
    for (const x of inputs(3)) expect(values(outer(x))).toEqual(values(x.mul(2).add(1)));
    expect(outer.status.replays).toBe(2);
  });

  // The recording binds a fresh Variable over its own copy of the argument, so backward sets the
  // gradient of that copy: the caller's variable never gets one, compiled or recorded.
  it.fails("a variable argument that requires gradients gets its .grad, as eagerly (not fixed: compile.ts binds a copy)", () => {
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

  // Objects are keyed by identity and not copied: a tensor inside an array argument that the caller
  // replaces is never read again by a replay, which reads the recorded one.
  it.fails("tensors passed inside an array argument are read at every call (not fixed: compile.ts keys objects by identity)", () => {
    const batch: Tensor[] = [];
    const compiled = compile((b: Tensor[]) => b[0]!.mul(3), { onRefusal: "silent" });
    for (const x of inputs(3)) {
      batch[0] = x;
      expect(values(compiled(batch))).toEqual(values(x.mul(3)));
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
