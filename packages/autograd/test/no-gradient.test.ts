// "No gradient" is said out loud: an input marked noGradient, or a backward that hands back
// nothing for an input whose gradient is needed, makes backward throw an error naming the op, the
// input and the reason, instead of leaving that input with no gradient as if it were zero. Where
// the gradient is not needed, nothing changes; mathematically zero derivatives stay zeros.
import { describe, expect, it } from "vitest";
import {
  Variable, ceil, defineFunction, floor, gather, gradients, mul, noGradient, round, sign, sum, variable, where,
} from "@strata/autograd";
import { ValueError, tensor, type Tensor } from "@strata/tensor";
import { rules } from "../src/rules.js";
import { thrown } from "../../tensor/test/reference.js";

const leaf = (values: number[]): Variable => variable(values, { dtype: "float64", requiresGrad: true });

describe("a primitive's input marked noGradient", () => {
  /** Runs `fn` with mul's product for b replaced by `entry`, then puts the row back. */
  function withMulB<R>(entry: unknown, fn: () => R): R {
    const products = rules.mul.vjp as unknown as unknown[];
    const original = products[1];
    products[1] = entry;
    try {
      return fn();
    } finally {
      products[1] = original;
    }
  }

  it("refused when its gradient is needed: the error names the op, the input by position and name, and the reason", () => {
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    const e = withMulB(noGradient("a reason under test"), () => thrown(() => sum(mul(a, b)).backward()));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe(
      "backward: mul has no gradient with respect to input 1 (b: a reason under test); a gradient was asked of it because it requires gradients: pass it as a constant instead (detach() it, or pass a tensor)",
    );
    // the pass failed before any .grad changed
    expect(a.grad).toBeNull();
  });

  it("not asked when that input's gradient is not needed: a still gets b (worked by hand)", () => {
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    withMulB(noGradient("a reason under test"), () => sum(mul(a, b.detach())).backward());
    expect(a.grad?.toArray()).toEqual([3, 4]);
    const [ga] = withMulB(noGradient("a reason under test"), () => gradients([sum(mul(a, b))], [a]));
    expect(ga!.toArray()).toEqual([3, 4]);
  });

  it("where's condition: a bool tensor, which cannot require gradients, so the marker is never reached", () => {
    // A float mask is refused by where's forward, and a bool variable cannot require gradients:
    // the marker guards the table, no program can reach it.
    const a = leaf([2, 3, 4]);
    expect(() => where(leaf([1, 0, 1]), a, 0)).toThrow(/where: cond must be a bool tensor, got a float64 tensor/);
    expect(() => variable([true, false], { requiresGrad: true })).toThrow();
    const cond = tensor([true, false, true]);
    const b = leaf([5, 6, 7]);
    sum(mul(where(cond, a, b), tensor([10, 20, 30], { dtype: "float64" }))).backward();
    expect(a.grad?.toArray()).toEqual([10, 0, 30]);
    expect(b.grad?.toArray()).toEqual([0, 20, 0]);
  });

  it("gather's and indexAdd's indices carry the reason the error would give", () => {
    const [, gatherIndices] = rules.gather.vjp;
    const [, indexAddIndices] = rules.indexAdd.vjp;
    expect(gatherIndices).toEqual(noGradient("integer indices"));
    expect(indexAddIndices).toEqual(noGradient("integer indices"));
    // int32 indices cannot require gradients, so gather's gradient reaches x alone
    expect(() => variable([0, 1], { dtype: "int32", requiresGrad: true })).toThrow();
    const x = leaf([1, 2, 3]);
    sum(mul(gather(x, tensor([2, 2, 0], { dtype: "int32" })), tensor([1, 10, 100], { dtype: "float64" }))).backward();
    expect(x.grad?.toArray()).toEqual([100, 0, 11]);
  });
});

describe("a backward that returns nothing for a needed gradient", () => {
  it("a primitive's product returning undefined: the error names the op and the input", () => {
    const products = rules.mul.vjp as unknown as unknown[];
    const original = products[1];
    products[1] = () => undefined;
    try {
      const a = leaf([1, 2]);
      const b = leaf([3, 4]);
      const e = thrown(() => sum(mul(a, b)).backward());
      expect(e).toBeInstanceOf(ValueError);
      expect(e.message).toMatch(/^backward: mul returned undefined for its input 1 \(b\), whose gradient is needed; .*noGradient\(reason\)/);
      expect(a.grad).toBeNull();
    } finally {
      products[1] = original;
    }
  });

  // y = x·k: the custom function forgets k's gradient (null) even when k requires gradients
  const forgetful = defineFunction({
    name: "forgetful",
    forward: (ctx, x, k) => {
      ctx.save(x as Tensor, k as Tensor);
      return (x as Tensor).mul(k as Tensor);
    },
    backward: (ctx, g) => [mul(g, ctx.saved[1]!), null],
  });

  it("a custom function returning null for an input requiring gradients: an error naming the function", () => {
    const x = leaf([1, 2]);
    const k = leaf([3, 4]);
    const e = thrown(() => sum(forgetful(x, k)).backward());
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toMatch(/^backward: forgetful returned null for its input 1, whose gradient is needed; return a gradient \(zeros where it is mathematically zero\), or noGradient\(reason\) if the input has none$/);
    expect(x.grad).toBeNull();
  });

  it("the same null is fine where the gradient is not wanted (k a constant): x gets g·k", () => {
    const x = leaf([1, 2]);
    sum(forgetful(x, tensor([3, 4], { dtype: "float64" }))).backward();
    expect(x.grad?.toArray()).toEqual([3, 4]);
  });

  it("a custom function returning undefined, or too few entries, is an error too", () => {
    const holey = defineFunction({ name: "holey", forward: (_ctx, x) => (x as Tensor).neg(), backward: () => [undefined] });
    expect(thrown(() => sum(holey(leaf([1]))).backward()).message).toMatch(/^backward: holey returned undefined for its input 0, whose gradient is needed/);
    const short = defineFunction({ name: "short", forward: (_ctx, x, y) => (x as Tensor).mul(y as Tensor), backward: (_ctx, g) => [g] });
    const e = thrown(() => sum(short(leaf([1]), leaf([2]))).backward());
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toMatch(/^defineFunction\(short\): backward returned 1 gradients for 2 inputs; expected an array with one entry \(or null\) per input/);
  });

  it("a custom function's noGradient: refused with its reason when needed, skipped otherwise", () => {
    const scaleBySteps = defineFunction({
      name: "scaleBySteps",
      forward: (ctx, x, k) => {
        ctx.save(k as Tensor);
        return (x as Tensor).mul(k as Tensor);
      },
      backward: (ctx, g) => [mul(g, ctx.saved[0]!), noGradient("a step count")],
    });
    const e = thrown(() => sum(scaleBySteps(leaf([1, 2]), leaf([3, 3]))).backward());
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toMatch(/^backward: scaleBySteps has no gradient with respect to input 1 \(a step count\); /);
    const x = leaf([1, 2]);
    sum(scaleBySteps(x, tensor([3, 5], { dtype: "float64" }))).backward();
    expect(x.grad?.toArray()).toEqual([3, 5]);
  });

  it("noGradient needs a reason", () => {
    expect(() => noGradient("")).toThrow(ValueError);
    expect(() => noGradient("  ")).toThrow(/^noGradient: the reason must be a non-empty string, got "  "$/);
  });
});

describe("derivatives that are mathematically zero", () => {
  it("sign, floor, ceil and round give explicit zeros, not an error and not a missing gradient", () => {
    for (const op of [sign, floor, ceil, round]) {
      const x = leaf([-1.5, 0.25, 2.75]);
      sum(mul(op(x), 3)).backward();
      expect(x.grad?.toArray(), op.name).toEqual([0, 0, 0]);
    }
  });
});
