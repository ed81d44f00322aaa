// add, sub, mul, div, maximum and minimum on the WebAssembly kernels (src/backends/wasm/layout.ts):
// every routed layout (same shape, a number on either side, one value per row, a repeated row) on
// row lengths that cross the vector width, against the TypeScript kernels bit for bit, with the
// values that need care (NaN, ±Inf, ±0, subnormals). A counter of kernel calls shows which
// operations were routed, so a comparison cannot pass by both sides running TypeScript.
import { afterEach, describe, expect, it } from "vitest";
import { add, div, kernelOptions, maximum, minimum, mul, setKernelOptions, sub, tensor, type DType, type Tensor, type TensorLike } from "@strata/tensor";
import { kernelRuns } from "../src/backends/wasm/pool.js";
import { onTypeScript, pseudoRandom } from "./reference.js";

const initial = kernelOptions();
afterEach(() => setKernelOptions({ wasm: initial.wasm, threads: initial.threads }));

const OPS = { add, sub, mul, div, maximum, minimum } as const;
type Op = (a: TensorLike, b: TensorLike) => Tensor;

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -3e-39, 5e-324, 1e30, -1e30];

/** Values in [-3, 3] with a special value every 37 elements. */
function data(shape: number[], dtype: DType, seed: number): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  const values = pseudoRandom(n, seed).map((v, i) => (i % 37 === 5 ? SPECIAL[(i / 37 + seed) % SPECIAL.length | 0]! : v));
  return tensor(values, { dtype }).reshape(shape);
}

const runs = (): number => (kernelRuns.binaryF32 ?? 0) + (kernelRuns.binaryF64 ?? 0);

/** op(a, b) on the kernels equals it on the TypeScript kernels element for element (Object.is), and ran on the kernels. */
function expectSame(op: Op, a: TensorLike, b: TensorLike, label: string): void {
  const before = runs();
  const got = op(a, b);
  expect(runs(), `${label}: routed to the WebAssembly kernels`).toBe(before + 1);
  const want = onTypeScript(() => op(a, b));
  expect(got.shape, label).toEqual(want.shape);
  expect(got.dtype, label).toBe(want.dtype);
  expectIdentical(got, want, label);
}

function expectIdentical(got: Tensor, want: Tensor, label: string): void {
  const [g, w] = [got.toTypedArray(), want.toTypedArray()];
  expect(g.length, label).toBe(w.length);
  for (let i = 0; i < w.length; i++) {
    if (!Object.is(g[i], w[i])) throw new Error(`${label}: element ${i} is ${g[i]}, expected ${w[i]}`);
  }
}

const wasmAvailable = kernelOptions().wasmAvailable;
const ROW_LENGTHS = [1, 3, 7, 63, 65, 257];

describe.runIf(wasmAvailable)("binary arithmetic on the WebAssembly kernels", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: same shapes, rows of ${ROW_LENGTHS.join(", ")}, on 1 and 2 threads`, () => {
      for (const threads of [1, 2]) {
        setKernelOptions({ threads });
        for (const cols of ROW_LENGTHS) {
          const rows = Math.ceil(4099 / cols);
          const [a, b] = [data([rows, cols], dtype, cols), data([rows, cols], dtype, cols + 1)];
          for (const [name, op] of Object.entries(OPS)) expectSame(op, a, b, `${dtype} ${name} ${rows}×${cols}`);
        }
      }
    });

    it(`${dtype}: a number on either side, including ones float32 cannot hold`, () => {
      const a = data([4097], dtype, 9);
      for (const s of [2, 0.1, -1 / 3, 1e-45, -0, 0, NaN, Infinity, -Infinity, 3e38, 1e300]) {
        for (const [name, op] of Object.entries(OPS)) {
          expectSame(op, a, s, `${dtype} ${name}(a, ${s})`);
          expectSame(op, s, a, `${dtype} ${name}(${s}, a)`);
        }
      }
    });

    it(`${dtype}: one value per row ((n,1) against (n,m)) and a repeated row ((m,) against (n,m)), either side`, () => {
      for (const cols of ROW_LENGTHS) {
        const rows = Math.ceil(4099 / cols);
        const a = data([rows, cols], dtype, 3 * cols);
        const bias = data([rows, 1], dtype, 5 * cols);
        const row = data([cols], dtype, 7 * cols);
        for (const [name, op] of Object.entries(OPS)) {
          expectSame(op, a, bias, `${dtype} ${name}(a, bias) ${rows}×${cols}`);
          expectSame(op, bias, a, `${dtype} ${name}(bias, a) ${rows}×${cols}`);
          if (cols > 1) {
            expectSame(op, a, row, `${dtype} ${name}(a, row) ${rows}×${cols}`);
            expectSame(op, row, a, `${dtype} ${name}(row, a) ${rows}×${cols}`);
          }
        }
      }
    });
  }

  it("3-D broadcasts, a 0-d tensor, and operands that start past the beginning of their buffers", () => {
    const a = data([7, 9, 66], "float32", 1);
    expectSame(sub, a, data([7, 1, 1], "float32", 2), "(7,9,66) − (7,1,1)");
    expectSame(div, a, data([9, 66], "float32", 3), "(7,9,66) / (9,66)");
    expectSame(mul, data([1, 9, 66], "float32", 4), a, "(1,9,66) · (7,9,66)");
    expectSame(maximum, a, tensor(0.25, { dtype: "float32" }), "maximum with a 0-d tensor");
    const big = data([70, 65], "float64", 5);
    const tail = big.slice([3, null]);
    const column = data([70, 1], "float64", 6).slice([3, null]);
    expectSame(sub, tail, column, "row slices (offset views)");
    expectSame(add, tail, big.slice([3, null]), "two offset views");
  });

  it("the float64 path of a float32 tensor and a number float32 cannot hold is what makes it exact", () => {
    // with 0.1 rounded to float32 first, some products round differently: the test above would see it
    const a = data([4096], "float32", 11);
    const exact = mul(a, 0.1).toTypedArray();
    const viaFloat32 = mul(a, Math.fround(0.1)).toTypedArray();
    expect(Array.from(exact).some((v, i) => !Object.is(v, viaFloat32[i]))).toBe(true);
  });

  it("leaves to the TypeScript kernels what the kernels do not cover, with the same results", () => {
    const ints = [1, 2].map((seed) => onTypeScript(() => data([4096], "float64", seed).mul(100).cast("int32", { unchecked: true })));
    const cases: [string, () => Tensor][] = [
      ["int32", () => add(ints[0]!, ints[1]!)],
      ["mixed float32 and float64", () => add(data([4096], "float32", 1), data([4096], "float64", 2))],
      ["outer sum (n,1) + (1,m)", () => add(data([64, 1], "float32", 1), data([1, 64], "float32", 2))],
      ["transposed operand", () => mul(data([64, 65], "float32", 1).T, data([65, 64], "float32", 2))],
      ["below the threshold", () => add(data([4095], "float32", 1), 1)],
      ["pow", () => data([4096], "float32", 1).pow(2)],
    ];
    for (const [label, f] of cases) {
      const before = runs();
      const got = f();
      expect(runs(), `${label}: not routed`).toBe(before);
      expectIdentical(got, onTypeScript(f), label);
    }
  });
});
