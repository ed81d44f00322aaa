// Composite ops: values and gradients against results worked out by hand, stability at extreme
// inputs, and gradcheck in float64 (contiguous and strided inputs).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  Variable, argmax, clip, grad, clone, div, logicalAnd, logicalNot, logicalOr, oneHot, dot, expand, flatten, gradcheck, gt, leakyRelu, logSoftmax, logSumExp, matmul, mean,
  mul, outer, relu, sigmoid, softmax, square, squeeze, stack, sub, sum, sumTo, unsqueeze, variable, exp,
} from "@strata/autograd";
import * as T from "@strata/tensor";
import { DTypeError, ShapeError, ValueError, randn, rng, tensor, zeros, type NestedValues, type Tensor } from "@strata/tensor";

const f64 = { dtype: "float64" as const };
const leaf = (values: NestedValues, dtype: "float32" | "float64" = "float64") => variable(values, { requiresGrad: true, dtype });
const gradOf = (x: Variable): number[] => Array.from(x.grad!.toTypedArray() as ArrayLike<number>);

describe("hand-worked composite expressions", () => {
  it("f(x, y) = Σ (x·y + eˣ/y): ∂f/∂x = y + eˣ/y, ∂f/∂y = x - eˣ/y²", () => {
    const x = leaf([0, 1]);
    const y = leaf([1, 2]);
    sum(mul(x, y).add(div(exp(x), y))).backward();
    expect(gradOf(x)).toAllClose([2, 2 + Math.E / 2], { rtol: 1e-15 });
    expect(gradOf(y)).toAllClose([-1, 1 - Math.E / 4], { rtol: 1e-15 });
  });

  it("sub, div and square: d(a - b) = (1, -1); d(a/b) = (1/b, -a/b²); d(x²) = 2x", () => {
    const a = leaf([3, -6]);
    const b = leaf([2, 4]);
    sum(sub(a, b)).add(sum(div(a, b))).add(sum(square(a))).backward();
    expect(gradOf(a)).toEqual([1 + 1 / 2 + 6, 1 + 1 / 4 - 12]);
    expect(gradOf(b)).toEqual([-1 - 3 / 4, -1 + 6 / 16]);
  });

  it("a one-hidden-unit network by hand: y = w2·relu(w1·x + b1)", () => {
    const w1 = leaf([[2]]);
    const b1 = leaf([[-1]]);
    const w2 = leaf([[3]]);
    const x = tensor([[1.5, 0.25]], f64); // pre-activations 2, -0.5: the second column is cut by relu
    const y = sum(matmul(w2, relu(matmul(w1, x).add(b1))));
    expect(y.item()).toBe(6);
    y.backward();
    expect(gradOf(w2)).toEqual([2]);
    expect(gradOf(w1)).toEqual([3 * 1.5]);
    expect(gradOf(b1)).toEqual([3]);
  });

  it("mean divides by the number of reduced elements", () => {
    const x = leaf([[1, 2, 3], [4, 5, 6]]);
    const m = mean(x, { axis: [0, 1] });
    expect(m.item()).toBe(3.5);
    mean(x, { axis: 1 }).sum().backward();
    expect(gradOf(x)).toEqual(new Array(6).fill(1 / 3));
  });
});

describe("activations", () => {
  it("relu: gradient 1 above 0, 0 at and below 0", () => {
    const x = leaf([-1, 0, 2]);
    relu(x).sum().backward();
    expect(gradOf(x)).toEqual([0, 0, 1]);
  });

  it("leakyRelu keeps the dtype's precision of alpha", () => {
    const x = leaf([-2, 3]);
    const y = leakyRelu(x, 0.1);
    expect(y.toArray()).toEqual([-2 * 0.1, 3]);
    y.sum().backward();
    expect(gradOf(x)).toEqual([0.1, 1]);
  });

  it("sigmoid: accurate in the tails, finite gradient at ±1000", () => {
    const x = leaf([-40, -1000, 0, 1000]);
    const s = sigmoid(x);
    const [tail, far, mid, top] = Array.from(s.data.toTypedArray() as ArrayLike<number>);
    expect(tail! / (1 / (1 + Math.exp(40)))).toBeCloseTo(1, 12);
    expect([far, mid, top]).toEqual([0, 0.5, 1]);
    s.sum().backward();
    expect(gradOf(x)).toAllClose([Math.exp(-40) / (1 + Math.exp(-40)) ** 2, 0, 0.25, 0], { rtol: 1e-10, atol: 0 });
  });

  it("clip: gradient 1 inside, bounds included, 0 outside; bad bounds throw", () => {
    const x = leaf([-1, 0, 0.5, 1, 2]);
    clip(x, 0, 1).sum().backward();
    expect(gradOf(x)).toEqual([0, 1, 1, 1, 0]);
    expect(() => clip(x, 1, 0)).toThrow(/clip: expected min <= max, got min = 1 and max = 0/);
  });
});

describe("softmax family", () => {
  it("logSumExp is finite at ±1e4 and its gradient is the softmax", () => {
    const x = leaf([[1e4, 1e4], [-1e4, -1e4 + Math.log(3)]]);
    const y = logSumExp(x, { axis: 1 });
    expect(y.data.sub(tensor([1e4 + Math.log(2), -1e4 + Math.log(4)], f64)).abs().max().item()).toBeLessThan(1e-9);
    y.sum().backward();
    expect(gradOf(x)).toAllClose([0.5, 0.5, 0.25, 0.75], { rtol: 1e-12 });
  });

  it("logSumExp over all axes, keepDims, and a row of -Infinity", () => {
    const x = leaf([[0, Math.log(3)], [-Infinity, 0]]);
    expect(logSumExp(x).item()).toBeCloseTo(Math.log(5), 14);
    expect(logSumExp(x, { axis: 1, keepDims: true }).shape).toEqual([2, 1]);
    const y = logSumExp(x, { axis: 1 });
    expect(y.toArray()).toAllClose([Math.log(4), 0], { rtol: 1e-15 });
    y.sum().backward();
    expect(gradOf(x)).toAllClose([0.25, 0.75, 0, 1], { rtol: 1e-15 });
  });

  it("softmax rows sum to 1; the gradient of their sum is 0; finite at ±1e4", () => {
    const x = leaf([[1e4, -1e4, 0], [1, 2, 3]]);
    const p = softmax(x, { axis: 1 });
    expect(p.sum({ axis: 1 }).toArray()).toAllClose([1, 1], { rtol: 1e-15 });
    expect(p.data.slice(0).toArray()).toEqual([1, 0, 0]);
    p.sum().backward();
    expect(Math.max(...gradOf(x).map(Math.abs))).toBeLessThan(1e-15);
  });

  it("logSoftmax equals log(softmax) where both are finite and stays finite where softmax underflows", () => {
    const x = randn([3, 5], { rng: rng(4), dtype: "float64" });
    expect(logSoftmax(x, { axis: 1 }).data).toAllClose(x.softmax({ axis: 1 }).log(), { rtol: 1e-13 });
    const extreme = logSoftmax(tensor([0, -1e4], f64), { axis: 0 });
    expect(extreme.toArray()).toEqual([0, -1e4]);
  });
});

describe("shapes and products", () => {
  it("matmul with 1-D operands drops the vector axis, as numpy does", () => {
    const A = leaf([[1, 2], [3, 4], [5, 6]]);
    const v = leaf([1, -1]);
    const u = leaf([1, 0, 2]);
    expect(matmul(A, v).toArray()).toEqual([-1, -1, -1]);
    expect(matmul(u, A).toArray()).toEqual([11, 14]);
    matmul(u, matmul(A, v)).backward(); // uᵀAv: ∂/∂u = Av, ∂/∂v = Aᵀu, ∂/∂A = u vᵀ
    expect(gradOf(u)).toEqual([-1, -1, -1]);
    expect(gradOf(v)).toEqual([11, 14]);
    expect(gradOf(A)).toEqual([1, -1, 0, 0, 2, -2]);
    expect(() => matmul(variable(2), A)).toThrow(ShapeError);
  });

  it("dot, outer and stack", () => {
    const a = leaf([1, 2, 3]);
    const b = leaf([4, 5, 6]);
    expect(dot(a, b).item()).toBe(32);
    expect(outer(a, b.slice([0, 2])).toArray()).toEqual([[4, 5], [8, 10], [12, 15]]);
    expect(stack([a, b], { axis: 1 }).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(() => dot(a, b.slice([0, 2]))).toThrow(/dot: expected two 1-D operands of equal length, got \(3\) and \(2\)/);
    expect(() => stack([a, b.slice([0, 2])])).toThrow(/stack: operand 1 has shape \(2\)/);
  });

  it("squeeze, unsqueeze and flatten route gradients back to the original shape", () => {
    const x = leaf([[[1], [2]], [[3], [4]]]);
    const y = unsqueeze(flatten(squeeze(x, 2)), 0);
    expect(y.shape).toEqual([1, 4]);
    mul(y, tensor([[1, 2, 3, 4]], f64)).sum().backward();
    expect(x.grad!.shape).toEqual([2, 2, 1]);
    expect(gradOf(x)).toEqual([1, 2, 3, 4]);
  });

  it("sumTo inverts broadcasting and rejects shapes that do not broadcast", () => {
    const x = leaf([[1, 2, 3], [4, 5, 6]]);
    expect(sumTo(x, [3]).toArray()).toEqual([5, 7, 9]);
    expect(sumTo(x, [1, 1]).toArray()).toEqual([[21]]);
    expect(() => sumTo(x, [2])).toThrow(ShapeError);
  });

  it("comparisons and argmax give constants without gradient", () => {
    const x = leaf([1, 3, 2]);
    const mask = gt(x, 1.5);
    expect(mask.dtype).toBe("bool");
    expect(mask.requiresGrad).toBe(false);
    expect(argmax(x).item()).toBe(1);
    const inside = logicalAnd(gt(x, 1.5), logicalNot(gt(x, 2.5)));
    expect([inside.toArray(), logicalOr(gt(x, 2.5), gt(x, 10)).toArray()]).toEqual([[0, 0, 1], [0, 1, 0]]);
    const labels = oneHot(tensor([1, 0, 1], { dtype: "int32" }), 2);
    expect([labels.shape, labels.requiresGrad, labels.toArray()]).toEqual([[2, 3], false, [[0, 1, 0], [1, 0, 1]]]);
  });

  it("clone copies into a new contiguous buffer and passes the gradient through", () => {
    const x = leaf([[1, 2], [3, 4]]);
    const y = clone(x.T);
    expect(y.data.data).not.toBe(x.data.data);
    expect([y.data.isContiguous, y.toArray()]).toEqual([true, [[1, 3], [2, 4]]]);
    mul(y, tensor([[1, 2], [3, 4]], f64)).sum().backward();
    expect(x.grad!.toArray()).toEqual([[1, 3], [2, 4]]);
  });
});

describe("gradcheck of every composite in float64, contiguous and strided", () => {
  const r = rng(99);
  const a = randn([3, 4], { rng: r, ...f64 });
  const b = randn([3, 4], { rng: r, ...f64 }).abs().add(0.5);
  const layouts = (t: Tensor): [string, Tensor][] => [["contiguous", t], ["strided", t.T.contiguous().T.slice(null, [null, null, -1])]];
  const composites: [string, (x: Variable, y: Variable) => Variable][] = [
    ["sub", (x, y) => sub(x, y)],
    ["div", (x, y) => div(x, y)],
    ["square", (x) => square(x)],
    ["relu", (x) => relu(x)],
    ["leakyRelu", (x) => leakyRelu(x, 0.2)],
    ["sigmoid", (x) => sigmoid(x)],
    ["clip", (x) => clip(x, -0.5, 0.5)],
    ["mean over axis 1", (x) => mean(x, { axis: 1 })],
    ["logSumExp over axis 0", (x) => logSumExp(x, { axis: 0 })],
    ["softmax over axis 1", (x) => softmax(x, { axis: 1 })],
    ["logSoftmax over axis 0", (x) => logSoftmax(x, { axis: 0 })],
    ["matmul xᵀ·y", (x, y) => matmul(x.T, y)],
    ["dot of rows", (x, y) => dot(x.slice(0), y.slice(1))],
    ["outer of columns", (x, y) => outer(x.slice(null, 0), y.slice(null, 2))],
    ["stack", (x, y) => stack([x, y], { axis: 1 })],
    ["sumTo (1,4)", (x) => sumTo(x, [1, 4])],
    ["div by a number", (x) => div(x, -3)],
    ["sub a number", (x) => sub(x, 2)],
    ["expand (2,-1,-1)", (x) => expand(x, [2, -1, -1])],
    ["mean of all axes", (x) => mean(x)],
  ];
  for (const [name, fn] of composites) {
    for (const [layout, x] of layouts(a)) {
      it(`${name} (${layout})`, () => {
        // Keep clip's and relu's inputs off their kinks, where finite differences straddle the corner.
        const nearKink = Array.from(x.toTypedArray() as ArrayLike<number>).some((v) => Math.abs(Math.abs(v) - 0.5) < 1e-3 || Math.abs(v) < 1e-3);
        expect(nearKink).toBe(false);
        expect(gradcheck(fn, [x, b]).passed).toBe(true);
      });
    }
  }

  it("reports bad arguments with the op's name", () => {
    expect(() => mean(variable([1, 2]), { axis: 2 })).toThrow(ValueError);
    expect(() => softmax(variable([[1, 2]]), { axis: 3 })).toThrow(/axis 3 is out of range/);
  });
});

describe("as the tensor package: dtypes, accepted inputs, and errors naming the op called", () => {
  const i32 = tensor([1, -2, 3], { dtype: "int32" });
  const xs = randn([3, 4], { rng: rng(11), ...f64 });

  it("mean rejects an empty axis as tensor's mean does, and int32 gives float32 for any count", () => {
    expect(() => mean(zeros([2, 0]), { axis: 1 })).toThrow(ValueError);
    expect(() => mean(zeros([2, 0]), { axis: 1 })).toThrow(/mean: cannot reduce over axis 1 of length 0 in \(2,0\); expected a non-empty axis/);
    expect(() => mean(zeros([0]))).toThrow(/mean: cannot reduce over axis 0 of length 0/);
    expect(() => mean(variable([1, 2]), { axis: 2 })).toThrow(/^mean: axis 2 is out of range/);
    expect(mean(zeros([2, 0]), { axis: 0 }).shape).toEqual([0]); // the reduced axis is not empty
    const one = mean(tensor([5], { dtype: "int32" }));
    expect([one.dtype, one.item()]).toEqual(["float32", 5]);
    const rows = mean(tensor([[1, 2], [3, 6]], { dtype: "int32" }), { axis: 1 });
    expect([rows.dtype, rows.toArray()]).toEqual(["float32", [1.5, 4.5]]);
    expect(mean(tensor([true, false, true, true])).item()).toBe(0.75);
    expect(mean(i32).data.equals(T.mean(i32))).toBe(true);
    expect(gradcheck((x) => mean(x, { axis: [0, 1] }), [xs]).passed).toBe(true);
  });

  it("div gives float32 for an int32 dividend and a number, with no int32 range error; shape errors name div", () => {
    for (const b of [1, -1, 2, 1e-10, 0]) {
      const y = div(i32, b);
      expect(y.dtype).toBe("float32");
      expect(y.data.equals(T.div(i32, b))).toBe(true);
    }
    expect(div(tensor([true, false]), 4).toArray()).toEqual([0.25, 0]);
    expect(() => div(variable([1, 2]), variable([1, 2, 3]))).toThrow(ShapeError);
    expect(() => div(variable([1, 2]), variable([1, 2, 3]))).toThrow(/^div: shapes \(2\) and \(3\) do not broadcast/);
    expect(div(xs, 4).data.equals(xs.div(4))).toBe(true);
    expect(gradcheck((a, b) => div(a, b), [xs, xs.abs().add(0.5)]).passed).toBe(true);
  });

  it("sub takes b = -2147483648 beside int32 (wrapping as tensor's sub) and its errors name sub", () => {
    const y = sub(i32, -2147483648);
    expect([y.dtype, y.toArray()]).toEqual(["int32", T.sub(i32, -2147483648).toArray()]);
    expect(sub(-2147483648, i32).toArray()).toEqual(T.sub(-2147483648, i32).toArray());
    expect(sub(i32, 2147483647).toArray()).toEqual(T.sub(i32, 2147483647).toArray());
    expect(() => sub(i32, 2147483648)).toThrow(DTypeError);
    expect(() => sub(i32, 2147483648)).toThrow(/^sub: 2147483648 is outside the int32 range of an int32 result/);
    expect(() => sub(3e10, i32)).toThrow(/^sub: 30000000000 is outside the int32 range/);
    expect(() => sub(variable([1, 2]), variable([1, 2, 3]))).toThrow(/^sub: shapes \(2\) and \(3\) do not broadcast/);
    expect(sub(i32, 0.5).dtype).toBe("float32"); // a fraction makes the result float32: no range check
    expect(gradcheck((a, b) => sub(a, b), [xs, xs.slice(0).clone()]).passed).toBe(true); // b broadcast over rows
  });

  it("leakyRelu rejects a NaN or infinite alpha and gives float32 for int32 input", () => {
    for (const alpha of [NaN, Infinity, -Infinity]) {
      expect(() => leakyRelu(variable([-1, 1]), alpha)).toThrow(ValueError);
      expect(() => leakyRelu(variable([-1, 1]), alpha)).toThrow(`leakyRelu: alpha must be a finite number, got ${alpha}`);
    }
    const ints = tensor([-2, 3], { dtype: "int32" });
    for (const alpha of [2, 0.5]) {
      const y = leakyRelu(ints, alpha);
      expect([y.dtype, y.toArray()]).toEqual(["float32", T.leakyRelu(ints, alpha).toArray()]);
    }
    expect(gradcheck((x) => leakyRelu(x, -0.3), [xs]).passed).toBe(true);
  });

  it("expand and Variable.expand keep an axis's length for -1; errors name expand", () => {
    const b = variable([[1], [2]], { requiresGrad: true });
    const y = expand(b, [-1, 3]);
    expect([y.shape, y.toArray()]).toEqual([[2, 3], [[1, 1, 1], [2, 2, 2]]]);
    expect(b.expand([4, -1, 3]).shape).toEqual([4, 2, 3]);
    y.sum().backward();
    expect(b.grad!.toArray()).toEqual([[3], [3]]);
    expect(() => b.expand([-1, 2, 3])).toThrow(ShapeError);
    expect(() => b.expand([-1, 2, 3])).toThrow(/^expand: cannot expand \(2,1\) to \[-1, 2, 3\]: -1 is only allowed on the last 2 axes/);
    expect(() => expand(b, [3, -1])).toThrow(/^expand: cannot expand \(2,1\) to \[3, -1\]/);
    expect(() => expand(b, [2, -2])).toThrow(ShapeError);
    expect(expand(b, [2, 5]).shape).toEqual([2, 5]); // plain lengths, as broadcastTo
    expect(gradcheck((x) => expand(x.slice(null, [0, 1]), [2, -1, 4]), [xs]).passed).toBe(true);
  });

  it("clone keeps the dtype: bool stays bool, in a new buffer", () => {
    const m = tensor([true, false, true]);
    const c = clone(m);
    expect([c.dtype, c.toArray()]).toEqual(["bool", [1, 0, 1]]);
    expect(c.data.data).not.toBe(m.data);
    expect(clone(i32).dtype).toBe("int32");
    expect(gradcheck((x) => clone(x.T), [xs]).passed).toBe(true);
  });

  it("logSumExp, softmax and logSoftmax name themselves in errors and take empty slices as tensor's do", () => {
    const x = variable([[1, 2]]);
    expect(() => logSumExp(x, { axis: 3 })).toThrow(ValueError);
    expect(() => logSumExp(x, { axis: 3 })).toThrow(/^logSumExp: axis 3 is out of range/);
    expect(() => logSumExp(x, { axis: [0, -2] })).toThrow(/^logSumExp: axis 0 is repeated/);
    expect(() => softmax(x, { axis: 3 })).toThrow(/^softmax: axis 3 is out of range/);
    expect(() => logSoftmax(x, { axis: -3 })).toThrow(/^logSoftmax: axis -3 is out of range/);
    expect(() => softmax(x, {} as { axis: number })).toThrow(/^softmax: axis is required for shape \(1,2\), got undefined/);
    expect(() => logSoftmax(x, {} as { axis: number })).toThrow(/^logSoftmax: axis is required/);
    const empty = zeros([2, 0]);
    expect(logSumExp(empty, { axis: 1 }).toArray()).toEqual(T.logSumExp(empty, { axis: 1 }).toArray()); // [-Infinity, -Infinity]
    expect(softmax(empty, { axis: 1 }).shape).toEqual(T.softmax(empty, { axis: 1 }).shape);
    expect(logSoftmax(empty, { axis: 1 }).shape).toEqual([2, 0]);
    expect(gradcheck((x) => logSoftmax(x, { axis: -1 }), [xs]).passed).toBe(true);
  });

  it("stack of an empty list names stack", () => {
    expect(() => stack([])).toThrow(ValueError);
    expect(() => stack([])).toThrow(/^stack: expected at least one tensor, got an empty list/);
    expect(gradcheck((a, b) => stack([a, b], { axis: -1 }), [xs, xs.neg()]).passed).toBe(true);
  });

  it("a number is a 0-d constant in mean, squeeze, unsqueeze, flatten, stack, sumTo and expand", () => {
    for (const y of [mean(3), squeeze(3), sumTo(3, []), logSumExp(3)]) expect([y.shape, y.dtype, y.item()]).toEqual([[], "float32", 3]);
    expect([unsqueeze(3, 0).toArray(), flatten(3).toArray(), expand(3, [2]).toArray()]).toEqual([[3], [3], [3, 3]]);
    expect(stack([1, 2, variable(3)]).toArray()).toEqual([1, 2, 3]);
    expect(() => unsqueeze(3, 2)).toThrow(/unsqueeze: axis 2 is out of range/);
    const s = randn([], { rng: rng(3), ...f64 });
    expect(gradcheck((x) => stack([x, 2, mean(x)]), [s]).passed).toBe(true);
  });
});

describe("logSoftmax at large offsets (x - max taken first)", () => {
  /** The exact log-softmax, in float64, of the float32 values `xs`. */
  const reference = (xs: number[]): number[] => {
    const m = Math.max(...xs);
    const lse = Math.log(xs.reduce((s, v) => s + Math.exp(v - m), 0));
    return xs.map((v) => v - m - lse);
  };
  const ULP1 = 2 ** -23; // a float32 ulp at 1: the scale of log Σ exp(x - max), which is in [0, log k]

  it("float32 [1e6, 1e6-1, 1e6-2] gives -0.40760595 at the first, not x - logSumExp(x)'s -0.4375", () => {
    const xs = [1e6, 1e6 - 1, 1e6 - 2];
    const y = logSoftmax(variable(xs), { axis: 0 });
    expect(y.dtype).toBe("float32");
    const want = reference(xs);
    expect(want[0]).toBeCloseTo(-0.4076059644443804, 15);
    (y.toArray() as number[]).forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(2 * ULP1 * Math.max(1, Math.abs(want[i]!))));
    // the old form, for the record: the big terms round before they cancel
    expect(sub(variable(xs), logSumExp(variable(xs), { axis: 0, keepDims: true })).toArray()).toEqual([-0.4375, -1.4375, -2.4375]);
  });

  it("gradients: softmax(x) - onehot at any offset, and no gradient through the max", () => {
    const x = leaf([1e6, 1e6 - 1, 1e6 - 2], "float32");
    logSoftmax(x, { axis: 0 }).slice(0).backward();
    const p = [0, -1, -2].map(Math.exp);
    const s = p.reduce((a, b) => a + b, 0);
    expect(gradOf(x)).toAllClose([1 - p[0]! / s, -p[1]! / s, -p[2]! / s], { atol: 1e-6 });
  });

  it("gradcheck in float64 (first and second order) at offsets of 1e3 and with ties for the max", () => {
    const xs = randn([3, 4], { rng: rng(11), ...f64 }).add(tensor([[1e3], [-1e3], [0]], f64));
    expect(gradcheck((x) => logSoftmax(x, { axis: 1 }), [xs]).passed).toBe(true);
    expect(gradcheck((x) => logSoftmax(x, { axis: 0 }), [xs.T]).passed).toBe(true);
    const tied = tensor([[2, 2, -1], [0.5, 0.5, 0.5]], f64);
    expect(gradcheck((x) => logSoftmax(x, { axis: 1 }), [tied]).passed).toBe(true);
    const firstOf = (w: Tensor) => grad((x: Variable) => sum(mul(logSoftmax(x, { axis: 1 }), w)));
    expect(gradcheck((x) => firstOf(randn([3, 4], { rng: rng(12), ...f64 }))(x), [xs]).passed).toBe(true);
    // with f = Σ w·logSoftmax(x), ∂f/∂x_k = w_k - p_k·Σw per row, and h = Σ_k w_k·∂f/∂x_k has
    // ∂h/∂x_m = -Σw·(p_m·w_m - p_m·Σ_k p_k·w_k): second order against a closed form
    const w = tensor([[0.3, -1.2, 2], [1, 0.5, -0.25]], f64);
    const first = firstOf(w);
    const hv = grad((x: Variable) => sum(mul(first(x), w)))(tied);
    const rows = tied.toArray() as number[][];
    const W = w.toArray() as number[][];
    const expected = rows.map((r, i) => {
      const e = r.map(Math.exp);
      const z = e.reduce((a, b) => a + b, 0);
      const p = e.map((v) => v / z);
      const wr = W[i]!;
      const sw = wr.reduce((a, b) => a + b, 0);
      const pw = p.reduce((a, pj, j) => a + pj * wr[j]!, 0);
      return p.map((pk, k) => -sw * (pk * wr[k]! - pk * pw));
    });
    expect(hv.data.toArray()).toAllClose(expected, { rtol: 1e-10, atol: 1e-12 });
  });

  it("property: float32 rows at offsets up to 1e7 stay within a few ulps of the float64 reference", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((k) => fc.tuple(fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: k, maxLength: k }), fc.double({ min: -1e7, max: 1e7, noNaN: true }))),
        ([spread, offset]) => {
          const xs = spread.map((v) => Math.fround(offset + v));
          const got = logSoftmax(variable(xs), { axis: 0 }).toArray() as number[];
          const want = reference(xs);
          got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(4 * ULP1 * Math.max(1, Math.abs(want[i]!))));
        },
      ),
      { numRuns: 300 },
    );
  });
});
