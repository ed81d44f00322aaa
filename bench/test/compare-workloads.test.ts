// The comparison's Strata side computes what its rows say, checked at small sizes against
// references written out here in float64 (products, relu, a·b + c, and a fully connected network's
// forward, backward and SGD update); and the rows' checking turns away a variant whose result
// differs from the first variant's. Only Strata runs here: no peer, no Python, no timing asserted.
import { describe, expect, it } from "vitest";
import { relu as reluOp, type Tensor } from "@strata/tensor";
import { compiledElementwise, courseWorkload, mlpWorkload, mulAdd, mulAddWorkload, productWorkload, reluWorkload, transposedProductWorkload } from "../src/compare-workloads.js";
import { checkedRow } from "../src/compare-rows.js";
import type { NetworkSpec } from "../src/peers/types.js";

/** C = op(A)·B in float64, A stored (rows, cols) row-major. */
function naiveProduct(a: Float32Array, [ar, ac]: [number, number], b: Float32Array, p: number, transposeA: boolean): number[] {
  const [n, k] = transposeA ? [ac, ar] : [ar, ac];
  const at = (i: number, l: number): number => (transposeA ? a[l * ac + i]! : a[i * ac + l]!);
  const c: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) {
    let sum = 0;
    for (let l = 0; l < k; l++) sum += at(i, l) * b[l * p + j]!;
    c.push(sum);
  }
  return c;
}

/** The network's loss on its batch and the network after one SGD step, in float64. */
function referenceStep(spec: NetworkSpec, W: number[][], b: number[][]): number {
  const dims = spec.layerDims;
  const m = spec.m;
  const L = W.length;
  // activations A[l] as (n[l], m) row-major; A[0] = X
  const A: number[][] = [Array.from(spec.X)];
  const Z: number[][] = [];
  for (let l = 0; l < L; l++) {
    const [rows, cols] = [dims[l + 1]!, dims[l]!];
    const z = new Array<number>(rows * m).fill(0);
    for (let i = 0; i < rows; i++) for (let j = 0; j < m; j++) {
      let s = b[l]![i]!;
      for (let k = 0; k < cols; k++) s += W[l]![i * cols + k]! * A[l]![k * m + j]!;
      z[i * m + j] = s;
    }
    Z.push(z);
    A.push(l < L - 1 ? z.map((v) => Math.max(v, 0)) : z);
  }
  const out = A[L]!;
  const k = dims[L]!;
  let loss = 0;
  let dZ = new Array<number>(k * m).fill(0);
  for (let j = 0; j < m; j++) {
    if (spec.head.kind === "softmax") {
      const column = Array.from({ length: k }, (_, i) => out[i * m + j]!);
      const top = Math.max(...column);
      const sum = column.reduce((s, v) => s + Math.exp(v - top), 0);
      const label = spec.head.classes[j]!;
      loss -= column[label]! - top - Math.log(sum);
      for (let i = 0; i < k; i++) dZ[i * m + j] = (Math.exp(column[i]! - top) / sum - (i === label ? 1 : 0)) / m;
    } else {
      const p = 1 / (1 + Math.exp(-out[j]!));
      const y = spec.head.labels[j]!;
      loss -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
      dZ[j] = (p - y) / m;
    }
  }
  for (let l = L - 1; l >= 0; l--) {
    const [rows, cols] = [dims[l + 1]!, dims[l]!];
    const dPrev = new Array<number>(cols * m).fill(0);
    for (let i = 0; i < rows; i++) {
      for (let kk = 0; kk < cols; kk++) {
        let g = 0;
        for (let j = 0; j < m; j++) g += dZ[i * m + j]! * A[l]![kk * m + j]!;
        for (let j = 0; j < m; j++) dPrev[kk * m + j]! += W[l]![i * cols + kk]! * dZ[i * m + j]!;
        W[l]![i * cols + kk]! -= spec.lr * g;
      }
      let gb = 0;
      for (let j = 0; j < m; j++) gb += dZ[i * m + j]!;
      b[l]![i]! -= spec.lr * gb;
    }
    if (l > 0) dZ = dPrev.map((v, idx) => (Z[l - 1]![idx]! > 0 ? v : 0));
  }
  return loss / m;
}

describe("the comparison's Strata workloads, built small", () => {
  it("A·B and Aᵀ·B give the float64 products of their specs' operands", () => {
    for (const built of [productWorkload(9, 7, 5, 1), transposedProductWorkload(9, 7, 5, 2)]) {
      const { a, aShape, b, bShape, transposeA } = built.spec;
      const want = naiveProduct(a, aShape, b, bShape[1], transposeA);
      const got = built.strata.run();
      expect(got.shape).toEqual([9, 5]);
      got.toTypedArray().forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i]!))));
    }
  });

  it("relu gives max(x, 0) of its spec, element for element", () => {
    const built = reluWorkload(1001, 3);
    expect(Array.from(built.strata.run().toTypedArray())).toEqual(Array.from(built.spec, (v) => Math.max(v, 0)));
  });

  it("a·b + c gives each product rounded to float32, plus c, rounded again", () => {
    const built = mulAddWorkload(1001, 4);
    const { a, b, c } = built.spec;
    const want = Array.from(a, (v, i) => Math.fround(Math.fround(v * b[i]!) + c[i]!));
    expect(Array.from(built.strata.run().toTypedArray())).toEqual(want);
  });

  // the compiled variant's first call records, the later ones replay: each must give the reference
  it("the compiled relu and a·b + c give the same references on every call, recorded and replayed", () => {
    const r = reluWorkload(1001, 3);
    const m = mulAddWorkload(1001, 4);
    const { a, b, c } = m.spec;
    const compiledRelu = compiledElementwise(reluOp, [r.spec]);
    const compiledMulAdd = compiledElementwise(mulAdd, [a, b, c]);
    for (let call = 0; call < 3; call++) {
      expect(Array.from(compiledRelu.run().toTypedArray())).toEqual(Array.from(r.spec, (v) => Math.max(v, 0)));
      expect(Array.from(compiledMulAdd.run().toTypedArray())).toEqual(Array.from(a, (v, i) => Math.fround(Math.fround(v * b[i]!) + c[i]!)));
    }
    // reuseResults: the same tensor every call, no copy
    expect(compiledRelu.run()).toBe(compiledRelu.run());
  });

  it.each([
    ["MLP 20-8-6-4, softmax cross-entropy, batch 5", mlpWorkload([20, 8, 6, 4], 5, 5)],
    ["course net [30,5,4,3,1], sigmoid + binary cross-entropy, m = 7", courseWorkload([30, 5, 4, 3, 1], 7, 6)],
  ])("%s: first two losses are the float64 network's, before and after one SGD step", (_name, built) => {
    const W = built.spec.weights.map((w) => Array.from(w));
    const b = built.spec.biases.map((v) => Array.from(v));
    const want = [referenceStep(built.spec, W, b), referenceStep(built.spec, W, b)];
    const got = [built.strata.run(), built.strata.run()];
    expect(got[1]).not.toBe(got[0]);
    got.forEach((loss, i) => expect(Math.abs(loss - want[i]!)).toBeLessThan(1e-5 * Math.abs(want[i]!)));
  });
});

describe("a row's Strata variants", () => {
  const rate = (ms: number): number => 1 / ms;
  const relu = reluWorkload(100, 7);

  it("a second variant with the first one's result gets a rate; one with another result, an error", async () => {
    const row = checkedRow<Tensor>({
      key: "relu", title: "relu", unit: "1/ms", rate, values: (t) => t.toTypedArray(), step: false, tolerance: 0,
      variants: [
        { id: "strata", build: () => relu.strata },
        { id: "same", build: () => ({ run: () => relu.strata.run().add(0), dispose: () => {} }) },
        { id: "off", build: () => ({ run: () => relu.strata.run().add(1e-3), dispose: () => {} }) },
      ],
    });
    const cells = await Promise.all(row.strata.map((v) => v.cell()));
    expect(cells.map((c) => "value" in c)).toEqual([true, true, false]);
    expect(cells[2]).toEqual({ error: expect.stringMatching(/^wrong result: rel\. error 1\.0e-3/) });
    const first = cells[0]!;
    if (!("value" in first)) throw new Error("no first cell");
    expect(first.maxOverMin).toBeCloseTo(first.maxMs / first.minMs, 12);
  });

  it("a step variant that leaves the loss unchanged is refused however close its first loss", async () => {
    const mlp = mlpWorkload([20, 8, 4], 5, 8);
    const frozen = mlpWorkload([20, 8, 4], 5, 8);
    const firstLoss = frozen.strata.run();
    const row = checkedRow<number>({
      key: "mlp", title: "mlp", unit: "1/ms", rate, values: (l) => [l], step: true, tolerance: 1,
      variants: [{ id: "strata", build: () => mlp.strata }, { id: "frozen", build: () => ({ run: () => firstLoss, dispose: () => {} }) }],
    });
    const [reference, stuck] = [await row.strata[0]!.cell(), await row.strata[1]!.cell()];
    expect("value" in reference).toBe(true);
    expect(stuck).toEqual({ error: "wrong result: the step left the loss unchanged" });
  });
});
