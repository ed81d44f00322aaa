// embedding, softmax and logSoftmax as single ops: values, gradients and second derivatives against
// PyTorch 1.13 (fixtures from scripts/torch_embedding_softmax.py, float64, 1e-6 relative); gradcheck
// in float64 on contiguous, transposed and broadcast inputs and of their gradients; the composite
// formula as a second implementation; and the errors.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  div, embedding, exp, gradcheck, gradients, log, logSoftmax, mul, softmax, square, sub, sum, variable, type Variable,
} from "@strata/autograd";
import * as T from "@strata/tensor";
import { DTypeError, ShapeError, ValueError, randn, rng, tensor, type Tensor } from "@strata/tensor";

type Nested = number | Nested[];
interface EmbeddingCase { name: string; ids: Nested; weight: Nested; paddingIdx: number | null; r: Nested; y: Nested; gradWeight: Nested }
interface SoftmaxCase {
  name: string; op: "softmax" | "logSoftmax"; x: Nested; transpose: [number, number] | null; axis: number;
  r: Nested; s: Nested; y: Nested; gradX: Nested; secondX: Nested; secondR: Nested;
}
const fixtures = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "embedding-softmax-torch.json"), "utf8")) as {
  embedding: EmbeddingCase[]; softmax: SoftmaxCase[];
};
const f64 = (v: Nested): Tensor => tensor(v as never, { dtype: "float64" });
const int = (v: Nested): Tensor => tensor(v as never, { dtype: "int32" });
const close = { rtol: 1e-6, atol: 1e-9 };
const ops = { softmax, logSoftmax };

describe("embedding against PyTorch 1.13", () => {
  for (const c of fixtures.embedding) {
    it(`${c.name}: rows, and the gradient to weight (index-add, padding row zero)`, () => {
      const w = variable(f64(c.weight), { requiresGrad: true });
      const y = embedding(int(c.ids), w, { paddingIdx: c.paddingIdx });
      expect(y.data).toAllClose(f64(c.y), close);
      const [gw] = gradients([sum(mul(y, f64(c.r)))], [w]);
      expect(gw!.data).toAllClose(f64(c.gradWeight), close);
    });
  }
});

describe("softmax and logSoftmax against PyTorch 1.13", () => {
  for (const c of fixtures.softmax) {
    it(`${c.name}: value, gradient, and second derivatives`, () => {
      // the transposed case is built as a strided view, as PyTorch's input was
      const base = f64(c.x);
      const x = variable(c.transpose ? base.transpose().contiguous().transpose() : base, { requiresGrad: true });
      const r = variable(f64(c.r), { requiresGrad: true });
      const y = ops[c.op](x, { axis: c.axis });
      expect(y.data).toAllClose(f64(c.y), close);
      const [gx] = gradients([sum(mul(y, r))], [x], { createGraph: true });
      expect(gx!.data).toAllClose(f64(c.gradX), close);
      const [ggx, ggr] = gradients([sum(mul(gx!, f64(c.s)))], [x, r]);
      expect(ggx!.data).toAllClose(f64(c.secondX), close);
      expect(ggr!.data).toAllClose(f64(c.secondR), close);
      // the first-order path (values only) gives the same gradient as the recorded one
      const [plain] = gradients([sum(mul(ops[c.op](x, { axis: c.axis }), r))], [x]);
      expect(plain!.data).toAllClose(f64(c.gradX), close);
    });
  }
});

describe("gradcheck in float64: contiguous, transposed and broadcast inputs, and double backward", () => {
  const g = rng(3);
  const contiguous = randn([3, 4], { rng: g, dtype: "float64" });
  const transposed = randn([4, 3], { rng: g, dtype: "float64" }).transpose();
  const broadcast = randn([1, 4], { rng: g, dtype: "float64" }).broadcastTo([3, 4]);
  const v = randn([3, 4], { rng: g, dtype: "float64" });
  const inputs: [string, Tensor][] = [["contiguous", contiguous], ["transposed", transposed], ["broadcast", broadcast]];

  for (const op of ["softmax", "logSoftmax"] as const) {
    for (const axis of [1, 0]) {
      for (const [layout, x] of inputs) {
        it(`${op} axis ${axis}, ${layout}`, () => {
          expect(gradcheck((x) => mul(ops[op](x, { axis }), v), [x]).passed).toBe(true);
        });
      }
      it(`${op} axis ${axis}: gradient of the gradient`, () => {
        const fn = (x: Variable, r: Variable) => {
          const [gx] = gradients([sum(mul(ops[op](x, { axis }), r))], [x], { createGraph: true });
          return sum(square(gx!));
        };
        expect(gradcheck(fn, [transposed, v]).passed).toBe(true);
      });
    }
  }

  const ids = int([[0, 2, 2], [1, 0, 3]]);
  for (const [layout, w] of inputs.map(([k, t]) => [k, t.transpose()] as [string, Tensor])) {
    it(`embedding, weight ${layout === "transposed" ? "contiguous" : layout === "contiguous" ? "transposed" : "broadcast"} (4, 3), paddingIdx 2`, () => {
      expect(gradcheck((w) => embedding(ids, w), [w]).passed).toBe(true);
      // with paddingIdx: the same gradient except the padding row's, zero although its values are read
      const r = randn([2, 3, 3], { rng: rng(4), dtype: "float64" });
      const wFull = variable(w, { requiresGrad: true });
      const [full] = gradients([sum(mul(embedding(ids, wFull), r))], [wFull]);
      const wv = variable(w, { requiresGrad: true });
      const padded = embedding(ids, wv, { paddingIdx: 2 });
      expect(padded.data).toAllClose(embedding(ids, w).data);
      sum(mul(padded, r)).backward();
      expect(wv.grad!.slice(2).toArray()).toEqual([0, 0, 0]);
      expect(wv.grad!.slice([0, 2])).toAllClose(full!.data.slice([0, 2]));
      expect(wv.grad!.slice(3)).toAllClose(full!.data.slice(3));
    });
  }
  it("embedding: gradient of the gradient (with respect to the cotangent)", () => {
    const r = randn([2, 3, 3], { rng: g, dtype: "float64" });
    const fn = (w: Variable, r: Variable) => {
      const [gw] = gradients([sum(mul(embedding(ids, w, { paddingIdx: 0 }), r))], [w], { createGraph: true });
      return sum(square(gw!));
    };
    expect(gradcheck(fn, [contiguous.transpose(), r]).passed).toBe(true);
  });
});

describe("the single ops agree with the composite formula", () => {
  const x = randn([5, 7, 6], { rng: rng(9), dtype: "float32" }).mul(8);
  const gy = randn([5, 7, 6], { rng: rng(10), dtype: "float32" });
  const composite = {
    softmax: (v: Variable, axis: number) => {
      const e = exp(sub(v, T.max(v.data, { axis, keepDims: true })));
      return div(e, sum(e, { axis, keepDims: true }));
    },
    logSoftmax: (v: Variable, axis: number) => {
      const s = sub(v, T.max(v.data, { axis, keepDims: true }));
      return sub(s, log(sum(exp(s), { axis, keepDims: true })));
    },
  };
  for (const op of ["softmax", "logSoftmax"] as const) {
    for (const axis of [0, 1, -1]) {
      it(`${op} axis ${axis}, float32: values and gradients`, () => {
        const [a, b] = [variable(x, { requiresGrad: true }), variable(x, { requiresGrad: true })];
        const ya = ops[op](a, { axis });
        const yb = composite[op](b, axis < 0 ? axis + 3 : axis);
        expect(ya.data).toAllClose(yb.data, { rtol: 1e-5, atol: 1e-6 });
        expect(ya.data).toAllClose(op === "softmax" ? T.softmax(x, { axis }) : T.logSoftmax(x, { axis }), { rtol: 1e-5, atol: 1e-6 });
        sum(mul(ya, gy)).backward();
        sum(mul(yb, gy)).backward();
        expect(a.grad!).toAllClose(b.grad!, { rtol: 1e-4, atol: 1e-5 });
      });
    }
  }

  it("stays finite and exact for logits of ±1e4 and keeps empty slices empty", () => {
    const big = variable([[1e4, -1e4, 0]], { dtype: "float64" });
    expect(softmax(big, { axis: 1 }).toArray()).toEqual([[1, 0, 0]]);
    expect(logSoftmax(big, { axis: 1 }).toArray()).toEqual([[0, -2e4, -1e4]]);
    expect(softmax(T.zeros([2, 0]), { axis: 1 }).shape).toEqual([2, 0]);
  });
});

describe("errors", () => {
  const w = T.zeros([5, 3]);
  it("embedding: an id out of range names it, its position and the range", () => {
    expect(() => embedding(int([[0, 1], [7, 2]]), w)).toThrow(ValueError);
    expect(() => embedding(int([[0, 1], [7, 2]]), w)).toThrow("embedding: id 7 at position [1, 0] of ids (2,2) is out of range for 5 embeddings; expected 0 <= id < 5");
    expect(() => embedding(int([-1]), w)).toThrow(/id -1 at position \[0\]/);
  });
  it("embedding: non-int32 ids are a DTypeError; a weight that is not 2-D a ShapeError", () => {
    expect(() => embedding(tensor([0, 1]), w)).toThrow(DTypeError);
    expect(() => embedding(tensor([0, 1]), w)).toThrow(/embedding: ids must be int32, got float32/);
    expect(() => embedding(int([0]), T.zeros([5]))).toThrow(ShapeError);
    expect(() => embedding(int([0]), T.zeros([5, 3], { dtype: "int32" }))).toThrow(DTypeError);
  });
  it("embedding: paddingIdx outside [-num, num) is a ValueError; negative counts from the end", () => {
    expect(() => embedding(int([0]), w, { paddingIdx: 5 })).toThrow(/paddingIdx must be an integer in \[-5, 5\) for 5 embeddings, got 5/);
    expect(() => embedding(int([0]), w, { paddingIdx: -6 })).toThrow(ValueError);
    const wv = variable(T.ones([5, 3]), { requiresGrad: true });
    sum(embedding(int([4, 3, 4]), wv, { paddingIdx: -1 })).backward();
    expect(wv.grad!.toArray()).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 1, 1], [0, 0, 0]]);
  });
  it("softmax: a missing or out-of-range axis names the op", () => {
    expect(() => softmax(T.zeros([2, 3]), undefined as never)).toThrow(/softmax: axis is required/);
    expect(() => logSoftmax(T.zeros([2, 3]), { axis: 2 })).toThrow(/logSoftmax/);
  });
});
