// Products under record/replay: matmul (2-D, 1-D promotion, batched, broadcast batches, k = 0),
// dot and outer; the fused Dense forward and backward and activationGradient, on the WebAssembly
// kernels and on the TypeScript ones (where the op layer composes them), both float dtypes,
// contiguous and transposed operands, below and above the product threshold.
import { describe, expect, it } from "vitest";
import * as T from "@strata/tensor";
import type { DenseActivation, DType, Tensor } from "@strata/tensor";
import { THRESHOLDS } from "../src/dispatch/thresholds.js";
import { lastBackend } from "../src/dispatch/dispatch.js";
import { onTypeScript, sample } from "./reference.js";
import { checkReplay, refill } from "./replay-check.js";

/** An (r, c) operand, contiguous or as the transpose of a (c, r) one. */
const operand = (r: number, c: number, dtype: DType, seed: number, transposed: boolean): Tensor =>
  transposed ? sample([c, r], dtype, seed).T : sample([r, c], dtype, seed);

// 2 × 3 × 4 = 24 multiply-adds stays on TypeScript; 12 × 20 × 16 = 3840 goes to the kernels
const SIZES: [number, number, number][] = [[2, 3, 4], [12, 20, 16]];
expect(12 * 20 * 16).toBeGreaterThan(THRESHOLDS.wasmProduct);
expect(2 * 3 * 4).toBeLessThan(THRESHOLDS.wasmProduct);

describe("replay of matmul", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const [m, k, n] of SIZES) {
      it(`${dtype}, ${m}×${k} · ${k}×${n}: every pair of layouts, then a batch, a broadcast batch and vectors`, () => {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            const a = operand(m, k, dtype, 1, ta);
            const b = operand(k, n, dtype, 2, tb);
            checkReplay(() => T.matmul(a, b), () => refill(a, b), { name: `transposed ${ta}, ${tb}` });
          }
        }
        const stackA = sample([3, m, k], dtype, 3);
        const stackB = sample([3, k, n], dtype, 4);
        const shared = sample([k, n], dtype, 5);
        const crossed = sample([2, 1, m, k], dtype, 6);
        checkReplay(
          () => [T.matmul(stackA, stackB), T.matmul(stackA, shared), T.matmul(crossed, stackB), T.matmul(stackA.transpose([0, 2, 1]).transpose([0, 2, 1]), stackB.transpose([1, 0, 2]).transpose([1, 0, 2]))],
          () => refill(stackA, stackB, shared, crossed),
        );
        const v = sample([k], dtype, 7);
        const w = sample([k], dtype, 8);
        const u = sample([n], dtype, 9);
        checkReplay(() => [T.matmul(v, shared), T.matmul(stackA, v), T.dot(v, w), T.outer(v, u)], () => refill(v, w, u, shared, stackA));
      });
    }
  }

  it("int32 products, and a float64 by float32 product", () => {
    const a = sample([4, 5], "int32", 1);
    const b = sample([5, 3], "int32", 2);
    const c = sample([5, 3], "float32", 3);
    const d = sample([4, 5], "float64", 4);
    checkReplay(() => [T.matmul(a, b), T.matmul(d, c)], () => refill(a, b, c, d));
  });

  it("a product over k = 0 writes its zeros on every run, even into a buffer written in between", () => {
    const a = T.zeros([3, 0]);
    const b = T.zeros([0, 2]);
    const { result, recording } = T.record(() => T.matmul(a, b));
    result.data.fill(7);
    T.replay(recording);
    expect(Array.from(result.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("the large float32 product ran on the WebAssembly kernels, the small one on TypeScript", () => {
    const a = sample([12, 20], "float32", 1);
    const b = sample([20, 16], "float32", 2);
    checkReplay(() => T.matmul(a, b), () => refill(a, b));
    expect(lastBackend["product"]).toBe("wasm");
    const s = sample([2, 3], "float32", 3);
    checkReplay(() => T.matmul(s, s.T), () => refill(s));
    expect(lastBackend["product"]).toBe("js");
  });
});

const ACTIVATIONS: DenseActivation[] = ["identity", "relu", "leakyRelu", "sigmoid", "tanh"];

/** A Dense layer's operands: W (n × k), X (k × m), b (n × 1), dA (n × m); X transposed if asked. */
function layer(n: number, k: number, m: number, dtype: DType, transposed: boolean) {
  return {
    W: sample([n, k], dtype, 1),
    X: operand(k, m, dtype, 2, transposed),
    b: sample([n, 1], dtype, 3),
    dA: sample([n, m], dtype, 4),
  };
}

describe("replay of the fused Dense layer", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const [n, k, m] of [[3, 4, 2], [16, 24, 20]] as const) {
      for (const path of ["default", "TypeScript"] as const) {
        const run = <R>(f: () => R): R => (path === "TypeScript" ? onTypeScript(f) : f());
        it(`${dtype}, W ${n}×${k} on ${m} examples, ${path} kernels: forward and backward of every activation`, () => {
          for (const transposed of [false, true]) {
            const { W, X, b, dA } = layer(n, k, m, dtype, transposed);
            for (const g of ACTIVATIONS) {
              const name = `${g}, X transposed ${transposed}`;
              run(() => checkReplay(() => T.denseForward(W, X, b, g, { alpha: 0.1 }), () => refill(W, X, b), { name }));
              const { Z, A } = T.denseForward(W, X, b, g, { alpha: 0.1 });
              run(() => checkReplay(() => T.denseBackward(dA, X, W, Z, A, g, { alpha: 0.1, scale: 0.5 }), () => refill(dA, X, W, Z, A), { name }));
              run(() => checkReplay(() => T.denseBackward(dA, X, W, Z, A, g, { needs: [false, true, false] }), () => refill(dA, X, W, Z, A), { name }));
            }
          }
        });
      }
    }
  }

  it("the large fused layer ran on the WebAssembly kernels", () => {
    const { W, X, b } = layer(16, 24, 20, "float32", false);
    checkReplay(() => T.denseForward(W, X, b, "relu"), () => refill(W, X, b));
    expect(lastBackend["dense"]).toBe("wasm");
  });
});

describe("replay of activationGradient", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    // 90 × 50 = 4500 elements reach the kernel (wasmMap); 5 × 4 do not
    for (const [r, c] of [[5, 4], [90, 50]] as const) {
      it(`${dtype}, ${r}×${c}: every activation, contiguous and transposed dA`, () => {
        for (const g of ACTIVATIONS) {
          for (const transposed of [false, true]) {
            const dA = operand(r, c, dtype, 1, transposed);
            const saved = sample([r, c], dtype, 2, g === "sigmoid" ? 0 : -1, 1);
            // the identity returns dA itself: no work of its own, nothing to replay
            if (g === "identity") {
              expect(T.activationGradient(g, dA, saved)).toBe(dA);
              continue;
            }
            checkReplay(() => T.activationGradient(g, dA, saved, 0.2), () => refill(dA, saved), { name: `${g} ${transposed}` });
          }
        }
      });
    }
  }

  it("a large contiguous one ran on the WebAssembly kernel", () => {
    const dA = sample([90, 50], "float32", 1);
    const z = sample([90, 50], "float32", 2);
    checkReplay(() => T.activationGradient("relu", dA, z), () => refill(dA, z));
    expect(lastBackend["activationGrad"]).toBe("wasm");
  });
});
