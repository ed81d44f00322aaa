// The fused recurrent cell ops (lstmCellPointwise, gruCellPointwise) against finite differences in
// float64, contiguous and strided inputs; against the composites they replace (values and
// gradients, float32 and float64); gradients of gradients through the createGraph fallback; and
// unbind, whose gradient is one stack of the slices' gradients.
import { describe, expect, it } from "vitest";
import { grad, gradcheck, gradients, gruCellPointwise, lstmCellPointwise, matmul, mul, sharedLinear, sum, tanh, unbind, variable, type Variable } from "@strata/autograd";
import { DTypeError, ShapeError, randn, rng, tensor, type DType, type Tensor } from "@strata/tensor";
import { gruCellComposite, lstmCellComposite } from "../src/recurrent-composites.js";
import { useFusedCells } from "../src/cell-kernels.js";

/** (rows, cols) values, contiguous or a strided view (every other column of a wider tensor). */
function values(rows: number, cols: number, seed: number, dtype: DType, strided: boolean, scale = 1): Tensor {
  const r = rng(seed);
  if (!strided) return randn([rows, cols], { rng: r, dtype, std: scale });
  const wide = randn([rows, 2 * cols], { rng: r, dtype, std: scale });
  const v = wide.slice(null, [0, 2 * cols, 2]);
  expect(v.isContiguous).toBe(false);
  return v;
}

/** A view whose rows are contiguous but spaced (a column range of a wider tensor). */
function rowStrided(rows: number, cols: number, seed: number, dtype: DType): Tensor {
  const wide = randn([rows, cols + 3], { rng: rng(seed), dtype, std: 1.5 });
  return wide.slice(null, [1, cols + 1]);
}

function maxRelError(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.toTypedArray(), b.toTypedArray()];
  let [worst, scale] = [0, 1e-30];
  for (let i = 0; i < x.length; i++) {
    worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return worst / scale;
}

const lstmPacked = (g: Variable, c: Variable) => {
  const [h, c2] = lstmCellPointwise(g, c);
  // weights so that h and c enter the checked sum differently
  return sum(mul(h, tanh(c2)));
};

describe("lstmCellPointwise", () => {
  for (const layout of ["contiguous", "strided", "row-strided"] as const) {
    it(`passes gradcheck in float64 (${layout} inputs)`, () => {
      const [gates, c] = layout === "row-strided"
        ? [rowStrided(3, 8, 1, "float64"), rowStrided(3, 2, 2, "float64")]
        : [values(3, 8, 1, "float64", layout === "strided", 1.5), values(3, 2, 2, "float64", layout === "strided")];
      expect(gradcheck(lstmPacked, [gates, c]).passed).toBe(true);
    });
  }

  for (const dtype of ["float32", "float64"] as const) {
    it(`matches the composite in ${dtype}: values and both gradients`, () => {
      const gt = values(5, 4 * 7, 3, dtype, false, 2);
      const ct = values(5, 7, 4, dtype, false);
      const [wh, wc] = [values(5, 7, 5, dtype, false), values(5, 7, 6, dtype, false)];
      const run = (f: (g: Variable, c: Variable) => [Variable, Variable]) => {
        const [g, c] = [variable(gt, { requiresGrad: true }), variable(ct, { requiresGrad: true })];
        const [h, c2] = f(g, c);
        sum(mul(h, wh)).add(sum(mul(c2, wc))).backward();
        return [h.data, c2.data, g.grad!, c.grad!];
      };
      const fused = run(lstmCellPointwise);
      const reference = run(lstmCellComposite);
      const tol = dtype === "float32" ? 1e-6 : 1e-14;
      fused.forEach((t, k) => expect(maxRelError(t, reference[k]!)).toBeLessThan(tol));
    });
  }

  it("gives gradients of gradients (createGraph) equal to the composite's", () => {
    const gt = values(2, 12, 7, "float64", false, 1.5);
    const ct = values(2, 3, 8, "float64", false);
    const second = (f: (g: Variable, c: Variable) => [Variable, Variable]) => {
      const [g, c] = [variable(gt, { requiresGrad: true }), variable(ct, { requiresGrad: true })];
      const [h, c2] = f(g, c);
      const [dg, dc] = gradients([sum(mul(h, c2))], [g, c], { createGraph: true });
      sum(mul(dg!, dg!)).add(sum(mul(dc!, dg!.data.slice(null, [0, 3])))).backward();
      return [g.grad!, c.grad!];
    };
    const [fused, reference] = [second(lstmCellPointwise), second(lstmCellComposite)];
    fused.forEach((t, k) => expect(maxRelError(t, reference[k]!)).toBeLessThan(1e-12));
    // and the fallback is itself right: a gradcheck of the first derivative
    const dLdg = grad((g: Variable, c: Variable) => {
      const [h, c2] = lstmCellPointwise(g, c);
      return sum(mul(h, c2));
    });
    const firstDerivative = (g: Variable, c: Variable) => sum(mul(dLdg(g, c), dLdg(g, c)));
    expect(gradcheck(firstDerivative, [gt, ct]).passed).toBe(true);
  });

  it("follows the switch to the composite (what the bench compares)", () => {
    const was = useFusedCells(false);
    try {
      const [h] = lstmCellPointwise(variable(values(1, 4, 1, "float64", false), { requiresGrad: true }), values(1, 1, 2, "float64", false));
      expect(h.gradFn?.name).not.toBe("slice:lstmCell");
      expect(h.gradFn?.name).toBe("mul");
    } finally {
      useFusedCells(was);
    }
  });

  it("refuses gates and states that do not fit, naming the op", () => {
    expect(() => lstmCellPointwise(values(2, 6, 1, "float32", false), values(2, 2, 1, "float32", false))).toThrow(
      new ShapeError("lstmCellPointwise: gates has shape (2,6); expected (N, 4·hiddenSize)"),
    );
    expect(() => lstmCellPointwise(values(2, 8, 1, "float32", false), values(3, 2, 1, "float32", false))).toThrow(
      new ShapeError("lstmCellPointwise: c has shape (3,2); expected (2,2) to match the gates"),
    );
    expect(() => lstmCellPointwise(values(2, 8, 1, "float32", false), values(2, 2, 1, "float64", false))).toThrow(DTypeError);
  });
});

describe("gruCellPointwise", () => {
  const gruLoss = (gi: Variable, gh: Variable, h: Variable) => sum(mul(gruCellPointwise(gi, gh, h), tanh(h)));

  for (const layout of ["contiguous", "strided", "row-strided"] as const) {
    it(`passes gradcheck in float64 (${layout} inputs)`, () => {
      const args = layout === "row-strided"
        ? [rowStrided(3, 6, 1, "float64"), rowStrided(3, 6, 2, "float64"), rowStrided(3, 2, 3, "float64")]
        : [values(3, 6, 1, "float64", layout === "strided", 1.5), values(3, 6, 2, "float64", layout === "strided", 1.5), values(3, 2, 3, "float64", layout === "strided")];
      expect(gradcheck(gruLoss, args).passed).toBe(true);
    });
  }

  for (const dtype of ["float32", "float64"] as const) {
    it(`matches the composite in ${dtype}: value and the three gradients`, () => {
      const [it_, ht, pt, wt] = [values(4, 15, 1, dtype, false, 2), values(4, 15, 2, dtype, false, 2), values(4, 5, 3, dtype, false), values(4, 5, 4, dtype, false)];
      const run = (f: (a: Variable, b: Variable, c: Variable) => Variable) => {
        const vs = [it_, ht, pt].map((t) => variable(t, { requiresGrad: true }));
        const y = f(vs[0]!, vs[1]!, vs[2]!);
        sum(mul(y, wt)).backward();
        return [y.data, ...vs.map((v) => v.grad!)];
      };
      const [fused, reference] = [run(gruCellPointwise), run(gruCellComposite)];
      const tol = dtype === "float32" ? 1e-6 : 1e-14;
      fused.forEach((t, k) => expect(maxRelError(t, reference[k]!)).toBeLessThan(tol));
    });
  }

  it("puts b_hn inside the product with r, as PyTorch (n = tanh(gi_n + r·gh_n))", () => {
    // gi = 0, gh_r = large (r ≈ 1 would not tell), so take gh_r = 0: r = 0.5, z = σ(0) = 0.5
    const f64 = { dtype: "float64" as const };
    const y = gruCellPointwise(tensor([[0, 0, 0]], f64), tensor([[0, 0, 2]], f64), tensor([[0]], f64));
    expect(y.item()).toBeCloseTo(0.5 * Math.tanh(0.5 * 2), 14);
  });

  it("gives gradients of gradients (createGraph) that pass gradcheck", () => {
    const weights = values(2, 2, 9, "float64", false);
    const dLdh = grad((gi: Variable, gh: Variable, h: Variable) => sum(mul(gruCellPointwise(gi, gh, h), h)), { argnums: 2 });
    const firstDerivative = (gi: Variable, gh: Variable, h: Variable) => sum(mul(dLdh(gi, gh, h), weights));
    expect(gradcheck(firstDerivative, [values(2, 6, 1, "float64", false), values(2, 6, 2, "float64", false), values(2, 2, 3, "float64", false)]).passed).toBe(true);
  });

  it("gives partial, not total, derivatives under createGraph when gh is computed from h", () => {
    // as in a GRU layer: gh = h·W. The fallback must differentiate the cell in each argument
    // separately; the path from gh back to h is the matmul's business.
    const w = values(2, 6, 4, "float64", false);
    const weights = values(2, 2, 5, "float64", false);
    const dLdh = grad((gi: Variable, h: Variable) => sum(mul(gruCellPointwise(gi, matmul(h, w), h), weights)), { argnums: 1 });
    const firstDerivative = (gi: Variable, h: Variable) => sum(mul(dLdh(gi, h), dLdh(gi, h)));
    expect(gradcheck(firstDerivative, [values(2, 6, 1, "float64", false), values(2, 2, 3, "float64", false)]).passed).toBe(true);
    const dLdc = grad((c: Variable) => {
      const [h, c2] = lstmCellPointwise(matmul(c, values(2, 8, 6, "float64", false)), c);
      return sum(mul(h, c2));
    });
    expect(gradcheck((c) => sum(mul(dLdc(c), dLdc(c))), [values(2, 2, 7, "float64", false)]).passed).toBe(true);
  });

  it("refuses arguments that do not fit, naming the op", () => {
    expect(() => gruCellPointwise(values(2, 6, 1, "float32", false), values(2, 3, 1, "float32", false), values(2, 2, 1, "float32", false))).toThrow(
      new ShapeError("gruCellPointwise: gh has shape (2,3); expected (2,6) to match the gates"),
    );
    expect(() => gruCellPointwise(values(2, 5, 1, "float32", false), values(2, 6, 1, "float32", false), values(2, 2, 1, "float32", false))).toThrow(ShapeError);
  });
});

describe("sharedLinear", () => {
  const loop = (w: Variable, x: Variable) => {
    // three calls chained through tanh, as the steps of a recurrent layer are
    const apply = sharedLinear(w);
    let h = x;
    for (let k = 0; k < 3; k++) h = tanh(apply(h));
    return sum(mul(h, h));
  };

  it("passes gradcheck in the weight and the input across chained calls", () => {
    expect(gradcheck(loop, [values(3, 3, 1, "float64", false), values(2, 3, 2, "float64", false)]).passed).toBe(true);
  });

  it("gives the same values and gradients as one matmul per call", () => {
    const [wt, xt] = [values(4, 3, 3, "float64", false), values(5, 3, 4, "float64", false)];
    const w = variable(wt, { requiresGrad: true });
    const apply = sharedLinear(w);
    const ys = [xt, xt.mul(2)].map((x) => apply(x));
    apply(xt.mul(3)); // a call whose output gets no gradient adds nothing
    sum(mul(ys[0]!, ys[0]!)).add(sum(ys[1]!)).backward();
    const w2 = variable(wt, { requiresGrad: true });
    const zs = [xt, xt.mul(2)].map((x) => matmul(x, w2.T));
    sum(mul(zs[0]!, zs[0]!)).add(sum(zs[1]!)).backward();
    expect(ys[0]!.data).toAllClose(zs[0]!.data, { rtol: 1e-14 });
    expect(w.grad!).toAllClose(w2.grad!, { rtol: 1e-12 });
  });

  it("differentiates twice (createGraph) and leaves a frozen weight alone", () => {
    const dw = grad(loop);
    expect(gradcheck((w, x) => sum(mul(dw(w, x), dw(w, x))), [values(3, 3, 5, "float64", false), values(2, 3, 6, "float64", false)]).passed).toBe(true);
    const frozen = variable(values(2, 3, 7, "float64", false));
    const x = variable(values(4, 3, 8, "float64", false), { requiresGrad: true });
    sum(sharedLinear(frozen)(x)).backward();
    expect(x.grad!).toAllClose(frozen.data.sum({ axis: 0, keepDims: true }).broadcastTo([4, 3]), { rtol: 1e-14 });
  });

  it("refuses an input that does not fit the weight", () => {
    expect(() => sharedLinear(variable(values(2, 3, 1, "float32", false), { requiresGrad: true }))(values(4, 2, 1, "float32", false))).toThrow(
      new ShapeError("sharedLinear: x has shape (4,2); expected (N, 3) for weight (2, 3)"),
    );
  });
});

describe("unbind", () => {
  it("gives views whose gradients stack back, zeros for unused slices", () => {
    const x = variable(values(4, 3, 1, "float64", false), { requiresGrad: true });
    const parts = unbind(x);
    expect(parts.map((p) => p.shape)).toEqual([[3], [3], [3], [3]]);
    expect(parts[2]!.data.storage).toBe(x.data.storage);
    sum(mul(parts[0]!, 2)).add(sum(mul(parts[3]!, parts[3]!))).backward();
    const want = x.data.toArray() as number[][];
    expect(x.grad!.toArray()).toEqual([[2, 2, 2], [0, 0, 0], [0, 0, 0], want[3]!.map((v) => 2 * v)]);
  });

  it("works along another axis and passes gradcheck, also for a second derivative", () => {
    const f = (x: Variable) => {
      const [a, b] = unbind(x, { axis: 1 });
      return sum(mul(mul(a!, b!), a!));
    };
    expect(gradcheck(f, [values(3, 2, 2, "float64", false)]).passed).toBe(true);
    const dfdx = grad(f);
    const g = (x: Variable) => sum(mul(dfdx(x), dfdx(x)));
    expect(gradcheck(g, [values(3, 2, 3, "float64", false)]).passed).toBe(true);
  });

  it("refuses a 0-d tensor", () => {
    expect(() => unbind(variable(tensor(3)))).toThrow(ShapeError);
  });
});
