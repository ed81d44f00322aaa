// Every row of the derivative table, gradchecked against central differences in float64 on every
// memory layout of its float inputs. The table is keyed by Primitive, so adding a primitive to
// rules.ts without samples here is a compile error, and a sample whose graph lacks its primitive
// (say, a composite that stopped using it) is a test failure.
import { describe, expect, test } from "vitest";
import {
  abs, add, broadcastTo, cast, ceil, concat, cos, erf, exp, floor, gather, gradcheck, indexAdd, log, log1p,
  matmul, matmul2d, max, maximum, min, minimum, mul, neg, pow, primitives, reciprocal, reshape, round, sign, sin,
  slice, sliceScatter, softplus, sqrt, sum, tanh, transpose, variable, where,
  type GradcheckOptions, type Primitive, type Variable,
} from "@strata/autograd";
import { ShapeError, ValueError, gt, isFloatDType, permutation, rand, randint, randn, rng, tensor, type Rng, type Shape, type Tensor } from "@strata/tensor";
import { flatValues } from "../../tensor/test/reference.js";
import { LAYOUTS, hasLayout, inLayout } from "./layouts.js";
import { convSamples } from "./conv-samples.js";

interface Sample {
  readonly name: string;
  /** The inputs, drawn from `g` only, so every run checks the same points. */
  readonly inputs: (g: Rng) => Tensor[];
  /** Applies the primitive under test to the inputs (in order). */
  readonly fn: (...xs: Variable[]) => Variable;
  readonly opts?: GradcheckOptions;
}

// Input makers. Every float input is float64 so that central differences are accurate to ~1e-10.
const normal = (g: Rng, shape: Shape): Tensor => randn(shape, { rng: g, dtype: "float64" });
const uniform = (g: Rng, shape: Shape, low: number, high: number): Tensor => rand(shape, { rng: g, dtype: "float64", low, high });
/**
 * An integer in [-2, 2] plus a fraction in [lo, hi]. With [0.1, 0.4] every value is ≥ 0.1 away from
 * the integers (jumps of floor, ceil, sign; the kink of abs) and from the halves (jumps of round);
 * values from [0.1, 0.4] and [0.6, 0.9] are ≥ 0.2 apart, so maximum/minimum never nearly tie.
 */
const offGrid = (g: Rng, shape: Shape, lo = 0.1, hi = 0.4): Tensor =>
  randint(-2, 3, shape, { rng: g }).cast("float64").add(uniform(g, shape, lo, hi));
/**
 * Values ≥ 0.2 apart, so that max/min have no near-ties. The broadcast layout repeats some of them,
 * but repeats share one storage element, where gradcheck sums the shares and the tie is harmless.
 */
const distinct = (g: Rng, shape: Shape): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return permutation(n, { rng: g }).cast("float64").mul(0.25).add(uniform(g, [n], 0, 0.05)).reshape(shape);
};
const mask = (g: Rng, shape: Shape): Tensor => gt(rand(shape, { rng: g }), 0.5);
const int32 = (values: number[]): Tensor => tensor(values, { dtype: "int32" });

type Maker = (g: Rng, shape: Shape) => Tensor;
/**
 * One sample per broadcasting pattern of a binary op. The first operand is drawn by `makeA`, the
 * second by `makeB` (so maximum/minimum can keep them apart), `constant` stands for either.
 */
function binary(op: (a: Variable | number, b: Variable | number) => Variable, makeA: Maker, makeB: Maker, constant: number): Sample[] {
  const both = (a: Shape, b: Shape) => (g: Rng) => [makeA(g, a), makeB(g, b)];
  return [
    { name: "(3,4) with (3,4)", inputs: both([3, 4], [3, 4]), fn: (a, b) => op(a, b) },
    { name: "(3,4) with (4,)", inputs: both([3, 4], [4]), fn: (a, b) => op(a, b) },
    { name: "(3,4) with (3,1)", inputs: both([3, 4], [3, 1]), fn: (a, b) => op(a, b) },
    { name: "(3,1) with (4,): both broadcast", inputs: both([3, 1], [4]), fn: (a, b) => op(a, b) },
    { name: "(3,4) with 0-d", inputs: both([3, 4], []), fn: (a, b) => op(a, b) },
    { name: `(3,4) with the number ${constant}`, inputs: (g) => [makeA(g, [3, 4])], fn: (a) => op(a, constant) },
    { name: `the number ${constant} with (2,3)`, inputs: (g) => [makeB(g, [2, 3])], fn: (b) => op(constant, b) },
  ];
}
const unary = (op: (x: Variable) => Variable, make: Maker): Sample[] => [
  { name: "(3,4)", inputs: (g) => [make(g, [3, 4])], fn: (x) => op(x) },
  { name: "(2,3,2)", inputs: (g) => [make(g, [2, 3, 2])], fn: (x) => op(x) },
];
type Reduction = typeof sum;
function reductions(op: Reduction, make: Maker): Sample[] {
  const on = (shape: Shape) => (g: Rng) => [make(g, shape)];
  return [
    { name: "axis 1, keepDims", inputs: on([3, 4]), fn: (x) => op(x, { axis: 1, keepDims: true }) },
    { name: "axis 0", inputs: on([3, 4]), fn: (x) => op(x, { axis: 0 }) },
    { name: "axis -1 of 3-D", inputs: on([2, 3, 4]), fn: (x) => op(x, { axis: -1 }) },
    { name: "axes [0, 2] of 3-D", inputs: on([2, 3, 4]), fn: (x) => op(x, { axis: [0, 2] }) },
    { name: "axes [-1, 0] of 3-D, keepDims", inputs: on([2, 3, 4]), fn: (x) => op(x, { axis: [-1, 0], keepDims: true }) },
    { name: "all axes", inputs: on([3, 4]), fn: (x) => op(x) },
    { name: "all axes, keepDims", inputs: on([2, 3, 2]), fn: (x) => op(x, { keepDims: true }) },
  ];
}
/**
 * max/min at genuine ties: broadcasting inside fn makes each extremum appear several times, all
 * copies of one input element, so the shares (1/k each) must add up to that element's derivative 1.
 */
const tied = (op: Reduction): Sample[] => [
  { name: "ties: (4,) broadcast to (3,4), axis 0", inputs: (g) => [distinct(g, [4])], fn: (x) => op(broadcastTo(x, [3, 4]), { axis: 0 }) },
  { name: "ties: (3,4) broadcast to (2,3,4), axes [0, 2]", inputs: (g) => [distinct(g, [3, 4])], fn: (x) => op(broadcastTo(x, [2, 3, 4]), { axis: [0, 2] }) },
  { name: "ties: all axes of a broadcast", inputs: (g) => [distinct(g, [3, 1])], fn: (x) => op(broadcastTo(x, [2, 3, 4])) },
];
const positive = (g: Rng, shape: Shape): Tensor => uniform(g, shape, 0.5, 2);
const exponent = (g: Rng, shape: Shape): Tensor => uniform(g, shape, -1.5, 2.5);

// A mapped type over Primitive: a primitive added to the derivative table without an entry here
// does not compile, and neither does an entry for a name that is not a primitive.
const samples: { readonly [P in Primitive]: readonly Sample[] } = {
  neg: unary(neg, normal),
  exp: unary(exp, normal),
  log: unary(log, positive),
  log1p: unary(log1p, (g, shape) => uniform(g, shape, -0.7, 2)),
  sqrt: unary(sqrt, positive),
  reciprocal: [...unary(reciprocal, positive), { name: "negative (3,4)", inputs: (g) => [positive(g, [3, 4]).neg()], fn: (x) => reciprocal(x) }],
  abs: unary(abs, offGrid),
  sin: unary(sin, normal),
  cos: unary(cos, normal),
  tanh: unary(tanh, normal),
  softplus: unary(softplus, (g, shape) => normal(g, shape).mul(3)),
  sign: unary(sign, offGrid),
  floor: unary(floor, offGrid),
  ceil: unary(ceil, offGrid),
  round: unary(round, offGrid),
  erf: [...unary(erf, normal), { name: "wide (3,4): both expansions and the saturated tails", inputs: (g) => [normal(g, [3, 4]).mul(2.5)], fn: (x) => erf(x) }],

  add: binary(add, normal, normal, 1.5),
  mul: binary(mul, normal, normal, -2.5),
  pow: [
    { name: "positive (3,4) ** (3,4)", inputs: (g) => [positive(g, [3, 4]), exponent(g, [3, 4])], fn: (a, b) => pow(a, b) },
    { name: "positive (3,4) ** (4,)", inputs: (g) => [positive(g, [3, 4]), exponent(g, [4])], fn: (a, b) => pow(a, b) },
    { name: "positive (3,1) ** (3,4)", inputs: (g) => [positive(g, [3, 1]), exponent(g, [3, 4])], fn: (a, b) => pow(a, b) },
    { name: "positive (3,4) ** 2.5", inputs: (g) => [positive(g, [3, 4])], fn: (a) => pow(a, 2.5) },
    { name: "positive (3,4) ** -2", inputs: (g) => [positive(g, [3, 4])], fn: (a) => pow(a, -2) },
    { name: "1.7 ** (3,4)", inputs: (g) => [exponent(g, [3, 4])], fn: (b) => pow(1.7, b) },
  ],
  maximum: [
    ...binary(maximum, offGrid, (g, shape) => offGrid(g, shape, 0.6, 0.9), 0.5),
    { name: "ties: maximum(x, x)", inputs: (g) => [normal(g, [3, 4])], fn: (x) => maximum(x, x) },
  ],
  minimum: [
    ...binary(minimum, offGrid, (g, shape) => offGrid(g, shape, 0.6, 0.9), -0.5),
    { name: "ties: minimum(x, x)", inputs: (g) => [normal(g, [3, 4])], fn: (x) => minimum(x, x) },
  ],
  where: [
    { name: "(3,4) mask, (3,4), (3,4)", inputs: (g) => [mask(g, [3, 4]), normal(g, [3, 4]), normal(g, [3, 4])], fn: (c, a, b) => where(c, a, b) },
    { name: "(4,) mask, (3,4), (3,1)", inputs: (g) => [mask(g, [4]), normal(g, [3, 4]), normal(g, [3, 1])], fn: (c, a, b) => where(c, a, b) },
    { name: "(3,4) mask, (4,), the number 0.5", inputs: (g) => [mask(g, [3, 4]), normal(g, [4])], fn: (c, a) => where(c, a, 0.5) },
    { name: "(3,1) mask, the number -1, (3,4)", inputs: (g) => [mask(g, [3, 1]), normal(g, [3, 4])], fn: (c, b) => where(c, -1, b) },
  ],

  sum: reductions(sum, normal),
  max: [...reductions(max, distinct), ...tied(max)],
  min: [...reductions(min, distinct), ...tied(min)],

  reshape: [
    { name: "(3,4) to (2,1,6)", inputs: (g) => [normal(g, [3, 4])], fn: (x) => reshape(x, [2, 1, 6]) },
    { name: "(2,3,4) to (24,)", inputs: (g) => [normal(g, [2, 3, 4])], fn: (x) => reshape(x, [24]) },
    { name: "(1,1) to ()", inputs: (g) => [normal(g, [1, 1])], fn: (x) => reshape(x, []) },
  ],
  transpose: [
    { name: "(2,3,4) with perm [2, 0, 1]", inputs: (g) => [normal(g, [2, 3, 4])], fn: (x) => transpose(x, [2, 0, 1]) },
    { name: "(2,3,4) with perm [1, 0, 2]", inputs: (g) => [normal(g, [2, 3, 4])], fn: (x) => transpose(x, [1, 0, 2]) },
    { name: "(3,4) reversed (no perm)", inputs: (g) => [normal(g, [3, 4])], fn: (x) => transpose(x) },
    { name: "(2,3,4) with negative perm [-1, 0, -2]", inputs: (g) => [normal(g, [2, 3, 4])], fn: (x) => transpose(x, [-1, 0, -2]) },
  ],
  broadcastTo: [
    { name: "(4,) to (2,3,4): leading axes", inputs: (g) => [normal(g, [4])], fn: (x) => broadcastTo(x, [2, 3, 4]) },
    { name: "(3,1) to (3,4): stretched axis", inputs: (g) => [normal(g, [3, 1])], fn: (x) => broadcastTo(x, [3, 4]) },
    { name: "(3,1) to (2,3,4): both", inputs: (g) => [normal(g, [3, 1])], fn: (x) => broadcastTo(x, [2, 3, 4]) },
  ],
  slice: [
    { name: "(5,6) steps 2 and -2", inputs: (g) => [normal(g, [5, 6])], fn: (x) => slice(x, [1, 5, 2], [5, null, -2]) },
    { name: "(5,6) picked row 2, reversed", inputs: (g) => [normal(g, [5, 6])], fn: (x) => slice(x, 2, [null, null, -1]) },
    { name: "(2,3,4) picked -1 on axis 1, step 3", inputs: (g) => [normal(g, [2, 3, 4])], fn: (x) => slice(x, null, -1, [0, 4, 3]) },
    { name: "(5,6) negative bounds", inputs: (g) => [normal(g, [5, 6])], fn: (x) => slice(x, [-4, -1], [-1, -6, -2]) },
  ],
  sliceScatter: [
    { name: "(2,2) into (4,5) with steps 2 and -2", inputs: (g) => [normal(g, [2, 2])], fn: (x) => sliceScatter(x, [4, 5], [[1, null, 2], [4, 0, -2]]) },
    { name: "(5,) into (3,5) at picked row 1, reversed", inputs: (g) => [normal(g, [5])], fn: (x) => sliceScatter(x, [3, 5], [1, [null, null, -1]]) },
    { name: "(2,3) into (2,3,4) at picked -2 on the last axis", inputs: (g) => [normal(g, [2, 3])], fn: (x) => sliceScatter(x, [2, 3, 4], [null, null, -2]) },
  ],
  concat: [
    {
      name: "(1,3), (2,3), (3,3) on axis 0",
      inputs: (g) => [normal(g, [1, 3]), normal(g, [2, 3]), normal(g, [3, 3])],
      fn: (a, b, c) => concat([a, b, c], { axis: 0 }),
    },
    {
      name: "(2,3,1), (2,3,2), (2,3,3) on axis -1",
      inputs: (g) => [normal(g, [2, 3, 1]), normal(g, [2, 3, 2]), normal(g, [2, 3, 3])],
      fn: (a, b, c) => concat([a, b, c], { axis: -1 }),
    },
    {
      name: "(2,1,2), (2,2,2), (2,1,2) on axis -2",
      inputs: (g) => [normal(g, [2, 1, 2]), normal(g, [2, 2, 2]), normal(g, [2, 1, 2])],
      fn: (a, b, c) => concat([a, b, c], { axis: -2 }),
    },
  ],
  gather: [
    { name: "(3,4) axis 0, indices [2, -1, 0, 2]", inputs: (g) => [normal(g, [3, 4]), int32([2, -1, 0, 2])], fn: (x, i) => gather(x, i, { axis: 0 }) },
    { name: "(3,4) axis 1, indices [[1, -3], [1, 0]]", inputs: (g) => [normal(g, [3, 4]), tensor([[1, -3], [1, 0]], { dtype: "int32" })], fn: (x, i) => gather(x, i, { axis: 1 }) },
    { name: "(2,3,2) axis -1, indices [-1, 1, 0]", inputs: (g) => [normal(g, [2, 3, 2]), int32([-1, 1, 0])], fn: (x, i) => gather(x, i, { axis: -1 }) },
  ],
  indexAdd: [
    {
      name: "(3,4) axis 0, indices [0, -1, 0, 2], updates (4,4)",
      inputs: (g) => [normal(g, [3, 4]), int32([0, -1, 0, 2]), normal(g, [4, 4])],
      fn: (x, i, u) => indexAdd(x, i, u, { axis: 0 }),
    },
    {
      name: "(3,4) axis 1, indices [3, -1, 1] (3 twice), updates (3,3)",
      inputs: (g) => [normal(g, [3, 4]), int32([3, -1, 1]), normal(g, [3, 3])],
      fn: (x, i, u) => indexAdd(x, i, u, { axis: 1 }),
    },
    {
      name: "(2,3) axis -1, 2-D indices, updates (2,2,2)",
      inputs: (g) => [normal(g, [2, 3]), tensor([[0, -3], [2, 2]], { dtype: "int32" }), normal(g, [2, 2, 2])],
      fn: (x, i, u) => indexAdd(x, i, u, { axis: -1 }),
    },
  ],

  matmul: [
    { name: "(3,4) @ (4,2)", inputs: (g) => [normal(g, [3, 4]), normal(g, [4, 2])], fn: (a, b) => matmul(a, b) },
    { name: "(2,3,4) @ (2,4,2)", inputs: (g) => [normal(g, [2, 3, 4]), normal(g, [2, 4, 2])], fn: (a, b) => matmul(a, b) },
    { name: "(2,1,3,4) @ (3,4,2): broadcast batch", inputs: (g) => [normal(g, [2, 1, 3, 4]), normal(g, [3, 4, 2])], fn: (a, b) => matmul(a, b) },
    { name: "(3,4) @ (2,4,2): missing batch axis", inputs: (g) => [normal(g, [3, 4]), normal(g, [2, 4, 2])], fn: (a, b) => matmul(a, b) },
    { name: "(4,) @ (4,2): vector", inputs: (g) => [normal(g, [4]), normal(g, [4, 2])], fn: (a, b) => matmul(a, b) },
  ],
  cast: [
    { name: "float64 to float64", inputs: (g) => [normal(g, [3, 4])], fn: (x) => cast(x, "float64") },
    {
      name: "float64 to float32 to float64",
      inputs: (g) => [normal(g, [3, 4])],
      fn: (x) => cast(cast(x, "float32"), "float64"),
      // The round trip is x rounded to float32: slope 1, but f(x ± ε) each carry up to half a float32
      // ulp of error (1.2e-7 for |x| < 4), so the difference quotient is off by up to 2.4e-7 / 2ε:
      // 0.12 with the default ε = 1e-6, swamping the slope. The map is linear, so a large ε adds no
      // truncation error; ε = 1e-2 leaves ≤ 1.2e-5 of rounding noise, inside atol 1e-4.
      opts: { eps: 1e-2, atol: 1e-4, rtol: 1e-3 },
    },
  ],
  ...convSamples,
};

/** The names of the nodes reachable from `y`, walked iteratively (graphs may be deep). */
function recordedNames(y: Variable): Set<string> {
  const names = new Set<string>();
  const seen = new Set<unknown>();
  const stack = y.gradFn ? [y.gradFn] : [];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (seen.has(node)) continue;
    seen.add(node);
    names.add(node.name);
    for (const next of node.next) if (next) stack.push(next);
  }
  return names;
}

describe("the sample table", () => {
  test("has exactly the primitives of the derivative table", () => {
    expect(new Set(Object.keys(samples))).toEqual(new Set(primitives));
    expect(Object.keys(samples)).toHaveLength(primitives.length);
  });

  test.each(primitives)("%s has samples with distinct names", (p) => {
    const names = samples[p].map((s) => s.name);
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length);
  });

  test("inputs are deterministic and float inputs are float64", () => {
    for (const list of Object.values(samples)) {
      for (const s of list) {
        const [a, b] = [s.inputs(rng(7)), s.inputs(rng(7))];
        a.forEach((t, k) => {
          expect(t.equals(b[k]!)).toBe(true);
          if (isFloatDType(t.dtype)) expect(t.dtype).toBe("float64");
        });
      }
    }
  });
});

describe.each(primitives)("%s", (primitive) => {
  describe.each(samples[primitive].map((s) => [s.name, s] as const))("%s", (_, s) => {
    test.each(LAYOUTS)("%s inputs", (layout) => {
      const values = s.inputs(rng(2024));
      const inputs = values.map((t) => inLayout(t, layout));
      inputs.forEach((t, k) => {
        expect(hasLayout(t, layout), `input ${k} of shape (${t.shape}) has strides (${t.strides})`).toBe(true);
        expect(t.shape).toEqual(values[k]!.shape);
        if (layout !== "broadcast") expect(flatValues(t)).toEqual(flatValues(values[k]!));
      });

      const leaves = inputs.map((t) => variable(t, { requiresGrad: isFloatDType(t.dtype) }));
      expect([...recordedNames(s.fn(...leaves))]).toContain(primitive);

      // Throws a ValueError naming the worst element on failure, which fails the test with it.
      const result = gradcheck(s.fn, inputs, s.opts);
      expect(result.passed).toBe(true);
      expect(result.checked).toBeGreaterThan(0);
    });
  });
});

describe("transpose with negative axes in perm", () => {
  test("backward inverts the normalised perm; a perm that is not one still throws", () => {
    const x = variable([[1, 2, 3]], { requiresGrad: true });
    const y = transpose(x, [1, -2]);
    expect(y.shape).toEqual([3, 1]);
    mul(y, tensor([[10], [20], [30]])).sum().backward();
    expect(x.grad!.toArray()).toEqual([[10, 20, 30]]);
    expect(() => transpose(x, [1, 1])).toThrow(ValueError);
    expect(() => transpose(x, [1, -1])).toThrow(/transpose: perm \[1, -1\] is not a permutation/);
  });
});

describe("a number operand is a 0-d float32 constant", () => {
  test("sum, max, min, transpose, slice, reshape, broadcastTo and cast accept a number", () => {
    for (const y of [sum(3), max(3), min(3), transpose(3), slice(3), sum(3, { keepDims: true })]) {
      expect([y.shape, y.dtype, y.item()]).toEqual([[], "float32", 3]);
    }
    expect(reshape(3, [1, 1]).toArray()).toEqual([[3]]);
    expect(broadcastTo(-1.5, [2, 3]).toArray()).toEqual([[-1.5, -1.5, -1.5], [-1.5, -1.5, -1.5]]);
    const c = cast(2.7, "int32");
    expect([c.dtype, c.item()]).toEqual(["int32", 2]);
  });

  test("ops that need an axis reject it as they reject a 0-d tensor, naming the op (no TypeError)", () => {
    expect(() => sum(3, { axis: 0 })).toThrow(ValueError);
    expect(() => sum(3, { axis: 0 })).toThrow(/sum: axis 0 is out of range for a tensor with 0 dimensions/);
    expect(() => slice(3, 0)).toThrow(/slice: got 1 ranges for a tensor of shape \(\)/);
    expect(() => concat([variable([1]), 2])).toThrow(ShapeError);
    expect(() => concat([variable([1]), 2])).toThrow(/concat: tensor 1 has shape \(\) but tensor 0 has shape \(1\)/);
    expect(() => gather(3, int32([0]))).toThrow(/gather: x has shape \(\) and a 0-d tensor has no axis/);
    expect(() => matmul2d(3, variable([[1]]))).toThrow(ShapeError);
  });

  test("beside a variable, gradients flow to the variable only (gradcheck)", () => {
    const fn = (x: Variable) => mul(concat([x, reshape(2, [1]), broadcastTo(0.5, [2])]), max(1.5)).sum().add(transpose(sum(x)));
    const x = normal(rng(5), [3]);
    const leaf = variable(x, { requiresGrad: true });
    fn(leaf).backward();
    expect(leaf.grad!.toArray()).toEqual([2.5, 2.5, 2.5]);
    expect(gradcheck(fn, [x]).passed).toBe(true);
  });
});
