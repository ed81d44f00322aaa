// compile(fn): a replay gives what calling fn gives, element for element; signatures and guards
// record afresh; what a replay could not repeat makes the function eager, with the reason.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Variable, compile, matmul, relu, sigmoid, sum, mean, variable } from "@strata/autograd";
import { StrataError, guard, randn, rng, tensor, zeros, type Tensor } from "@strata/tensor";

afterEach(() => vi.restoreAllMocks());

const values = (t: Tensor): number[] => Array.from(t.toTypedArray(), Number);

/** Two copies of a two-layer model's parameters drawn from one seed, so eager and compiled start alike. */
function parameters(seed: number, n: number, h: number, dtype: "float32" | "float64") {
  const r = rng(seed);
  const w1 = randn([h, n], { rng: r, dtype });
  const w2 = randn([1, h], { rng: r, dtype });
  const make = () => ({ w1: variable(w1.clone(), { requiresGrad: true }), w2: variable(w2.clone(), { requiresGrad: true }) });
  return [make(), make()] as const;
}

/** zeroGrad, forward, loss, backward, plain SGD in place: a whole training step. */
function stepOf(p: { w1: Variable; w2: Variable }, lr: number) {
  return (x: Tensor, y: Tensor): Variable => {
    p.w1.grad = null;
    p.w2.grad = null;
    const out = sigmoid(matmul(p.w2, relu(matmul(p.w1, x))));
    const loss = mean(out.sub(y).square());
    loss.backward();
    p.w1.data.subInPlace(p.w1.grad!.mul(lr));
    p.w2.data.subInPlace(p.w2.grad!.mul(lr));
    return loss;
  };
}

describe("compile replays a training step exactly", () => {
  for (const [dtype, n, h, m] of [["float64", 3, 4, 5], ["float32", 300, 64, 128]] as const) {
    it(`${dtype}, ${n}-${h}-1 on ${m} examples: losses and parameters equal eager ones after every step`, () => {
      const [a, b] = parameters(1, n, h, dtype);
      const eager = stepOf(a, 0.1);
      const compiled = compile(stepOf(b, 0.1));
      const r = rng(2);
      for (let k = 0; k < 4; k++) {
        const x = randn([n, m], { rng: r, dtype });
        const y = randn([1, m], { rng: r, dtype }).gt(0).cast(dtype);
        const le = eager(x, y);
        const lc = compiled(x, y);
        expect(values(lc.data)).toEqual(values(le.data));
        expect(values(b.w1.data)).toEqual(values(a.w1.data));
        expect(values(b.w2.data)).toEqual(values(a.w2.data));
        expect(values(b.w1.grad!)).toEqual(values(a.w1.grad!));
      }
      expect(compiled.status).toEqual({ recordings: 1, replays: 3, eager: null });
    });
  }

  it("hands back copies: results of earlier calls keep their values", () => {
    const f = compile((x: Tensor) => x.mul(2));
    const first = f(tensor([1, 2]));
    const second = f(tensor([3, 4]));
    expect(first.toArray()).toEqual([2, 4]);
    expect(second.toArray()).toEqual([6, 8]);
    expect(f.status.replays).toBe(1);
  });

  it("copies strided inputs into the recording's buffers", () => {
    const f = compile((x: Tensor) => x.add(1));
    f(zeros([2, 3]));
    const t = tensor([[1, 2], [3, 4], [5, 6]]).T;
    expect(f(t).toArray()).toEqual([[2, 4, 6], [3, 5, 7]]);
  });
});

describe("signatures and guards", () => {
  it("records afresh for a new shape, dtype or plain argument, and replays each later", () => {
    const f = compile((x: Tensor, k: number) => sum(variable(x).mul(k)).data);
    expect(f(tensor([1, 2]), 2).item()).toBe(6);
    expect(f(tensor([1, 2, 3]), 2).item()).toBe(12);
    expect(f(tensor([1, 2], { dtype: "float64" }), 2).item()).toBe(6);
    expect(f(tensor([1, 2]), 3).item()).toBe(9);
    expect(f(tensor([5, 5]), 2).item()).toBe(20);
    expect(f(tensor([1, 1, 1]), 2).item()).toBe(6);
    expect(f.status).toEqual({ recordings: 4, replays: 2, eager: null });
  });

  it("records afresh when a guard fails and replays again once it holds", () => {
    const layer = { training: true };
    const f = compile((x: Tensor) => {
      const training = layer.training;
      guard(() => layer.training === training, `layer.training is ${training}`);
      return training ? x.mul(2) : x.mul(3);
    });
    expect(f(tensor([1])).item()).toBe(2);
    layer.training = false;
    expect(f(tensor([1])).item()).toBe(3);
    layer.training = true;
    expect(f(tensor([2])).item()).toBe(4);
    expect(f.status).toEqual({ recordings: 2, replays: 1, eager: null });
  });

  it("runs eagerly past maxRecordings, with the reason", () => {
    const f = compile((x: Tensor) => x.neg(), { maxRecordings: 2, onRefusal: "silent" });
    for (const n of [1, 2, 3, 4]) expect(f(zeros([n]).add(n)).toArray()).toEqual(new Array(n).fill(-n));
    expect(f.status.recordings).toBe(2);
    expect(f.status.eager).toMatch(/recorded 2 times, the limit \(maxRecordings\)/);
  });
});

describe("what a replay could not repeat makes the function eager", () => {
  it("item() in the step: the call still returns the right value, later calls run eagerly", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const f = compile((x: Tensor) => (x.sum().item() > 0 ? x.mul(2) : x.mul(-2)));
    expect(f(tensor([1, 2])).toArray()).toEqual([2, 4]);
    expect(f(tensor([-1, -2])).toArray()).toEqual([2, 4]);
    expect(f.status.eager).toBe("item() read a tensor's value in JavaScript");
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/compile: running eagerly from now on: item\(\)/);
  });

  it("onRefusal: 'error' throws after the call, naming the reason", () => {
    const f = compile((x: Tensor) => x.mul((x.toArray() as number[]).length), { onRefusal: "error" });
    expect(() => f(tensor([1, 2]))).toThrow(StrataError);
    expect(() => f(tensor([1, 2]))).not.toThrow();
    expect(f.status.eager).toMatch(/toArray\(\) read a tensor's value/);
  });

  it("gradients accumulating into a .grad set before the call refuse", () => {
    const w = variable(tensor([1, 2], { dtype: "float64" }), { requiresGrad: true });
    w.grad = tensor([10, 10], { dtype: "float64" });
    const f = compile((x: Tensor) => {
      const l = sum(w.mul(x));
      l.backward();
      return l;
    }, { onRefusal: "silent" });
    f(tensor([1, 1], { dtype: "float64" }));
    expect(w.grad!.toArray()).toEqual([11, 11]);
    expect(f.status.eager).toMatch(/gradients accumulated into a \.grad that was already set.*zeroGrad/);
  });

  it("gradient hooks refuse", () => {
    const w = variable(tensor([1, 2]), { requiresGrad: true });
    w.registerHook(() => undefined);
    const f = compile((x: Tensor) => {
      w.grad = null;
      sum(w.mul(x)).backward();
      return w.grad!;
    }, { onRefusal: "silent" });
    expect(f(tensor([3, 4])).toArray()).toEqual([3, 4]);
    expect(f.status.eager).toMatch(/gradient hooks on .* run JavaScript/);
  });
});

describe("the gradient of a step", () => {
  it("sets .grad again on every replay, even after it was cleared between calls", () => {
    const w = variable(tensor([1, 2], { dtype: "float64" }), { requiresGrad: true });
    const f = compile((x: Tensor) => {
      sum(w.mul(x).square()).backward();
      return w.grad!;
    });
    f(tensor([1, 1], { dtype: "float64" }));
    w.grad = null;
    const g = f(tensor([2, 3], { dtype: "float64" }));
    // d/dw Σ (w·x)² = 2·w·x²
    expect(g.toArray()).toEqual([8, 36]);
    expect(w.grad!.toArray()).toEqual([8, 36]);
    expect(f.status.replays).toBe(1);
  });
});
