// The dispatcher: which backend runs each op at each size, dtype and layout, and that both
// backends give the same values. The thresholds are read from the one module that owns them, so
// the tests probe exactly one element on each side of each.
import { afterEach, describe, expect, it } from "vitest";
import { exp, kernelOptions, matmul, mul, relu, setKernelOptions, sum, tensor, type DType, type Tensor } from "@strata/tensor";
import { lastBackend } from "../src/dispatch/dispatch.js";
import { THRESHOLDS } from "../src/dispatch/thresholds.js";
import { ACTIVATION_OPS, BINARY_CODES, REDUCE_CODES, UNARY_CODES } from "../src/backends/wasm/opcodes.js";
import { binaryKernels, unaryKernels } from "../src/backends/js/elementwise.js";
import { denseActivations } from "../src/activations.js";
import { onTypeScript, pseudoRandom } from "./reference.js";

const initial = kernelOptions();
afterEach(() => setKernelOptions({ wasm: initial.wasm, threads: initial.threads }));

const vector = (n: number, dtype: DType = "float32", seed = 1): Tensor =>
  tensor(pseudoRandom(n, seed).map((v) => (dtype === "int32" ? Math.round(v * 100) : v)), { dtype });

describe("the dispatcher", () => {
  it.runIf(initial.wasmAvailable)("sends a contiguous float map to the WebAssembly backend from wasmMap elements on, and smaller ones to TypeScript", () => {
    for (const [n, want] of [[THRESHOLDS.wasmMap - 1, "js"], [THRESHOLDS.wasmMap, "wasm"]] as const) {
      const x = vector(n);
      const got = exp(x);
      expect(lastBackend["unary"], `exp of ${n}`).toBe(want);
      expect(got).toAllClose(onTypeScript(() => exp(x)), { rtol: 1e-6 });
    }
  });

  it.runIf(initial.wasmAvailable)("keeps on TypeScript what the WebAssembly backend cannot take: int32, a strided view, an op it lacks, wasm switched off", () => {
    const n = THRESHOLDS.wasmMap * 2;
    relu(vector(n, "int32"));
    expect(lastBackend["unary"]).toBe("js");
    relu(vector(n).reshape([2, n / 2]).T);
    expect(lastBackend["unary"]).toBe("js");
    vector(n).sin();
    expect(lastBackend["unary"]).toBe("js");
    relu(vector(n));
    expect(lastBackend["unary"]).toBe("wasm");
    setKernelOptions({ wasm: false });
    relu(vector(n));
    expect(lastBackend["unary"]).toBe("js");
  });

  it.runIf(initial.wasmAvailable)("routes binary ops, products and row reductions by their own thresholds", () => {
    const a = vector(THRESHOLDS.wasmBinary);
    mul(a, 3);
    expect(lastBackend["binary"]).toBe("wasm");
    mul(vector(THRESHOLDS.wasmBinary - 1), 3);
    expect(lastBackend["binary"]).toBe("js");
    // 4 × 4 × 16 = 256 multiply-adds: the WebAssembly product; 4 × 4 × 15 is below
    const m = (k: number) => matmul(vector(4 * k).reshape([4, k]), vector(4 * k, "float32", 2).reshape([k, 4]));
    const big = m(16);
    expect(lastBackend["product"]).toBe("wasm");
    expect(big).toAllClose(onTypeScript(() => m(16)), { rtol: 1e-5 });
    m(15);
    expect(lastBackend["product"]).toBe("js");
    matmul(vector(256, "int32").reshape([16, 16]), vector(256, "int32").reshape([16, 16]));
    expect(lastBackend["product"]).toBe("js");
    const r = vector(THRESHOLDS.wasmReduce);
    const s = sum(r);
    expect(lastBackend["reduce"]).toBe("wasm");
    expect(s.item()).toBeCloseTo(onTypeScript(() => sum(r)).item(), 3);
    sum(vector(THRESHOLDS.wasmReduce - 1));
    expect(lastBackend["reduce"]).toBe("js");
  });

  it("has a TypeScript kernel for every WebAssembly op, so every request has a backend", () => {
    for (const op of Object.keys(UNARY_CODES).filter((name) => name !== "identity")) expect(unaryKernels).toHaveProperty(op);
    for (const op of Object.keys(BINARY_CODES).filter((name) => !name.startsWith("reversed"))) expect(binaryKernels).toHaveProperty(op);
    expect(Object.keys(REDUCE_CODES).sort()).toEqual(["max", "min", "sum"]);
  });

  it("reads each activation's kernel code from the generated table, one entry per activation kernel", () => {
    expect(Object.keys(denseActivations).sort()).toEqual([...ACTIVATION_OPS].sort());
    for (const [name, def] of Object.entries(denseActivations)) {
      expect(def.code, name).toBe(UNARY_CODES[name as keyof typeof UNARY_CODES]);
      expect(def.name).toBe(name);
    }
  });
});
