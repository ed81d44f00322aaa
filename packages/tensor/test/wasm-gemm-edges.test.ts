// The kernels' module instantiated here on a memory of its own and its products called directly,
// below the staging and thread split of src/backends/wasm/gemm.ts: products on every edge of the 4 × 8
// register tile, of the k block (256) and of the row block (64), with row-major, transposed and
// strided operands, against sums in float64 within the documented bound k·ε·Σ|aᵢₚbₚⱼ|; and the
// contract that makes thread splits invisible: a product computed in row or column blocks has the
// same bits as in one call.
import { describe, expect, it } from "vitest";
import { kernelOptions } from "@strata/tensor";
import { kernelsWasmBase64 } from "../src/backends/wasm/binary.js";
import { decodeBase64 } from "../src/platform/base64.js";
import type { KernelExports } from "../src/backends/wasm/runtime.js";
import { pseudoRandom } from "./reference.js";

const wasmAvailable = kernelOptions().wasmAvailable;

interface Loaded {
  kernels: KernelExports;
  memory: { buffer: SharedArrayBuffer; grow(pages: number): number };
}

const WasmApi = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Memory: new (d: object) => Loaded["memory"]; Instance: new (m: object, i: object) => { exports: object } } }).WebAssembly;

function load(): Loaded {
  const memory = new WasmApi.Memory({ initial: 256, maximum: 65536, shared: true });
  const instance = new WasmApi.Instance(new WasmApi.Module(decodeBase64(kernelsWasmBase64)), { env: { memory } });
  return { kernels: instance.exports as unknown as KernelExports, memory };
}

type Layout = "row-major" | "transposed" | "strided";

/** A rows × cols matrix laid out in the memory at `at` (element units), and its strides. */
function place(view: Float32Array | Float64Array, at: number, values: number[], rows: number, cols: number, layout: Layout): [number, number] {
  const [rs, cs] = layout === "row-major" ? [cols, 1] : layout === "transposed" ? [1, rows] : [2 * cols + 3, 2];
  values.forEach((v, e) => (view[at + Math.floor(e / cols) * rs + (e % cols) * cs] = v));
  return [rs, cs];
}

/** The product's bits from `kernels`, C computed whole or as `blocks` calls on row or column ranges. */
function product(
  { kernels, memory }: Loaded, wide: boolean, m: number, k: number, n: number, la: Layout, lb: Layout, split: "none" | "rows" | "columns" = "none",
): { c: number[]; a: number[]; b: number[] } {
  const size = wide ? 8 : 4;
  const a = pseudoRandom(m * k, m + 7 * k).map((v) => (wide ? v : Math.fround(v)));
  const b = pseudoRandom(k * n, n + 11 * k).map((v) => (wide ? v : Math.fround(v)));
  const A = 65536 / size;
  const B = A + 2 * (2 * m * k + 3 * m + 8);
  const C = B + 2 * (2 * k * n + 3 * k + 8);
  const ws = (C + m * n + 64) * size;
  const needed = ws + kernels.workspaceBytes(size) + 64;
  if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
  const fresh = wide ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
  const [ars, acs] = place(fresh, A, a, m, k, la);
  const [brs, bcs] = place(fresh, B, b, k, n, lb);
  fresh.fill(Number.NaN, C, C + m * n); // every element must be written
  const gemm = wide ? kernels.gemmF64 : kernels.gemmF32;
  const blocks: [number, number, number, number][] =
    split === "rows" ? [[0, 8, 0, n], [8, m - 8, 0, n]] : split === "columns" ? [[0, m, 0, 16], [0, m, 16, n - 16]] : [[0, m, 0, n]];
  for (const [i0, rows, j0, cols] of blocks) {
    gemm(rows, cols, k, (A + i0 * ars) * size, ars, acs, (B + j0 * bcs) * size, brs, bcs, (C + i0 * n + j0) * size, n, ws);
  }
  return { c: Array.from(fresh.subarray(C, C + m * n)), a, b };
}

/** Each element within k·ε·Σ_p|a_ip·b_pj| of the product summed in float64. */
function expectWithinBound(c: number[], a: number[], b: number[], m: number, k: number, n: number, wide: boolean, label: string): void {
  const eps = wide ? 2 ** -52 : 2 ** -24;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let abs = 0;
      for (let p = 0; p < k; p++) {
        sum += a[i * k + p]! * b[p * n + j]!;
        abs += Math.abs(a[i * k + p]! * b[p * n + j]!);
      }
      const got = c[i * n + j]!;
      if (!(Math.abs(got - sum) <= k * eps * abs)) throw new Error(`${label}: C[${i},${j}] is ${got}, expected ${sum} within ${k * eps * abs}`);
    }
  }
}

describe.runIf(wasmAvailable)("the product kernels, called directly", () => {
  // 1, tile − 1, tile, tile + 1 for rows (4) and columns (8); k across the 256 block; m across 64
  const edges: [number, number, number][] = [];
  for (const m of [1, 3, 4, 5]) for (const n of [1, 7, 8, 9]) for (const k of [1, 3]) edges.push([m, k, n]);
  edges.push([63, 255, 17], [64, 256, 16], [65, 257, 15], [13, 513, 33], [70, 40, 23]);

  for (const wide of [false, true]) {
    const dtype = wide ? "float64" : "float32";
    it(`${dtype}: every tile and block edge, row-major, transposed and strided operands`, () => {
      const loaded = load();
      for (const [m, k, n] of edges) {
        for (const [la, lb] of [["row-major", "row-major"], ["transposed", "row-major"], ["row-major", "transposed"], ["strided", "transposed"], ["transposed", "strided"]] as const) {
          const { c, a, b } = product(loaded, wide, m, k, n, la, lb);
          expectWithinBound(c, a, b, m, k, n, wide, `${dtype} ${m}x${k}x${n} ${la}·${lb}`);
        }
      }
    });

    it(`${dtype}: a product in row or column blocks has the bits of one call`, () => {
      const loaded = load();
      // 40 rows: the in-place-B path (m < 64); 90 rows: packed B
      for (const [m, k, n] of [[40, 300, 45], [90, 70, 41]] as const) {
        for (const lb of ["row-major", "transposed"] as const) {
          const whole = product(loaded, wide, m, k, n, "row-major", lb);
          expectWithinBound(whole.c, whole.a, whole.b, m, k, n, wide, `${m}x${k}x${n}`);
          expect(product(loaded, wide, m, k, n, "row-major", lb, "rows").c).toEqual(whole.c);
          expect(product(loaded, wide, m, k, n, "row-major", lb, "columns").c).toEqual(whole.c);
        }
      }
    });
  }
});
