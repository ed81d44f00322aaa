import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DTypeError, ShapeError, Tensor, dot, kernelOptions, matmul, ones, outer, setKernelOptions, tensor, zeros, type DType } from "@strata/tensor";
import { at, indices, layouts, sample } from "./reference.js";

// ---------------------------------------------------------------------------------------------
// Independent reference: numpy's matmul written out by definition, reading every element through
// `at` (raw buffer + strides) and summing in float64. It shares no code with the kernel and does
// its own 1-D promotion and batch broadcasting.
// ---------------------------------------------------------------------------------------------
function reference(a: Tensor, b: Tensor): Tensor {
  const m = a.ndim === 1 ? 1 : a.shape[a.ndim - 2]!;
  const k = a.shape[a.ndim - 1]!;
  const n = b.ndim === 1 ? 1 : b.shape[b.ndim - 1]!;
  const aBatch = a.shape.slice(0, Math.max(0, a.ndim - 2));
  const bBatch = b.shape.slice(0, Math.max(0, b.ndim - 2));
  const len = Math.max(aBatch.length, bBatch.length);
  const padA = [...new Array<number>(len - aBatch.length).fill(1), ...aBatch];
  const padB = [...new Array<number>(len - bBatch.length).fill(1), ...bBatch];
  const batch = padA.map((x, i) => Math.max(x, padB[i]!));
  const pick = (own: readonly number[], idx: number[]) => idx.slice(idx.length - own.length).map((v, d) => (own[d] === 1 ? 0 : v));
  const values: number[] = [];
  for (const bi of indices(batch)) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const ai = a.ndim === 1 ? [p] : [...pick(aBatch, bi), i, p];
          const bj = b.ndim === 1 ? [p] : [...pick(bBatch, bi), p, j];
          s += at(a, ai) * at(b, bj);
        }
        values.push(s);
      }
    }
  }
  const shape = [...batch, ...(a.ndim === 1 ? [] : [m]), ...(b.ndim === 1 ? [] : [n])];
  return tensor(values, { dtype: "float64", shape });
}

const TOL: Record<Exclude<DType, "bool">, { rtol: number; atol: number }> = {
  float64: { rtol: 1e-12, atol: 1e-10 },
  float32: { rtol: 1e-5, atol: 1e-5 },
  int32: { rtol: 0, atol: 0 },
};

/**
 * float32 products are summed in float32 (on the WebAssembly kernels), so each element may be off
 * by the classical bound for a k-term sum, k·2^-24·Σ_p |a_ip·b_pj|: checks `c` against it.
 */
function expectWithinSumBound(c: Tensor, expected: Tensor, a: Tensor, b: Tensor, label: string): void {
  const k = a.shape[a.ndim - 1]!;
  const bound = reference(a.abs(), b.abs());
  const [got, want, limit] = [c.toTypedArray(), expected.toTypedArray(), bound.toTypedArray()];
  for (let i = 0; i < want.length; i++) {
    const allowed = k * 2 ** -24 * limit[i]! + 1e-30;
    if (!(Math.abs(got[i]! - want[i]!) <= allowed)) {
      throw new Error(`${label}: element ${i} is ${got[i]}, expected ${want[i]} within ${allowed}`);
    }
  }
}

/** Checks matmul(a', b') against the reference for every pair of layouts a', b'. */
function checkAllLayouts(a: Tensor, b: Tensor, dtype: Exclude<DType, "bool">): void {
  const expected = reference(a, b);
  const as = layouts(a);
  const bs = layouts(b);
  expect(as.length * bs.length).toBeGreaterThanOrEqual(a.size && b.size ? 9 : 4);
  for (const la of as) {
    for (const lb of bs) {
      const c = matmul(la.t, lb.t);
      expect(c.dtype, `${la.name} @ ${lb.name}`).toBe(dtype);
      expect(c.isContiguous).toBe(true);
      if (dtype === "float32") expectWithinSumBound(c, expected, a, b, `${la.name} @ ${lb.name}`);
      else expect(c, `${la.name} @ ${lb.name}`).toAllClose(expected, TOL[dtype]);
    }
  }
}

describe("matmul: 2-D against the reference on every layout", () => {
  for (const dtype of ["float64", "float32", "int32"] as const) {
    for (const n of [0, 1, 3, 7, 63, 65, 130]) {
      it(`${dtype} ${n}x${n} @ ${n}x${n}`, () => {
        checkAllLayouts(sample([n, n], dtype, 1), sample([n, n], dtype, 2), dtype);
      });
    }
  }

  // rectangles that cross the tile (4), row-block (64), k-block (256) and column-block (1024)
  // edges, and single rows/columns (the unpacked path)
  const rectangles: [number, number, number][] = [
    [65, 7, 130], [7, 65, 130], [130, 65, 3], [2, 130, 5], [1, 130, 65], [130, 130, 1],
    [9, 300, 10], [66, 520, 9], [8, 5, 1030], [5, 0, 4], [0, 3, 4], [3, 4, 0],
  ];
  for (const dtype of ["float64", "float32", "int32"] as const) {
    for (const [m, k, n] of rectangles) {
      it(`${dtype} ${m}x${k} @ ${k}x${n}`, () => {
        checkAllLayouts(sample([m, k], dtype, 3), sample([k, n], dtype, 4), dtype);
      });
    }
  }

  it("inner dimension 0 gives zeros, empty outer dimensions give empty results", () => {
    expect(matmul(zeros([3, 0]), zeros([0, 4]))).toAllClose(new Array(3).fill(new Array(4).fill(0)));
    expect(matmul(ones([0, 3]), ones([3, 4])).shape).toEqual([0, 4]);
    expect(matmul(ones([0, 2, 3]), ones([3, 4])).shape).toEqual([0, 2, 4]);
    expect(matmul(zeros([0]), zeros([0])).shape).toEqual([]);
    expect(matmul(zeros([0]), zeros([0])).item()).toBe(0);
  });
});

describe("matmul: views", () => {
  it("reads A.T, B.T and a matrix times its own transpose without copies going wrong", () => {
    for (const [m, k, n] of [[5, 3, 4], [70, 40, 33]] as const) {
      const a = sample([k, m], "float64", 5);
      const b = sample([n, k], "float64", 6);
      expect(matmul(a.T, b.T)).toAllClose(reference(a.T, b.T), TOL.float64);
      expect(matmul(a.T, a)).toAllClose(reference(a.T, a), TOL.float64);
      expect(matmul(b, b.T)).toAllClose(reference(b, b.T), TOL.float64);
    }
  });

  it("reads broadcast rows and columns (stride 0 inside a matrix)", () => {
    const row = sample([1, 40], "float32", 7).broadcastTo([50, 40]);
    const col = sample([40, 1], "float32", 8).broadcastTo([40, 45]);
    expect(row.strides[0]).toBe(0);
    expect(matmul(row, col)).toAllClose(reference(row, col), TOL.float32);
  });

  it("leaves its operands unchanged and shares no buffer with them", () => {
    const a = sample([70, 70], "float32", 9);
    const b = sample([70, 70], "float32", 10);
    const before = [...a.data];
    const c = matmul(a, b);
    expect([...a.data]).toEqual(before);
    expect(c.data).not.toBe(a.data);
    expect(c.data).not.toBe(b.data);
  });
});

describe("matmul: 1-D operands", () => {
  it("(k) @ (k) is a 0-d inner product", () => {
    for (const k of [1, 7, 300]) {
      const a = sample([k], "float64", 11);
      const b = sample([k], "float64", 12);
      for (const la of layouts(a)) {
        for (const lb of layouts(b)) {
          const c = matmul(la.t, lb.t);
          expect(c.shape).toEqual([]);
          expect(c).toAllClose(reference(a, b), TOL.float64);
        }
      }
    }
  });

  it("(k) @ (k,n), (m,k) @ (k) and their batched forms drop the added axis", () => {
    const cases: [number[], number[], number[]][] = [
      [[7], [7, 5], [5]],
      [[5, 7], [7], [5]],
      [[130], [130, 65], [65]],
      [[65, 130], [130], [65]],
      [[4], [3, 4, 6], [3, 6]],
      [[2, 3, 5, 4], [4], [2, 3, 5]],
    ];
    for (const [sa, sb, shape] of cases) {
      const a = sample(sa, "float32", 13);
      const b = sample(sb, "float32", 14);
      const expected = reference(a, b);
      expect(expected.shape).toEqual(shape);
      for (const la of layouts(a)) for (const lb of layouts(b)) expect(matmul(la.t, lb.t)).toAllClose(expected, TOL.float32);
    }
  });

  it("dot and outer", () => {
    const a = sample([6], "float64", 15);
    const b = sample([6], "float64", 16);
    let s = 0;
    for (let i = 0; i < 6; i++) s += at(a, [i]) * at(b, [i]);
    expect(dot(a, b).shape).toEqual([]);
    expect(dot(a, b).item()).toBeCloseTo(s, 12);
    const o = outer(a.slice([null, null, -1]), b.slice([0, 4]));
    expect(o.shape).toEqual([6, 4]);
    expect(o).toAllClose([...Array(6)].map((_, i) => [...Array(4)].map((_, j) => at(a, [5 - i]) * at(b, [j]))), TOL.float64);
    expect(() => dot(ones([2, 2]), ones([2]))).toThrow(/^dot: expects two 1-D tensors, got \(2,2\) · \(2\)/);
    expect(() => dot(ones([2]), ones([3]))).toThrow(/^dot: lengths differ: \(2\) · \(3\)$/);
    expect(() => outer(ones([2]), tensor(1))).toThrow(ShapeError);
  });
});

describe("matmul: batches", () => {
  it("(2,1,3,4) @ (5,4,2) broadcasts the batch axes to (2,5,3,2)", () => {
    const a = sample([2, 1, 3, 4], "float64", 17);
    const b = sample([5, 4, 2], "float64", 18);
    expect(matmul(a, b).shape).toEqual([2, 5, 3, 2]);
    checkAllLayouts(a, b, "float64");
  });

  it("large batched products with broadcast batch axes (blocked path)", () => {
    checkAllLayouts(sample([2, 1, 40, 33], "float32", 19), sample([3, 33, 35], "float32", 20), "float32");
  });

  it("a stack times one matrix (rows of the stack fold into one tall product)", () => {
    checkAllLayouts(sample([3, 40, 50], "float64", 21), sample([50, 30], "float64", 22), "float64");
    checkAllLayouts(sample([2, 1, 3, 4], "int32", 23), sample([4, 5], "int32", 24), "int32");
    checkAllLayouts(sample([30], "float64", 25), sample([4, 30, 40], "float64", 26), "float64");
  });

  it("stride-0 batch views from broadcastTo are read in place", () => {
    const a = sample([3, 4], "float32", 27).broadcastTo([6, 3, 4]);
    const b = sample([6, 4, 5], "float32", 28);
    expect(a.strides[0]).toBe(0);
    expect(matmul(a, b)).toAllClose(reference(a, b), TOL.float32);
    const big = sample([1, 50, 40], "float64", 29).broadcastTo([3, 50, 40]);
    const other = sample([40, 60], "float64", 30).broadcastTo([2, 3, 40, 60]);
    expect(matmul(big, other)).toAllClose(reference(big, other), TOL.float64);
    expect(matmul(other.transpose([0, 1, 3, 2]), big.transpose([0, 2, 1]))).toAllClose(
      reference(other.transpose([0, 1, 3, 2]), big.transpose([0, 2, 1])),
      TOL.float64,
    );
  });
});

describe("matmul: dtypes and accumulation", () => {
  it("promotes like promoteTypes", () => {
    const f32 = sample([3, 4], "float32", 31);
    const f64 = sample([4, 2], "float64", 32);
    const i32 = sample([4, 2], "int32", 33);
    expect(matmul(f32, f64).dtype).toBe("float64");
    expect(matmul(f32, i32).dtype).toBe("float32");
    expect(matmul(i32.T, i32).dtype).toBe("int32");
    expect(matmul(f32, i32)).toAllClose(reference(f32, i32), TOL.float32);
    expect(matmul(f32, f64)).toAllClose(reference(f32, f64), TOL.float64);
  });

  // float32 running sums lose the ones next to 1e8 (its spacing in float32 is 8)
  const [m, k, n] = [40, 300, 40];
  const cancelling = (): Tensor => {
    const a = ones([m, k]);
    for (let i = 0; i < m; i++) {
      a.data[i * k] = 1e8;
      a.data[i * k + k - 1] = -1e8;
    }
    return a;
  };

  it("with the WebAssembly kernels off, sums in doubles and rounds to float32 once, also across k blocks", () => {
    const wasm = kernelOptions().wasm;
    setKernelOptions({ wasm: false });
    try {
      expect(dot(tensor([1e8, 1, -1e8]), tensor([1, 1, 1])).item()).toBe(1);
      expect(matmul(cancelling(), ones([k, n]))).toAllClose(new Array(m).fill(new Array(n).fill(k - 2)), { rtol: 0, atol: 0 });
    } finally {
      setKernelOptions({ wasm });
    }
  });

  it.runIf(kernelOptions().wasmAvailable)("on the WebAssembly kernels, sums in float32 within the k·2^-24·Σ|ab| bound", () => {
    const a = cancelling();
    const c = matmul(a, ones([k, n]));
    expect(Array.from(c.toTypedArray()).some((v) => v !== k - 2)).toBe(true);
    expectWithinSumBound(c, tensor(new Array(m).fill(new Array(n).fill(k - 2))), a, ones([k, n]), "cancelling sums");
  });

  it("int32 products are exact", () => {
    const a = tensor([[1000, -2000], [3000, 4000]], { dtype: "int32" });
    const b = tensor([[5000, 6000], [-7000, 8000]], { dtype: "int32" });
    expect(matmul(a, b).toArray()).toEqual([[19000000, -10000000], [-13000000, 50000000]]);
  });

  it("infinities stay in their own rows of the result (edge tiles are padded with zeros)", () => {
    const a = ones([65, 65], { dtype: "float64" });
    a.data[64 * 65] = Infinity;
    const c = matmul(a, ones([65, 66], { dtype: "float64" }));
    expect(c.slice([0, 64])).toAllClose(new Array(64).fill(new Array(66).fill(65)), { rtol: 0, atol: 0 });
    expect(c.slice([64, 65])).toAllClose([new Array(66).fill(Infinity)]);
  });
});

describe("matmul: errors", () => {
  it("inner dimensions that differ name both shapes", () => {
    expect(() => matmul(ones([3, 4]), ones([5, 2]))).toThrow(ShapeError);
    expect(() => matmul(ones([3, 4]), ones([5, 2]))).toThrow(/^matmul: inner dimensions differ: \(3,4\) @ \(5,2\)$/);
    expect(() => matmul(ones([3]), ones([4]))).toThrow(/^matmul: inner dimensions differ: \(3\) @ \(4\)$/);
    expect(() => matmul(ones([2, 3]), ones([4]))).toThrow(/^matmul: inner dimensions differ: \(2,3\) @ \(4\)$/);
    expect(() => matmul(ones([2, 3]).T, ones([3, 2]))).toThrow(/: \(3,2\) @ \(3,2\)$/);
  });

  it("0-d operands need at least 1-D", () => {
    expect(() => matmul(tensor(2), ones([3]))).toThrow(ShapeError);
    expect(() => matmul(tensor(2), ones([3]))).toThrow(/^matmul: .*at least 1-D.*\(\) @ \(3\)/);
    expect(() => matmul(ones([3, 3]), tensor(2))).toThrow(/at least 1-D.*\(3,3\) @ \(\)/);
  });

  it("batch axes that do not broadcast name both shapes", () => {
    expect(() => matmul(ones([2, 3, 4]), ones([3, 4, 5]))).toThrow(ShapeError);
    expect(() => matmul(ones([2, 3, 4]), ones([3, 4, 5]))).toThrow(/^matmul: batch dimensions \(2\) and \(3\) do not broadcast: \(2,3,4\) @ \(3,4,5\)$/);
  });

  it("bool operands are a DTypeError", () => {
    const mask = tensor([[true, false], [false, true]]);
    expect(() => matmul(mask, ones([2, 2]))).toThrow(DTypeError);
    expect(() => matmul(ones([2, 2]), mask)).toThrow(/^matmul: bool operands are not supported, got float32 @ bool/);
  });
});

describe("matmul: algebraic properties (fast-check)", () => {
  // small integers: every product and sum is exact in float64, so equality must be exact
  const matrix = (rows: number, cols: number) =>
    fc
      .tuple(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: rows * cols, maxLength: rows * cols }), fc.constantFrom(0, 1, 2))
      .map(([values, layout]) => layouts(tensor(values, { dtype: "float64", shape: [rows, cols] }))[layout]!.t);
  const dim = fc.integer({ min: 1, max: 40 });

  it("(A·B)ᵀ = Bᵀ·Aᵀ", () => {
    fc.assert(
      fc.property(
        fc.tuple(dim, dim, dim).chain(([m, k, n]) => fc.tuple(matrix(m, k), matrix(k, n))),
        ([a, b]) => {
          expect(matmul(a, b).T.toArray()).toEqual(matmul(b.T, a.T).toArray());
        },
      ),
      { numRuns: 60 },
    );
  });

  it("(A·B)·C = A·(B·C)", () => {
    fc.assert(
      fc.property(
        fc.tuple(dim, dim, dim, dim).chain(([m, k, l, n]) => fc.tuple(matrix(m, k), matrix(k, l), matrix(l, n))),
        ([a, b, c]) => {
          expect(matmul(matmul(a, b), c).toArray()).toEqual(matmul(a, matmul(b, c)).toArray());
        },
      ),
      { numRuns: 60 },
    );
  });

  it("agrees with the reference on random shapes and layouts", () => {
    fc.assert(
      fc.property(
        fc.tuple(dim, dim, dim).chain(([m, k, n]) => fc.tuple(matrix(m, k), matrix(k, n))),
        ([a, b]) => {
          expect(matmul(a, b).toArray()).toEqual(reference(a, b).toArray());
        },
      ),
      { numRuns: 40 },
    );
  });
});
