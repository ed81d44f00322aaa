// The functional convolutions and poolings beyond their rows' gradchecks (primitives.test.ts) and
// PyTorch's values (conv-pool-torch.test.ts): second derivatives gradchecked through conv2d and
// max pooling, unbatched inputs, and the messages of bad input.
import { describe, expect, it } from "vitest";
import {
  add, avgPool2d, conv1d, conv2d, grad, gradcheck, maxPool1d, maxPool2d, mul, square, sum, variable, type Variable,
} from "@strata/autograd";
import {
  DTypeError, ShapeError, ValueError, gatherPlanes, maxPool2dWithIndices, permutation, randn, record, rng, scatterAddPlanes, zeros,
  type Conv2dOptions, type Rng, type Shape, type Tensor,
} from "@strata/tensor";
import { thrown } from "../../tensor/test/reference.js";

const normal = (g: Rng, shape: Shape): Tensor => randn(shape, { rng: g, dtype: "float64" });

describe("double backward through convolutions", () => {
  // f(x, w, b) = Σ s·∂L/∂x + Σ t·∂L/∂w + Σ u·∂L/∂b for L = Σ r·conv2d(x, w, b)²: the first
  // gradients are conv2dInput/conv2dWeight of 2r·y, so gradcheck of f checks their own gradients
  const cases: [string, Shape, Conv2dOptions][] = [
    ["stride 2, padding 1", [4, 4, 3, 2], { stride: 2, padding: 1 }],
    ['groups 2, dilation 2, padding "same"', [4, 2, 3, 2], { groups: 2, dilation: 2, padding: "same" }],
  ];
  for (const [name, ws, options] of cases) {
    it(`gradchecks the gradient of conv2d: ${name}`, () => {
      const g = rng(3);
      const [x, w, b] = [normal(g, [2, 4, 6, 5]), normal(g, ws), normal(g, [4])];
      const probes = { r: normal(g, conv2d(variable(x), variable(w), null, options).shape), s: normal(g, [2, 4, 6, 5]), t: normal(g, ws), u: normal(g, [4]) };
      const first = grad((xv: Variable, wv: Variable, bv: Variable) => sum(mul(square(conv2d(xv, wv, bv, options)), probes.r)), { argnums: [0, 1, 2] });
      const f = (xv: Variable, wv: Variable, bv: Variable) => {
        const [gx, gw, gb] = first(xv, wv, bv);
        return add(add(sum(mul(gx!, probes.s)), sum(mul(gw!, probes.t))), sum(mul(gb!, probes.u)));
      };
      const result = gradcheck(f, [x, w, b]);
      expect(result.passed).toBe(true);
      expect(result.checked).toBe(x.size + w.size + b.size);
    });
  }

  it("gradchecks the gradient of max pooling with respect to its cotangent (it gathers at the same maxima)", () => {
    const g = rng(4);
    const x = permutation(2 * 3 * 6 * 6, { rng: g }).cast("float64").mul(0.25).reshape([2, 3, 6, 6]);
    // ∂/∂x of Σ v·maxPool2d(x) is scatterAddPlanes(v): linear in v, and gathered again by its gradient
    const first = grad((xv: Variable, vv: Variable) => sum(mul(maxPool2d(xv, { kernelSize: 3, stride: 2, padding: 1 }), vv)));
    const v = normal(g, [2, 3, 3, 3]);
    const result = gradcheck((vv: Variable) => square(first(x, vv)), [v]);
    expect(result.passed).toBe(true);
    expect(result.checked).toBe(v.size * x.size); // every (output, input) pair of the Jacobian
  });
});

describe("max pooling with a gradient", () => {
  it("runs the pooling alone (no second gather) and gives the gather's values and the scatter's gradient", () => {
    const g = rng(6);
    const x = variable(normal(g, [2, 3, 6, 5]), { requiresGrad: true });
    const { result: y, recording } = record(() => maxPool2d(x, { kernelSize: 2, stride: [2, 1] }));
    expect(recording.work.length).toBe(1);
    expect(y.gradFn?.name).toBe("gatherPlanes");
    const { values, indices } = maxPool2dWithIndices(x.data, { kernelSize: 2, stride: [2, 1] });
    expect(y.data).toAllClose(gatherPlanes(x.data, indices), { rtol: 0, atol: 0 });
    expect(y.data).toAllClose(values, { rtol: 0, atol: 0 });
    const v = normal(g, y.shape);
    sum(mul(y, v)).backward();
    expect(x.grad!).toAllClose(scatterAddPlanes(v, indices, [6, 5]), { rtol: 0, atol: 0 });
  });
});

describe("unbatched inputs", () => {
  it("give the batched result without its batch axis, and the same gradients", () => {
    const g = rng(5);
    const [x, w, b] = [normal(g, [3, 5, 6]), normal(g, [2, 3, 3, 3]), normal(g, [2])];
    const batched = conv2d(variable(x.reshape([1, 3, 5, 6])), variable(w), variable(b), { padding: 1 });
    const single = conv2d(variable(x), variable(w), variable(b), { padding: 1 });
    expect(single.shape).toEqual([2, 5, 6]);
    expect(single.data).toAllClose(batched.data.reshape([2, 5, 6]), { rtol: 0, atol: 0 });
    expect(maxPool2d(variable(x), { kernelSize: 2 }).shape).toEqual([3, 2, 3]);
    expect(avgPool2d(variable(x), { kernelSize: 2 }).shape).toEqual([3, 2, 3]);
    expect(conv1d(variable(normal(g, [3, 7])), variable(normal(g, [4, 3, 2]))).shape).toEqual([4, 6]);
    expect(maxPool1d(variable(normal(g, [3, 7])), { kernelSize: 2 }).shape).toEqual([3, 3]);
  });
});

describe("bad input", () => {
  it("names the op, the shapes and what was expected", () => {
    const e = thrown(() => conv2d(zeros([32, 1, 28, 28]), zeros([8, 3, 5, 5])));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe("conv2d: expected input (N, C, H, W) with C = 3 (weight (8,3,5,5)), got (32,1,28,28)");
    expect(thrown(() => conv2d(zeros([32, 784]), zeros([8, 1, 5, 5]))).message).toBe("conv2d: expected input (N, C, H, W) or unbatched (C, H, W), got (32,784)");
    expect(thrown(() => conv2d(3 as never, zeros([8, 1, 5, 5])))).toBeInstanceOf(DTypeError);
    expect(thrown(() => conv2d(zeros([1, 1, 5, 5]), zeros([1, 1, 3, 3]), zeros([1], { dtype: "float64" }))).message).toMatch(/conv2d: x is float32 .* but bias is float64/);
    expect(thrown(() => maxPool2d(zeros([2, 2]), { kernelSize: 2 })).message).toBe("maxPool2d: expected input (N, C, H, W) or unbatched (C, H, W), got (2,2)");
  });

  it("says when a 1-D op ran as its 2-D form", () => {
    expect(thrown(() => conv1d(zeros([2, 3, 9]), zeros([4, 2, 3])))).toBeInstanceOf(ShapeError);
    expect(thrown(() => conv1d(zeros([2, 3, 9]), zeros([4, 2, 3]))).message).toBe(
      "conv1d (computed as 2-D over (N, C, 1, L)): expected input (N, C, H, W) with C = 2 (weight (4,2,1,3)), got (2,3,1,9)",
    );
    expect(thrown(() => conv1d(zeros([2, 3, 9]), zeros([4, 3, 3]), null, { stride: 0 }))).toBeInstanceOf(ValueError);
    expect(thrown(() => conv1d(zeros([2, 3, 9]), zeros([4, 3, 3, 1]))).message).toBe("conv1d: expected weight (outC, inC/groups, k), got (4,3,3,1)");
    expect(thrown(() => maxPool1d(zeros([2, 3, 9]), { kernelSize: 2, padding: 2 })).message).toMatch(/^maxPool1d \(computed as 2-D over \(N, C, 1, L\)\): padding \[0, 2\] must be at most half/);
  });
});
