// Plain-JS float64 references for the losses (the textbook formulas, written without the code
// under test), the test data they are checked on, and two assertions the loss tests share.
import { expect } from "vitest";
import { type Variable, sum, variable } from "@strata/autograd";
import { Tensor, rand, randn, rng, tensor } from "@strata/tensor";
import type { Reduction } from "../src/losses.js";

export type Matrix = number[][];
export const REDUCTIONS: Reduction[] = ["mean", "sum", "none"];

export const f64 = (values: Matrix | number[]): Tensor => tensor(values, { dtype: "float64" });
export const leaf = (values: Matrix | Tensor, dtype: "float32" | "float64" = "float64"): Variable =>
  variable(values instanceof Tensor ? values : tensor(values, { dtype }), { requiresGrad: true, dtype });
export const matrix = (t: Tensor): Matrix => t.toArray() as Matrix;

// ---- plain-JS references -----------------------------------------------------------------------

export const map2 = (a: Matrix, b: Matrix, f: (x: number, y: number, i: number, j: number) => number): Matrix =>
  a.map((row, i) => row.map((x, j) => f(x, b[i]![j]!, i, j)));

/** The per-example losses (column sums) of an elementwise loss matrix, reduced as the losses say. */
export function reduceRef(elementwise: Matrix, reduction: Reduction): number | Matrix {
  const m = elementwise[0]!.length;
  const perExample: number[] = [];
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (const row of elementwise) s += row[j]!;
    perExample.push(s);
  }
  if (reduction === "none") return [perExample];
  const total = perExample.reduce((a, b) => a + b, 0);
  return reduction === "sum" ? total : total / m;
}

/** The factor a reduction puts on each element's derivative (backward of loss.sum() for "none"). */
export const scaleOf = (reduction: Reduction, m: number): number => (reduction === "mean" ? 1 / m : 1);

export const clampedLog = (x: number): number => Math.max(Math.log(x), -100);
export const bceRef = (p: Matrix, y: Matrix): Matrix => map2(p, y, (p, y) => -(y * clampedLog(p) + (1 - y) * clampedLog(1 - p)));
export const bceDerivRef = (p: Matrix, y: Matrix, s: number): Matrix => map2(p, y, (p, y) => (s * (p - y)) / (p * (1 - p)));
export const bceSecondRef = (p: Matrix, y: Matrix, s: number): Matrix => map2(p, y, (p, y) => s * (y / (p * p) + (1 - y) / ((1 - p) * (1 - p))));

export const sig = (z: number): number => 1 / (1 + Math.exp(-z));
// The textbook form through σ: fine for the moderate logits it is used on.
export const logitsRef = (z: Matrix, y: Matrix): Matrix => map2(z, y, (z, y) => -(y * Math.log(sig(z)) + (1 - y) * Math.log(1 - sig(z))));

export function softmaxRef(z: Matrix): Matrix {
  const k = z.length;
  const m = z[0]!.length;
  const out: Matrix = z.map((row) => row.map(() => 0));
  for (let j = 0; j < m; j++) {
    let max = -Infinity;
    for (let i = 0; i < k; i++) max = Math.max(max, z[i]![j]!);
    let total = 0;
    for (let i = 0; i < k; i++) total += Math.exp(z[i]![j]! - max);
    for (let i = 0; i < k; i++) out[i]![j] = Math.exp(z[i]![j]! - max) / total;
  }
  return out;
}
export function softmaxCeRef(z: Matrix, y: Matrix): Matrix {
  const p = softmaxRef(z);
  return map2(y, p, (y, p) => (y === 0 ? 0 : -y * Math.log(p)));
}
export const oneHotRef = (labels: number[], k: number): Matrix =>
  Array.from({ length: k }, (_, i) => labels.map((c) => (c === i ? 1 : 0)));

export const mseRef = (a: Matrix, b: Matrix): Matrix => map2(a, b, (a, b) => (a - b) ** 2);

// ---- test data ---------------------------------------------------------------------------------

export const probabilities = (k: number, m: number, seed: number): Matrix => matrix(rand([k, m], { rng: rng(seed), dtype: "float64", low: 0.05, high: 0.95 }));
export const binaryLabels = (k: number, m: number, seed: number): Matrix => matrix(rand([k, m], { rng: rng(seed), dtype: "float64" })).map((r) => r.map((u) => (u < 0.5 ? 1 : 0)));
export const normals = (k: number, m: number, seed: number, scale = 1): Matrix => matrix(randn([k, m], { rng: rng(seed), dtype: "float64" })).map((r) => r.map((v) => v * scale));

// k = 3 rows exercise the rule "sum over rows, then reduce over examples" (mean = sum / m, not / km).
export const K = 3;
export const M = 4;
export const P = probabilities(K, M, 1);
export const Y = binaryLabels(K, M, 2);
export const Z = normals(K, M, 3, 2);
export const SOFT = softmaxRef(normals(K, M, 4)); // probability labels: columns sum to 1
export const CLASSES = [2, 0, 1, 2];

/** The loss value and the gradient of its sum with respect to the first argument. */
export function valueAndGradient(loss: (x: Variable) => Variable, x: Variable): { value: Variable; gradient: Tensor } {
  const value = loss(x);
  sum(value).backward();
  return { value, gradient: x.grad! };
}

export function expectLoss(value: Variable, expected: number | Matrix, reduction: Reduction, m: number, rtol = 1e-12): void {
  expect(value.shape).toEqual(reduction === "none" ? [1, m] : []);
  expect(value.data).toAllClose(expected, { rtol, atol: 1e-14 });
}
