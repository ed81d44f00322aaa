// scaledDotProductAttention and attentionWithWeights written out as MatMul, Softmax, … nodes, and
// MultiheadAttention exported by tracing: ONNX Runtime's outputs against Strata's forward at
// another batch size, masks (bool, float, causal, from a graph input) and the rows a mask empties.
import { attentionWithWeights, matmul, reshape, scaledDotProductAttention, transpose, variable, type Operand, type Variable } from "@strata/autograd";
import { Module, MultiheadAttention, type MultiheadAttentionForwardOptions } from "@strata/nn";
import { toOnnx } from "@strata/onnx";
import { randn, rng, tensor, zeros, type Tensor } from "@strata/tensor";
import { describe, expect, it } from "vitest";
import { opTypes } from "./onnx-file.js";
import { expectOrtMatches } from "./ort.js";

type Dtype = "float32" | "float64";
const [L, E] = [4, 6];
const noise = (shape: number[], dtype: Dtype, seed: number): Tensor => randn(shape, { rng: rng(seed), dtype });

/** q, k, v projected from x (N, L, E), two heads: (N, 2, L, 3); then `attend` on them. */
class Heads extends Module<Operand[], Variable | Variable[]> {
  readonly wq: Variable;
  readonly wk: Variable;
  readonly wv: Variable;
  constructor(dtype: Dtype, readonly attend: (q: Variable, k: Variable, v: Variable, extra: Operand[]) => Variable | Variable[]) {
    super();
    [this.wq, this.wk, this.wv] = [1, 2, 3].map((s) => variable(noise([E, E], dtype, s), { requiresGrad: true })) as [Variable, Variable, Variable];
  }
  forward(x: Operand, ...extra: Operand[]): Variable | Variable[] {
    const split = (w: Variable): Variable => {
      const y = matmul(x, w);
      return transpose(reshape(y, [y.shape[0]!, y.shape[1]!, 2, E / 2]), [0, 2, 1, 3]);
    };
    return this.attend(split(this.wq), split(this.wk), split(this.wv), extra);
  }
}

/** Exported at batch 2, run at batch 3; `extra` inputs (masks) follow x. */
async function check(model: Module, dtype: Dtype, extra: ((n: number) => Tensor)[] = [], opset?: number): Promise<{ bytes: Uint8Array; outputs: Tensor[] }> {
  const inputs = (n: number): Tensor[] => [noise([n, L, E], dtype, 9 + n), ...extra.map((f) => f(n))];
  const example = inputs(2);
  return expectOrtMatches(model, { inputShape: example.map((t) => [...t.shape]), inputDtype: example.map((t) => t.dtype) as Dtype[], example, ...(opset !== undefined && { opset }) }, inputs(3));
}

/** A boolean mask (L, L) whose last query row is all false: that query may attend to nothing. */
const keepNoneInLastRow = tensor([[true, false, true, true], [true, true, false, true], [false, true, true, true], [false, false, false, false]]);

describe.each(["float32", "float64"] as const)("scaledDotProductAttention in %s", (dtype) => {
  it("without a mask: MatMul, Softmax, MatMul", async () => {
    const { bytes } = await check(new Heads(dtype, (q, k, v) => scaledDotProductAttention(q, k, v)), dtype);
    expect(opTypes(bytes)).toContain("Softmax");
    expect(opTypes(bytes)).not.toContain("Where"); // nothing masked, no guard
  });

  it("isCausal, with a scale of its own", async () => {
    await check(new Heads(dtype, (q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.3 })), dtype);
  });

  it("a boolean mask that leaves a query nothing: zero output there, as Strata (not softmax's NaN)", async () => {
    const { outputs } = await check(new Heads(dtype, (q, k, v) => scaledDotProductAttention(q, k, v, { attnMask: keepNoneInLastRow })), dtype);
    const last = outputs[0]!.slice(null, null, 3).toTypedArray();
    expect(Array.from(last).every((x) => x === 0)).toBe(true); // by the rule, not by comparison with Strata
  });

  it("a float mask given as a graph input, with −∞ rows, at opsets 17 (ReduceMax axes attribute) and 18 (input)", async () => {
    const mask = (n: number): Tensor => {
      const m = noise([n, 1, L, L], dtype, 20 + n).toTypedArray().slice();
      for (let j = 0; j < L; j++) m[(n - 1) * L * L + L + j] = -Infinity; // batch n − 1, query 1: every key masked
      m[2] = -Infinity;
      return tensor(m, { shape: [n, 1, L, L], dtype });
    };
    for (const opset of [17, 18]) {
      const { outputs } = await check(new Heads(dtype, (q, k, v, [m]) => scaledDotProductAttention(q, k, v, { attnMask: m! })), dtype, [mask], opset);
      expect(outputs[0]!.slice(2, null, 1).toTypedArray().every((x) => x === 0)).toBe(true);
    }
  });
});

describe.each(["float32", "float64"] as const)("attentionWithWeights in %s", (dtype) => {
  it("returns the output and the weights; a constant mask with no empty row needs no guard", async () => {
    const mask = tensor([[0, -1, 0, -Infinity], [0, 0, 0, 0], [-Infinity, 0, 2, 0], [0, 0, 0, 0]], { dtype });
    const { bytes, outputs } = await check(new Heads(dtype, (q, k, v) => { const r = attentionWithWeights(q, k, v, { mask }); return [r.output, r.weights]; }), dtype);
    expect(outputs.map((o) => o.shape)).toEqual([[3, 2, L, E / 2], [3, 2, L, L]]);
    expect(opTypes(bytes)).not.toContain("Where");
  });
});

describe("attention refusals", () => {
  it("dropoutP > 0 is refused, naming the op and what to do", () => {
    const model = new Heads("float32", (q, k, v) => scaledDotProductAttention(q, k, v, { dropoutP: 0.1 }));
    expect(() => toOnnx(model, { inputShape: [2, L, E] })).toThrow(/scaledDotProductAttention with dropoutP 0.1 drops attention weights at random.*pass dropoutP: 0/);
  });

  it("isCausal over a length that follows the batch size is refused", () => {
    class Plain extends Module<[Operand], Variable> {
      forward(x: Operand): Variable {
        return scaledDotProductAttention(x, x, x, { isCausal: true });
      }
    }
    expect(() => toOnnx(new Plain(), { inputShape: [L, E] })).toThrow(/isCausal writes a causal mask of the traced 4×4 queries and keys, but those lengths change with the batch size/);
  });
});

/** MultiheadAttention with query = key = value = x, or key and value of their own sizes (graph inputs 2 and 3). */
class Attend extends Module<Operand[], Variable[]> {
  constructor(readonly mha: MultiheadAttention, readonly options: MultiheadAttentionForwardOptions = {}, readonly padding = false) {
    super();
  }
  forward(x: Operand, ...rest: Operand[]): Variable[] {
    const padded = this.padding ? { keyPaddingMask: rest.pop() as Variable } : {};
    const [key, value] = rest.length === 2 ? rest : [x, x];
    const [out, weights] = this.mha.forward(x, key!, value!, { ...this.options, ...padded });
    return weights === null ? [out] : [out, weights];
  }
}

describe.each(["float32", "float64"] as const)("MultiheadAttention in %s", (dtype) => {
  const mha = (options: { batchFirst?: boolean; kdim?: number; vdim?: number; bias?: boolean } = {}): MultiheadAttention =>
    new MultiheadAttention(E, 2, { ...options, rng: rng(4), dtype });

  it.each([true, false])("no mask, batchFirst %s: output and head-averaged weights", async (batchFirst) => {
    const model = new Attend(mha({ batchFirst }));
    const shape = (n: number): number[] => (batchFirst ? [n, L, E] : [L, n, E]);
    const { outputs } = await expectOrtMatches(model, { inputShape: shape(2), batchAxis: batchFirst ? 0 : 1 }, [noise(shape(3), dtype, 5)]);
    expect(outputs[1]!.shape).toEqual([3, L, L]);
  });

  it("isCausal, weights per head, no bias", async () => {
    await check(new Attend(mha({ batchFirst: true, bias: false }), { isCausal: true, averageAttnWeights: false }), dtype);
  });

  it("kdim and vdim of their own: key and value are graph inputs, needWeights false", async () => {
    const model = new Attend(mha({ batchFirst: true, kdim: 3, vdim: 5 }), { needWeights: false });
    const { outputs } = await check(model, dtype, [(n) => noise([n, 7, 3], dtype, 30 + n), (n) => noise([n, 7, 5], dtype, 40 + n)]);
    expect(outputs.map((o) => o.shape)).toEqual([[3, L, E]]);
  });

  it("a float key padding mask given as a graph input, one example with every key masked", async () => {
    const padding = (n: number): Tensor => {
      const m = zeros([n, L], { dtype }).toTypedArray().slice();
      m[1] = -Infinity; // example 0: key 1 is padding
      for (let j = 0; j < L; j++) m[(n - 1) * L + j] = -Infinity; // the last example: every key
      return tensor(m, { shape: [n, L], dtype });
    };
    const { outputs } = await check(new Attend(mha({ batchFirst: true }), {}, true), dtype, [padding]);
    expect(outputs[1]!.slice(2).toTypedArray().every((w) => w === 0)).toBe(true); // zero weights for the example with no key
  });
});
