// activationGradient: the SIMD kernel's dZ = dA·g'(·) against the derivative written out by hand
// per element, for every activation of the table, both float dtypes, contiguous and strided
// operands, and the TypeScript path (the table's formula over tensor ops) against the same.
import { describe, expect, it } from "vitest";
import { activationGradient, tensor, type DType, type Tensor } from "@strata/tensor";
import { lastBackend } from "../src/dispatch/dispatch.js";
import { THRESHOLDS } from "../src/dispatch/thresholds.js";
import { onTypeScript, pseudoRandom, thrown } from "./reference.js";

// g'(·) by hand, from Z (relu, leakyRelu) or from A (sigmoid, tanh)
const byHand: Record<string, (s: number, alpha: number) => number> = {
  relu: (z) => (z > 0 ? 1 : 0),
  leakyRelu: (z, alpha) => (z > 0 ? 1 : alpha),
  sigmoid: (a) => a * (1 - a),
  tanh: (a) => 1 - a * a,
};

function expected(dA: Tensor, saved: Tensor, name: string, alpha: number): number[] {
  const g = Array.from(dA.toTypedArray());
  const s = Array.from(saved.toTypedArray());
  return g.map((v, i) => v * byHand[name]!(s[i]!, alpha));
}

const n = THRESHOLDS.wasmMap * 2 + 7;

describe("activationGradient", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const name of Object.keys(byHand) as ("relu" | "leakyRelu" | "sigmoid" | "tanh")[]) {
      it(`${name}, ${dtype}: the kernel and the TypeScript formula agree with the derivative by hand`, () => {
        const dA = tensor(pseudoRandom(n, 3), { dtype });
        // values where the derivative is read: A in (0, 1) or (−1, 1) for sigmoid and tanh, Z around 0 (0 itself included) for the others
        const raw = pseudoRandom(n, 4, name === "sigmoid" ? 0 : -1, 1);
        raw[5] = 0;
        const saved = tensor(raw, { dtype });
        const want = expected(dA, saved, name, 0.2);
        const tol = dtype === "float32" ? 1e-6 : 1e-15;
        const fast = activationGradient(name, dA, saved, 0.2);
        expect(lastBackend["activationGrad"]).toBe("wasm");
        const slow = onTypeScript(() => activationGradient(name, dA, saved, 0.2));
        for (const got of [fast, slow]) {
          expect(got.dtype).toBe(dtype);
          const values = Array.from(got.toTypedArray());
          const worst = Math.max(...values.map((v, i) => Math.abs(v - want[i]!) / Math.max(1, Math.abs(want[i]!))));
          expect(worst).toBeLessThan(tol);
        }
      });
    }
  }

  it("reads strided operands (a transposed view) through their strides", () => {
    const rows = 96;
    const cols = 96;
    const dA = tensor(pseudoRandom(rows * cols, 7), { shape: [rows, cols] }).T;
    const Z = tensor(pseudoRandom(rows * cols, 8), { shape: [cols, rows] });
    const got = Array.from(activationGradient("relu", dA, Z).toTypedArray());
    expect(lastBackend["activationGrad"]).toBe("wasm");
    const g = Array.from(dA.contiguous().toTypedArray());
    const z = Array.from(Z.toTypedArray());
    expect(got).toEqual(g.map((v, i) => (z[i]! > 0 ? v : 0)).map((v) => Math.fround(v)));
  });

  it("refuses mismatched shapes, dtypes and unknown activations, naming them", () => {
    expect(thrown(() => activationGradient("relu", tensor([1, 2]), tensor([1, 2, 3]))).message).toBe(
      "activationGradient(relu): dA (2) and the saved Z (3) must have the same shape",
    );
    expect(thrown(() => activationGradient("tanh", tensor([1]), tensor([1], { dtype: "float64" }))).message).toBe(
      "activationGradient(tanh): expected dA and the saved tensor both float32 or both float64, got float32 and float64",
    );
    expect(thrown(() => activationGradient("softsign" as "relu", tensor([1]), tensor([1]))).message).toMatch(/unknown activation "softsign"/);
  });
});
