// The WebAssembly matmul kernels against the TypeScript ones (summing in doubles, the reference),
// on odd sizes that cross every tile and block edge, on every operand layout, in both float
// dtypes, and on one, two and three threads.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ValueError, kernelOptions, matmul, setKernelOptions, tensor, type Tensor } from "@strata/tensor";
import { layouts, onTypeScript, sample } from "./reference.js";
import { kernelRuns } from "../src/backends/wasm/pool.js";

const initial = kernelOptions();
afterEach(() => setKernelOptions({ wasm: initial.wasm, threads: initial.threads }));

/** matmul on the TypeScript kernels, which sum in doubles and round once. */
const productOnTypeScript = (a: Tensor, b: Tensor): Tensor => onTypeScript(() => matmul(a, b));

/**
 * Each element of `got` within k·ε·Σ_p|a_ip·b_pj| of `want` (ε = 2^-24 for float32, 2^-52 for
 * float64, the classical bound for a sum of k products), where the Σ|ab| come from `bound`.
 */
function expectWithinSumBound(got: Tensor, want: Tensor, bound: Tensor, k: number, label: string): void {
  const eps = got.dtype === "float32" ? 2 ** -24 : 2 ** -52;
  const [g, w, s] = [got.toTypedArray(), want.toTypedArray(), bound.toTypedArray()];
  expect(g.length, label).toBe(w.length);
  for (let i = 0; i < w.length; i++) {
    const allowed = k * eps * s[i]! + 1e-300;
    if (!(Math.abs(g[i]! - w[i]!) <= allowed)) throw new Error(`${label}: element ${i} is ${g[i]}, expected ${w[i]} within ${allowed}`);
  }
}

const wasmAvailable = kernelOptions().wasmAvailable;

describe.runIf(wasmAvailable)("WebAssembly matmul against the TypeScript kernels", () => {
  const sizes = [1, 3, 7, 63, 65, 257];
  const shapes: [number, number, number][] = [];
  for (const m of sizes) for (const k of [1, 7, 65, 257]) for (const n of [1, 3, 65]) shapes.push([m, k, n]);
  shapes.push([9, 300, 257], [65, 7, 1030]);

  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: ${shapes.length} shapes, contiguous operands`, () => {
      for (const [m, k, n] of shapes) {
        const a = sample([m, k], dtype, m + k);
        const b = sample([k, n], dtype, k + n);
        expectWithinSumBound(matmul(a, b), productOnTypeScript(a, b), productOnTypeScript(a.abs(), b.abs()), k, `${m}x${k} @ ${k}x${n}`);
      }
    });

    it(`${dtype}: the four transposition cases and strided, negative-step views`, () => {
      for (const [m, k, n] of [[63, 65, 7], [7, 257, 65], [65, 3, 257]] as const) {
        const a = sample([m, k], dtype, 5);
        const b = sample([k, n], dtype, 6);
        const want = productOnTypeScript(a, b);
        const bound = productOnTypeScript(a.abs(), b.abs());
        const aT = sample([k, m], dtype, 5);
        const bT = sample([n, k], dtype, 6);
        // Aᵀ and Bᵀ as transposed views of stored matrices: no copy is made
        expectWithinSumBound(matmul(aT.T, b), productOnTypeScript(aT.T, b), productOnTypeScript(aT.T.abs(), b.abs()), k, "Aᵀ·B");
        expectWithinSumBound(matmul(a, bT.T), productOnTypeScript(a, bT.T), productOnTypeScript(a.abs(), bT.T.abs()), k, "A·Bᵀ");
        expectWithinSumBound(matmul(aT.T, bT.T), productOnTypeScript(aT.T, bT.T), productOnTypeScript(aT.T.abs(), bT.T.abs()), k, "Aᵀ·Bᵀ");
        for (const la of layouts(a)) {
          for (const lb of layouts(b)) expectWithinSumBound(matmul(la.t, lb.t), want, bound, k, `${la.name} @ ${lb.name}`);
        }
      }
    });

    it(`${dtype}: broadcast operands (stride 0) and batches`, () => {
      const row = sample([1, 65], dtype, 7);
      const rows = row.broadcastTo([63, 65]);
      expect(rows.strides[0]).toBe(0);
      const b = sample([65, 9], dtype, 8);
      expectWithinSumBound(matmul(rows, b), productOnTypeScript(rows.contiguous(), b), productOnTypeScript(rows.abs(), b.abs()), 65, "broadcast rows");
      const stack = sample([3, 1, 7, 65], dtype, 9);
      const shared = sample([2, 65, 5], dtype, 10);
      expectWithinSumBound(matmul(stack, shared), productOnTypeScript(stack, shared), productOnTypeScript(stack.abs(), shared.abs()), 65, "batched");
    });
  }

  it("int32 operands of a float product are converted on the way in", () => {
    const a = sample([9, 17], "int32", 11);
    const b = sample([17, 5], "float32", 12);
    const c = matmul(a, b);
    expect(c.dtype).toBe("float32");
    expectWithinSumBound(c, productOnTypeScript(a, b), productOnTypeScript(a.abs(), b.abs()), 17, "int32 @ float32");
  });
});

describe.runIf(wasmAvailable)("batched products in one kernel call per thread", () => {
  const runs = (): number => (kernelRuns.gemmBatchedF32 ?? 0) + (kernelRuns.gemmBatchedF64 ?? 0);

  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: stacks on one or several batch axes, transposed and broadcast, against the TypeScript products`, () => {
      const q = sample([2, 3, 17, 8], dtype, 21);
      const k = sample([2, 3, 17, 8], dtype, 22);
      const a = sample([5, 7, 9], dtype, 23);
      const shared = sample([9, 6], dtype, 24);
      const cases: [string, Tensor, Tensor, number][] = [
        ["contiguous stacks, two batch axes", sample([4, 5, 7, 9], dtype, 25), sample([4, 5, 9, 6], dtype, 26), 9],
        ["q·kᵀ with kᵀ a transposed view (attention scores)", q, k.transpose([0, 1, 3, 2]), 8],
        ["transposed stack times one broadcast matrix", a.transpose([0, 2, 1]).contiguous().transpose([0, 2, 1]), shared, 9],
        ["a batch axis of length 1 among others", sample([3, 1, 4, 7, 9], dtype, 27), sample([3, 1, 4, 9, 6], dtype, 28), 9],
      ];
      for (const [label, x, y, inner] of cases) {
        const before = runs();
        const got = matmul(x, y);
        expect(runs(), label).toBeGreaterThan(before);
        expectWithinSumBound(got, productOnTypeScript(x, y), productOnTypeScript(x.abs(), y.abs()), inner, label);
      }
    });

    it(`${dtype}: batches the kernel cannot stage as one copy run one product at a time, with the same values`, () => {
      const reversed = sample([6, 7, 9], dtype, 29).slice([null, null, -1]); // negative batch stride
      const b = sample([6, 9, 5], dtype, 30);
      const mixed = sample([3, 1, 7, 9], dtype, 31); // (3,1) against (1,2): no single batch stride
      const pair = sample([2, 9, 5], dtype, 32);
      for (const [label, x, y] of [["negative batch step", reversed, b], ["two broadcast batch axes", mixed, pair]] as const) {
        const before = runs();
        const got = matmul(x, y);
        expect(runs(), label).toBe(before);
        expectWithinSumBound(got, productOnTypeScript(x, y), productOnTypeScript(x.abs(), y.abs()), 9, label);
      }
    });

    it(`${dtype}: 1, 2 and 3 threads split the batch and give bit-identical results`, () => {
      const x = sample([40, 33, 64], dtype, 33);
      const y = sample([40, 64, 30], dtype, 34);
      const results = [1, 2, 3].map((threads) => {
        setKernelOptions({ threads });
        return matmul(x, y).toTypedArray();
      });
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
      expectWithinSumBound(matmul(x, y), productOnTypeScript(x, y), productOnTypeScript(x.abs(), y.abs()), 64, "3 threads");
    });
  }
});

describe.runIf(wasmAvailable)("threads", () => {
  // each at least 3M multiply-adds, so that three threads really split it (productPerThread is 1M;
  // rows when m > n, columns otherwise)
  const shapes: [number, number, number][] = [[257, 300, 65], [65, 257, 1030], [3, 20000, 63], [300, 65, 300]];

  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: 1, 2 and 3 threads give bit-identical results`, () => {
      for (const [m, k, n] of shapes) {
        const a = sample([m, k], dtype, m);
        const bT = sample([n, k], dtype, n);
        const results = [1, 2, 3].map((threads) => {
          setKernelOptions({ threads });
          return matmul(a, bT.T).toTypedArray();
        });
        expect(results[1], `${m}x${k}x${n}, 2 threads`).toEqual(results[0]);
        expect(results[2], `${m}x${k}x${n}, 3 threads`).toEqual(results[0]);
        expectWithinSumBound(tensor(Array.from(results[1]!), { dtype, shape: [m, n] }), productOnTypeScript(a, bT.T), productOnTypeScript(a.abs(), bT.T.abs()), k, "2 threads");
      }
    });
  }
});

describe("kernel options", () => {
  it("reports what it runs and validates changes", () => {
    expect(kernelOptions().wasm).toBe(kernelOptions().wasmAvailable);
    setKernelOptions({ threads: 3 });
    expect(kernelOptions().threads).toBe(3);
    for (const threads of [0, 1.5, 65, Number.NaN]) {
      expect(() => setKernelOptions({ threads })).toThrow(ValueError);
      expect(() => setKernelOptions({ threads })).toThrow(`setKernelOptions: threads must be an integer from 1 to 64, got ${threads}`);
    }
    expect(kernelOptions().threads).toBe(3);
    setKernelOptions({ wasm: false });
    expect(kernelOptions().wasm).toBe(false);
  });

  it("the committed binary is the one the AssemblyScript source compiles to", () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), "../scripts/build-wasm.mjs");
    expect(() => execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" })).not.toThrow();
  });
});
