// The functional ops against PyTorch 1.13 in float64: values and gradients of gelu, silu,
// hardtanh, relu6, batchNorm (training and eval, with the running statistics it updates),
// crossEntropy and nllLoss, from fixtures/functional.json (written by
// scripts/functional_reference.py; the tests never run Python). Gradients are of Σ out·r for the
// fixture's random r.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  batchNorm, crossEntropy, gelu, hardtanh, mul, nllLoss, relu6, silu, sum, variable, type Variable,
} from "@strata/autograd";
import { tensor, type NestedValues, type Tensor } from "@strata/tensor";

type Values = NestedValues | number;
interface Activation { name: string; x: number[]; y: number[]; r: number[]; grad: number[] }
interface BatchNormCase {
  name: string; training: boolean; momentum: number; eps: number; shape: number[];
  x: Values; weight: number[] | null; bias: number[] | null; runningMean: number[] | null; runningVar: number[] | null;
  y: Values; r: Values; gradX: Values; gradWeight: number[] | null; gradBias: number[] | null;
  runningMeanAfter: number[] | null; runningVarAfter: number[] | null;
}
interface LossCase {
  name: string; op: "crossEntropy" | "nllLoss"; input: Values; inputShape: number[]; target: Values; targetShape: number[];
  probabilities: boolean; options: { reduction: "mean" | "sum" | "none"; labelSmoothing?: number; ignoreIndex: number; weight: number[] | null };
  out: Values; r: Values; gradInput: Values; gradTarget: Values | null;
}
interface Fixture {
  activations: Activation[];
  batchNorm: BatchNormCase[];
  cumulative: { runningMean: number[]; runningVar: number[]; batches: { x: Values; runningMeanAfter: number[]; runningVarAfter: number[] }[] };
  crossEntropy: LossCase[];
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/functional.json", import.meta.url), "utf8")) as Fixture;

// float64 throughout: agreement to rounding, far inside the 1e-6 the issue asks for
const CLOSE = { rtol: 1e-10, atol: 1e-12 };
const f64 = (v: Values, shape?: number[]): Tensor => tensor(v as NestedValues, { dtype: "float64", ...(shape && { shape }) });
const leaf = (v: Values, shape?: number[]): Variable => variable(f64(v, shape), { requiresGrad: true });
/** Σ out·r, the scalar whose gradients the fixture holds. */
const weighted = (out: Variable, r: Values): Variable => sum(mul(out, f64(r, [...out.shape])));

describe("activations against PyTorch", () => {
  const ops: Record<string, (x: Variable) => Variable> = {
    gelu: (x) => gelu(x),
    gelu_tanh: (x) => gelu(x, { approximate: "tanh" }),
    silu: (x) => silu(x),
    hardtanh: (x) => hardtanh(x),
    "hardtanh_-0.5_2": (x) => hardtanh(x, -0.5, 2),
    relu6: (x) => relu6(x),
  };
  it("covers every activation of the fixture", () => {
    expect(fixture.activations.map((a) => a.name).sort()).toEqual(Object.keys(ops).sort());
  });
  for (const a of fixture.activations) {
    it(`${a.name}: values and gradients at ${a.x.length} points (±1e4 among the gelu and silu ones, the bounds among hardtanh's)`, () => {
      const x = leaf(a.x);
      const y = ops[a.name]!(x);
      expect(y.data).toAllClose(a.y, CLOSE);
      weighted(y, a.r).backward();
      expect(x.grad!).toAllClose(a.grad, CLOSE);
    });
  }
});

describe("batchNorm against PyTorch", () => {
  for (const c of fixture.batchNorm) {
    it(c.name, () => {
      const x = leaf(c.x);
      const weight = c.weight ? leaf(c.weight) : null;
      const bias = c.bias ? leaf(c.bias) : null;
      const runningMean = c.runningMean ? f64(c.runningMean) : null;
      const runningVar = c.runningVar ? f64(c.runningVar) : null;
      const y = batchNorm(x, runningMean, runningVar, weight, bias, { training: c.training, momentum: c.momentum, eps: c.eps });
      expect(y.shape).toEqual(c.shape);
      expect(y.data).toAllClose(f64(c.y), CLOSE);
      // the running statistics: updated in place in training (unbiased variance), untouched in eval
      if (runningMean) expect(runningMean).toAllClose(c.runningMeanAfter!, CLOSE);
      if (runningVar) expect(runningVar).toAllClose(c.runningVarAfter!, CLOSE);
      if (c.training && c.runningMean) expect(runningMean!.toArray()).not.toEqual(c.runningMean);
      weighted(y, c.r).backward();
      expect(x.grad!).toAllClose(f64(c.gradX), CLOSE);
      if (weight) expect(weight.grad!).toAllClose(c.gradWeight!, CLOSE);
      if (bias) expect(bias.grad!).toAllClose(c.gradBias!, CLOSE);
    });
  }

  it("gives PyTorch's momentum=None (a cumulative average) when momentum is 1/k at the k-th batch", () => {
    const { cumulative } = fixture;
    const runningMean = f64(cumulative.runningMean);
    const runningVar = f64(cumulative.runningVar);
    cumulative.batches.forEach((b, k) => {
      batchNorm(f64(b.x), runningMean, runningVar, null, null, { training: true, momentum: 1 / (k + 1) });
      expect(runningMean, `batch ${k + 1}`).toAllClose(b.runningMeanAfter, CLOSE);
      expect(runningVar, `batch ${k + 1}`).toAllClose(b.runningVarAfter, CLOSE);
    });
  });
});

describe("crossEntropy and nllLoss against PyTorch", () => {
  for (const c of fixture.crossEntropy) {
    it(`${c.op} ${c.name}`, () => {
      const input = leaf(c.input, c.inputShape);
      const target = c.probabilities ? leaf(c.target, c.targetShape) : tensor(c.target as NestedValues, { dtype: "int32", shape: c.targetShape });
      const weight = c.options.weight ? f64(c.options.weight) : null;
      const common = { reduction: c.options.reduction, ignoreIndex: c.options.ignoreIndex, weight };
      const out = c.op === "crossEntropy"
        ? crossEntropy(input, target, { ...common, labelSmoothing: c.options.labelSmoothing ?? 0 })
        : nllLoss(input, target, common);
      const outShape = typeof c.out === "number" ? [] : undefined;
      expect(out.data).toAllClose(f64(c.out, outShape), CLOSE);
      weighted(out, c.r).backward();
      expect(input.grad!).toAllClose(f64(c.gradInput, c.inputShape), CLOSE);
      if (c.gradTarget !== null) expect((target as Variable).grad!).toAllClose(f64(c.gradTarget, c.targetShape), CLOSE);
    });
  }
});
