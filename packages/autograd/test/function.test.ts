// defineFunction: custom ops with a hand-written backward. Their gradients are checked against
// finite differences (gradcheck) and against derivatives worked out by hand.
import { describe, expect, it } from "vitest";
import {
  Variable, add, defineFunction, exp, grad, gradcheck, gradients, mul, noGrad, sigmoid, sum, variable,
  type FunctionContext,
} from "@strata/autograd";
import { Tensor, ValueError, addInPlace, mulInPlace, tensor, type TensorValues } from "@strata/tensor";
import * as T from "@strata/tensor";

const f64 = (values: TensorValues): Tensor => tensor(values, { dtype: "float64" });
const leaf = (values: TensorValues): Variable => variable(values, { dtype: "float64", requiresGrad: true });

// x³, backward 3x²·g written with differentiable ops on the saved input.
const cube = defineFunction({
  name: "cube",
  forward(ctx, x) {
    const t = x as Tensor;
    ctx.save(t);
    return t.mul(t).mul(t);
  },
  backward(ctx, g) {
    const [x] = ctx.saved;
    return [mul(g, mul(3, mul(x!, x!)))];
  },
});

// log(1 + eˣ) as max(x, 0) + log1p(e^-|x|): finite where the naive form overflows.
const stableSoftplus = defineFunction({
  name: "stableSoftplus",
  forward(ctx, x) {
    const t = x as Tensor;
    ctx.save(t);
    return T.maximum(t, 0).add(T.log1p(T.exp(T.neg(T.abs(t)))));
  },
  backward: (ctx, g) => [mul(g, sigmoid(ctx.saved[0]!))],
});

describe("custom ops against finite differences and hand values", () => {
  it("cube matches gradcheck and 3x²", () => {
    expect(gradcheck((x) => sum(cube(x)), [f64([-1.5, 0.5, 2])]).passed).toBe(true);
    const x = leaf([-1.5, 0.5, 2]);
    sum(cube(x)).backward();
    expect(x.grad).toAllClose([6.75, 0.75, 12]);
  });

  it("a stable softplus matches gradcheck and stays finite at ±800", () => {
    expect(gradcheck((x) => sum(stableSoftplus(x)), [f64([-30, -1, 0, 0.5, 3, 30])]).passed).toBe(true);
    const x = leaf([-800, 0, 800]);
    const y = stableSoftplus(x);
    expect(y.data).toAllClose([0, Math.LN2, 800]);
    sum(y).backward();
    expect(x.grad).toAllClose([0, 0.5, 1], { atol: 1e-300 });
  });

  it("reduces a gradient of the output's broadcast shape to the input's shape", () => {
    const addBias = defineFunction({
      name: "addBias",
      forward: (_ctx, x, b) => (x as Tensor).add(b as Tensor),
      backward: (_ctx, g) => [g, g],
    });
    const x = leaf([[1, 2, 3], [4, 5, 6]]);
    const b = leaf([0, 0, 0]);
    sum(mul(addBias(x, b), f64([[1, 2, 3], [10, 20, 30]]))).backward();
    expect(b.grad).toAllClose([11, 22, 33]);
  });
});

describe("second derivatives through a custom backward", () => {
  it("d²/dx² of cube is 6x, through nested grad and through gradients", () => {
    const cubeGrad = grad((x) => sum(cube(x)));
    expect(grad((x) => sum(cubeGrad(x)))(f64([1, -2, 0.5])).data).toAllClose([6, -12, 3]);

    const x = leaf([3, -1]);
    const [g] = gradients([sum(cube(x))], [x], { createGraph: true });
    expect(g!.data).toAllClose([27, 3]);
    const [h] = gradients([sum(g!)], [x]);
    expect(h!.data).toAllClose([18, -6]);
  });
});

describe("FunctionContext", () => {
  it("maps saved inputs to the input variables and the saved output to the output variable", () => {
    let saved: readonly Variable[] = [];
    const scaled = defineFunction({
      name: "scaled",
      forward(ctx, a, b, c) {
        const out = (a as Tensor).mul(b as Tensor).mul(c as Tensor);
        ctx.save(a as Tensor, b as Tensor, c as Tensor, out);
        return out;
      },
      backward(ctx, g) {
        saved = ctx.saved;
        const [a, b, c] = ctx.saved;
        return [mul(g, mul(b!, c!)), mul(g, mul(a!, c!)), null];
      },
    });
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    const c = f64([5, 6]);
    const y = scaled(a, b, c);
    sum(y).backward();
    expect(saved[0]).toBe(a);
    expect(saved[1]).toBe(b);
    expect(saved[2]!.data).toBe(c); // a constant: wrapped, not differentiated
    expect(saved[2]!.requiresGrad).toBe(false);
    expect(saved[3]).toBe(y);
    expect(a.grad).toAllClose([15, 24]); // b·c
    expect(b.grad).toAllClose([5, 12]); // a·c
  });

  it("lets the gradient of a saved input flow in double backward", () => {
    const product = defineFunction({
      name: "product",
      forward(ctx, a, b) {
        ctx.save(a as Tensor, b as Tensor);
        return (a as Tensor).mul(b as Tensor);
      },
      backward: (ctx, g) => [mul(g, ctx.saved[1]!), mul(g, ctx.saved[0]!)],
    });
    const a = leaf([1, 2]);
    const b = leaf([3, -4]);
    const [ga] = gradients([sum(product(a, b))], [a], { createGraph: true }); // b
    expect(ga!.data).toAllClose([3, -4]);
    const [gb] = gradients([sum(mul(ga!, ga!))], [b]); // d Σb² / db = 2b
    expect(gb!.data).toAllClose([6, -8]);
  });

  it("lets the saved output carry the second derivative of exp", () => {
    const myExp = defineFunction({
      name: "myExp",
      forward(ctx, x) {
        const e = T.exp(x as Tensor);
        ctx.save(e);
        return e;
      },
      backward: (ctx, g) => [mul(g, ctx.saved[0]!)],
    });
    const x = f64([0, 1, -2]);
    const d2 = grad((v) => sum(grad((u) => sum(myExp(u)))(v)))(x);
    expect(d2.data).toAllClose([1, Math.E, Math.exp(-2)]);
  });

  it("carries plain values from forward to backward in ctx.state", () => {
    const scale = defineFunction<{ k: number }>({
      name: "scale",
      forward(ctx: FunctionContext<{ k: number }>, x, k) {
        ctx.state = { k: k as number };
        return (x as Tensor).mul(k as number);
      },
      backward: (ctx, g) => [mul(g, ctx.state!.k), null],
    });
    const x = leaf([1, 2]);
    const y = sum(scale(x, 2.5));
    y.backward();
    expect(x.grad).toAllClose([2.5, 2.5]);
  });
});

describe("errors", () => {
  it("gradcheck catches a wrong backward and reports the worst element", () => {
    // Backward 2x² instead of 3x²: at x = [1, 2] the gaps are 1 and 4, worst relative to the
    // tolerance at element 1 (analytic 8, numeric 12). Input 0 is correct, so input 1 is blamed.
    const badCube = defineFunction({
      name: "badCube",
      forward(ctx, x) {
        ctx.save(x as Tensor);
        return (x as Tensor).mul(x as Tensor).mul(x as Tensor);
      },
      backward: (ctx, g) => [mul(g, mul(2, mul(ctx.saved[0]!, ctx.saved[0]!)))],
    });
    const fn = (a: Variable, x: Variable) => add(sum(mul(a, a)), sum(badCube(x)));
    const inputs = [f64([0.5, -1]), f64([1, 2])];
    const result = gradcheck(fn, inputs, { throwOnFailure: false });
    expect(result.passed).toBe(false);
    expect(result.worst).toMatchObject({ input: 1, index: [1], output: [] });
    expect(result.worst!.analytic).toBeCloseTo(8, 10);
    expect(result.worst!.numeric).toBeCloseTo(12, 5);
    expect(() => gradcheck(fn, inputs)).toThrow(/input 1 \(shape \(2\)\) element \(1\).*analytic 8 vs numeric (12|11\.9)/);
  });

  it("refuses a backward that returns the wrong number of gradients", () => {
    const twoGrads = defineFunction({ name: "twoGrads", forward: (_ctx, x) => x as Tensor, backward: (_ctx, g) => [g, g] });
    expect(() => sum(twoGrads(leaf([1]))).backward()).toThrow(ValueError);
    expect(() => sum(twoGrads(leaf([1]))).backward()).toThrow(/defineFunction\(twoGrads\): backward returned 2 gradients for 1 inputs.*one entry \(or null\) per input/);
  });

  it("refuses a forward that does not return a Tensor", () => {
    const bad = defineFunction({ name: "bad", forward: () => 42 as unknown as Tensor, backward: () => [null] });
    expect(() => bad(leaf([1]))).toThrow(/defineFunction\(bad\): forward returned 42; expected a Tensor/);
  });

  it("detects an in-place change of a tensor saved with ctx.save", () => {
    const weighted = defineFunction({
      name: "weighted",
      forward(ctx, x, w) {
        ctx.save(w as Tensor);
        return (x as Tensor).mul(w as Tensor);
      },
      backward: (ctx, g) => [mul(g, ctx.saved[0]!), null],
    });
    const x = leaf([1, 2]);
    const w = f64([3, 4]);
    const y = sum(weighted(x, w));
    addInPlace(w, 1);
    expect(() => y.backward()).toThrow(/shape \(2\) \(float64\) saved by weighted.*modified in place/);
    expect(x.grad).toBeNull();

    const e = exp(leaf([0]));
    const passthrough = defineFunction({
      name: "keepsOutput",
      forward(ctx, v) {
        const out = (v as Tensor).mul(2);
        ctx.save(out);
        return out;
      },
      backward: (_ctx, g) => [mul(g, 2)],
    });
    const out = passthrough(e);
    mulInPlace(out.data, 3);
    expect(() => sum(out).backward()).toThrow(/saved by keepsOutput/);
  });
});

describe("inputs without gradients", () => {
  it("returns a variable that does not require gradients, and never records a node", () => {
    let calls = 0;
    const twice = defineFunction({
      name: "twice",
      forward: (_ctx, x) => (x as Tensor).mul(2),
      backward: (_ctx, g) => { calls++; return [mul(g, 2)]; },
    });
    const y = twice(variable([1, 2], { dtype: "float64" }), 3);
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
    expect(y.data).toAllClose([2, 4]);
    expect(twice(f64([1])).requiresGrad).toBe(false);
    expect(noGrad(() => twice(leaf([1]))).requiresGrad).toBe(false);
    expect(() => sum(y).backward()).toThrow(/does not require gradients/);
    expect(calls).toBe(0);
  });
});
