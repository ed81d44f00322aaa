// Values a forward computes from its input without gradients (masks, comparisons, arg-reductions,
// clip, mean's 1/n, logSumExp's shift) and mixed dtypes: each is computed by the graph, so ONNX
// Runtime agrees with Strata at batch sizes and values other than the traced ones, or the export
// is refused with the reason. (Before these ops were traced, several exported silently wrong.)
import {
  add, argmax, cast, clip, div, eq, ge, gt, le, leakyRelu, logicalAnd, logicalNot, logicalOr, logSumExp, lt, mean, mul, ne, oneHot,
  max, min, reshape, slice, sub, sum, unbind, where, type Operand, type Variable,
} from "@strata/autograd";
import { Dense, Embedding, Linear, Module } from "@strata/nn";
import { toOnnx } from "@strata/onnx";
import { Tensor, randn, rng, tensor } from "@strata/tensor";
import { describe, expect, it } from "vitest";
import { expectOrtMatches } from "./ort.js";

/** A module from a forward function. */
function model<I extends Operand[]>(forward: (...x: I) => Variable | Variable[]): Module<I, Variable | Variable[]> {
  return new (class extends Module<I, Variable | Variable[]> {
    forward(...x: I): Variable | Variable[] {
      return forward(...x);
    }
  })();
}

const rows = (n: number, scale = 1): Tensor => randn([n, 3], { rng: rng(n) }).mul(scale);

describe("masks and comparisons computed by the graph", () => {
  it("clip, traced on small values, clips the large ones ONNX Runtime is given", async () => {
    const { outputs } = await expectOrtMatches(model((x) => clip(x, -1, 1)), { inputShape: [1, 3] }, [rows(4, 10)]);
    expect(Math.max(...Array.from(outputs[0]!.toTypedArray() as Float32Array, Math.abs))).toBe(1);
  });

  it("every comparison and logical op, and where on a computed mask", async () => {
    const m = model((x: Operand, y: Operand) => {
      const [p, q] = [gt(x, 0), le(y, 0.5)];
      const masks = [eq(x, y), ne(x, 0), lt(x, y), le(x, y), gt(x, y), ge(x, 0.25), logicalAnd(p, q), logicalOr(p, q), logicalNot(p)];
      return [...masks.map((k) => cast(k, "float32")), where(gt(x, 0), x, mul(x, 0.1))];
    });
    const x = tensor([[1, -2, 0.25], [0, 3, -1], [2, 2, 0.5]]);
    await expectOrtMatches(m, { inputShape: [[1, 3], [1, 3]] }, [x, x.mul(-1).add(2)]);
  });

  it("a padding mask from int32 ids zeroes the padding positions' embeddings", async () => {
    class Masked extends Module<[Operand], Variable> {
      readonly embed = new Embedding(5, 4, { rng: rng(1) });
      forward(ids: Operand): Variable {
        const keep = reshape(cast(ne(ids, 0), "float32"), [...(ids as Variable).shape, 1]);
        return mul(this.embed.forward(ids), keep);
      }
    }
    const ids = tensor([[0, 3, 4, 0], [2, 0, 0, 1], [1, 1, 1, 1]], { dtype: "int32" });
    const { outputs } = await expectOrtMatches(new Masked(), { inputShape: [1, 4], inputDtype: "int32" }, [ids]);
    expect(outputs[0]!.slice(0, 0).abs().toArray()).toEqual([0, 0, 0, 0]);
    expect(outputs[0]!.slice(2, 0).abs().toArray()).not.toEqual([0, 0, 0, 0]);
  });

  it("argmax, argmin and oneHot", async () => {
    class Picks extends Module<[Operand], Variable[]> {
      readonly fc = new Linear(3, 5, { rng: rng(2) });
      forward(x: Operand): Variable[] {
        const logits = this.fc.forward(x);
        const best = argmax(logits, { axis: 1 });
        return [cast(best, "float32"), cast(argmax(logits), "float32"), cast(argmax(logits, { axis: 0, keepDims: true }), "float32"), oneHot(best, 5, { axis: -1 })];
      }
    }
    await expectOrtMatches(new Picks(), { inputShape: [1, 3] }, [rows(6)]);
  });
});

describe("masks in reductions, comparisons with numbers float32 cannot hold, a given example", () => {
  it("a mask's sum, max, min and argmax are reduced as int32", async () => {
    const m = model((x) => {
      const mask = gt(x, 0);
      return [cast(sum(mask, { axis: 1 }), "float32"), cast(max(mask, { axis: 1 }), "float32"), cast(min(mask, { axis: 0 }), "float32"), cast(argmax(mask, { axis: 1 }), "float32")];
    });
    await expectOrtMatches(m, { inputShape: [1, 3] }, [rows(5)]);
  });

  it("compares float32 pixels with 0.2 as Strata does: with the number as written, not float32's", async () => {
    // 51/255 in float32 is 0.20000000298…, above 0.2 but equal to float32's 0.2
    const pixels = tensor([[51 / 255, 50 / 255, 52 / 255]]);
    const { outputs } = await expectOrtMatches(model((x) => [cast(gt(x, 0.2), "float32"), cast(le(x, 0.1), "float32"), cast(eq(x, 0.2), "float32")]), { inputShape: [1, 3] }, [pixels]);
    expect(outputs[0]!.toArray()).toEqual([[1, 0, 1]]);
  });

  it("traces a given example's second batch from its own examples, so that ids stay valid", async () => {
    class Shifted extends Module<[Operand], Variable> {
      readonly embed = new Embedding(3, 2, { rng: rng(9) });
      forward(ids: Operand): Variable {
        return this.embed.forward(sub(ids, 2)); // ids 2 to 4 are valid, 0 and 1 are not
      }
    }
    const example = tensor([[2, 3, 4], [4, 4, 2]], { dtype: "int32" });
    await expectOrtMatches(new Shifted(), { inputShape: [2, 3], inputDtype: "int32", example }, [tensor([[3, 2, 4]], { dtype: "int32" })]);
  });
});

describe("reductions over the batch", () => {
  it("mean over the batch axis divides by the batch the graph is given", async () => {
    await expectOrtMatches(model((x) => [mean(x, { axis: 0 }), mean(x), mean(x, { axis: 1, keepDims: true })]), { inputShape: [2, 3] }, [rows(5)]);
  });

  it("logSumExp stays finite on large values, over the batch axis and within a row", async () => {
    const big = rows(4).add(tensor([[1000, 0, 0]]));
    const { outputs } = await expectOrtMatches(model((x) => [logSumExp(x, { axis: 0 }), logSumExp(x, { axis: 1, keepDims: true })]), { inputShape: [2, 3] }, [big]);
    expect(Number.isFinite((outputs[0]!.toTypedArray() as Float32Array)[0])).toBe(true);
  });

  it("refuses a number computed from the batch size, an index from its end, and unbind over it", () => {
    expect(() => toOnnx(model((x) => div(x, (x as Variable).shape[0]!)), { inputShape: [2, 3] })).toThrow(
      /^toOnnx: input 1 of mul is the number 0\.5 at one batch size and 0\.14285714285714285 at another: a number computed from the batch size/,
    );
    expect(() => toOnnx(model((x) => slice(x, (x as Variable).shape[0]! - 1)), { inputShape: [2, 3] })).toThrow(/slice on axis 0, which follows the batch size, uses bounds computed from the batch size \(1 at one batch size, 6 at another\)/);
    expect(() => toOnnx(model((x) => slice(x, null, [0, (x as Variable).shape[0]!])), { inputShape: [2, 6] })).toThrow(
      /slice on axis 1, whose length is fixed, uses bounds computed from the batch size \(\[0,2\] at one batch size, \[0,7\] at another\)/,
    );
    expect(() => toOnnx(model((x) => unbind(x).at(-1)!), { inputShape: [2, 3] })).toThrow(/unbind \(op 0\) gives 2 outputs at one batch size and 7 at another/);
  });
});

describe("mixed dtypes cast to the dtype the op computes in", () => {
  it("int32 ids times 0.5, a float32 input plus a float64 buffer, leakyRelu of int32", async () => {
    const buffer = new (class extends Module<[Operand, Operand], Variable[]> {
      constructor() {
        super();
        this.registerBuffer("offset", tensor([[0.5, 1.5, -2]], { dtype: "float64" }));
      }
      forward(ids: Operand, x: Operand): Variable[] {
        return [mul(ids, 0.5), add(x, this.getBuffer("offset")!), leakyRelu(ids, 0.2)];
      }
    })();
    const ids = tensor([[1, -2, 3], [0, 5, -1]], { dtype: "int32" });
    await expectOrtMatches(buffer, { inputShape: [[1, 3], [1, 3]], inputDtype: ["int32", "float32"] }, [ids, rows(2)]);
  });

  it("Dense with leakyRelu in float64 at opset 21, exact in its slope", async () => {
    const layer = new Dense(3, 2, { activation: { name: "leakyRelu", alpha: 0.2 }, rng: rng(3), dtype: "float64" });
    await expectOrtMatches(layer, { inputShape: [3, 1], opset: 21 }, [randn([3, 5], { rng: rng(4), dtype: "float64" })]);
  });
});
