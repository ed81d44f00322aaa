// Poolings: max pooling against a direct scan written here from PyTorch's rules (first maximum in
// scan order, NaN wins, padding never does), average pooling against the divisor rules written
// out, the backward products through their adjoint identities, the WebAssembly kernels (four-wide
// float32 blocks included) against the TypeScript ones on one and two threads, and the errors.
import { afterEach, describe, expect, it } from "vitest";
import {
  DTypeError, ShapeError, ValueError, adaptiveAvgPool2d, adaptiveAvgPool2dBackward, avgPool2d, avgPool2dBackward, gatherPlanes,
  kernelOptions, kernelsReady, maxPool2dWithIndices, scatterAddPlanes, setKernelOptions, tensor, zeros,
  type AvgPool2dOptions, type DType, type MaxPool2dOptions, type Tensor,
} from "@strata/tensor";
import { lastBackend } from "../src/dispatch/dispatch.js";
import { THRESHOLDS } from "../src/dispatch/thresholds.js";
import { layouts, onTypeScript, sample, thrown } from "./reference.js";

const initial = kernelOptions();
afterEach(() => setKernelOptions({ wasm: initial.wasm, threads: initial.threads }));

const pair = (v: number | readonly number[] | undefined, d: number): number[] => (v === undefined ? [d, d] : typeof v === "number" ? [v, v] : [...v]);
const dot = (a: Tensor, b: Tensor): number => a.cast("float64").mul(b.cast("float64")).sum().item();

/** PyTorch's output length along one axis. */
function outLength(size: number, k: number, p: number, s: number, d: number, ceil: boolean): number {
  let out = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

/** Max pooling by scanning each window in row-major order. */
function scan(x: Tensor, o: MaxPool2dOptions): { values: number[]; indices: number[]; shape: number[] } {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = pair(o.kernelSize, 1) as [number, number];
  const [sh, sw] = pair(o.stride ?? o.kernelSize, 1) as [number, number];
  const [ph, pw] = pair(o.padding, 0) as [number, number];
  const [dh, dw] = pair(o.dilation, 1) as [number, number];
  const oh = outLength(h, kh, ph, sh, dh, o.ceilMode ?? false);
  const ow = outLength(w, kw, pw, sw, dw, o.ceilMode ?? false);
  const values: number[] = [];
  const indices: number[] = [];
  const flat = x.contiguous().toTypedArray();
  for (let plane = 0; plane < n * c; plane++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let best = -Infinity;
    let index = -1;
    for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
      const r = i * sh - ph + a * dh;
      const q = j * sw - pw + b * dw;
      if (r < 0 || r >= h || q < 0 || q >= w) continue;
      const v = flat[plane * h * w + r * w + q]!;
      if (index < 0) index = r * w + q;
      if (v > best || Number.isNaN(v)) [best, index] = [v, r * w + q];
    }
    values.push(best);
    indices.push(index);
  }
  return { values, indices, shape: [n, c, oh, ow] };
}

/** Average pooling from PyTorch's divisor rules. */
function average(x: Tensor, o: AvgPool2dOptions): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = pair(o.kernelSize, 1) as [number, number];
  const [sh, sw] = pair(o.stride ?? o.kernelSize, 1) as [number, number];
  const [ph, pw] = pair(o.padding, 0) as [number, number];
  const oh = outLength(h, kh, ph, sh, 1, o.ceilMode ?? false);
  const ow = outLength(w, kw, pw, sw, 1, o.ceilMode ?? false);
  const flat = x.contiguous().toTypedArray();
  const out: number[] = [];
  for (let plane = 0; plane < n * c; plane++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    const [r0, q0] = [i * sh - ph, j * sw - pw];
    const [r1, q1] = [Math.min(r0 + kh, h + ph), Math.min(q0 + kw, w + pw)];
    const padded = (r1 - r0) * (q1 - q0);
    let s = 0;
    let count = 0;
    for (let r = Math.max(r0, 0); r < Math.min(r1, h); r++) for (let q = Math.max(q0, 0); q < Math.min(q1, w); q++, count++) s += flat[plane * h * w + r * w + q]!;
    out.push(s / (o.divisorOverride ?? ((o.countIncludePad ?? true) ? padded : count)));
  }
  return tensor(out, { dtype: "float64" }).reshape([n, c, oh, ow]);
}

const MAX_CASES: MaxPool2dOptions[] = [
  { kernelSize: 2 },
  { kernelSize: 2, stride: 1 },
  { kernelSize: 3, stride: 2, padding: 1, ceilMode: true },
  { kernelSize: [3, 2], stride: [2, 1], padding: [1, 1], dilation: [1, 2], ceilMode: true },
  { kernelSize: 4, stride: 3, padding: 2, dilation: 2 },
  // unpadded ceilMode on a row of 7: the last output's window ends at the row's end, and no
  // four-wide block fits (the vector kernel once read one column past the row here)
  { kernelSize: 2, stride: 2, ceilMode: true },
];

/** Values with ties (small integers), a NaN and a −∞ window, in `dtype`. */
function tricky(shape: number[], dtype: DType, seed: number): Tensor {
  const x = sample(shape, "float64", seed, 0, 3).floor().contiguous();
  const d = x.toTypedArray() as Float64Array;
  d[5] = NaN;
  for (let k = 0; k < shape[3]!; k++) d[d.length - 1 - k] = -Infinity;
  return tensor(Array.from(d), { dtype }).reshape(shape);
}

describe("maxPool2dWithIndices against a direct scan", () => {
  for (const wasm of [false, true]) for (const dtype of ["float32", "float64"] as DType[]) {
    it.runIf(!wasm || initial.wasmAvailable)(`${wasm ? "WebAssembly" : "TypeScript"}, ${dtype}: ties, NaN, −∞, padding, dilation, ceilMode`, () => {
      setKernelOptions({ wasm });
      for (const o of MAX_CASES) {
        for (const shape of [[2, 3, 9, 11], [2, 4, 24, 24], [2, 64, 7, 7]]) {
          const x = tricky(shape, dtype, shape[3]!);
          const want = scan(x, o);
          const got = maxPool2dWithIndices(x, o);
          if (wasm && x.size >= THRESHOLDS.wasmPool) expect(lastBackend["pool"]).toBe("wasm");
          expect(got.values.shape, JSON.stringify(o)).toEqual(want.shape);
          expect(Array.from(got.indices.toTypedArray()), JSON.stringify(o)).toEqual(want.indices);
          expect(Array.from(got.values.toTypedArray()), JSON.stringify(o)).toEqual(want.values.map((v) => (dtype === "float32" ? Math.fround(v) : v)));
        }
      }
    });
  }
});

describe("average poolings against their definitions", () => {
  const cases: AvgPool2dOptions[] = [
    { kernelSize: 2 },
    { kernelSize: 3, stride: 2, padding: 1, ceilMode: true },
    { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false },
    { kernelSize: [2, 3], stride: 1, divisorOverride: 5 },
  ];
  for (const wasm of [false, true]) {
    it.runIf(!wasm || initial.wasmAvailable)(`${wasm ? "WebAssembly" : "TypeScript"}: avgPool2d, its backward by adjointness, adaptive windows`, () => {
      setKernelOptions({ wasm });
      const x = sample([3, 4, 23, 21], "float64", 3);
      for (const o of cases) {
        const y = avgPool2d(x, o);
        expect(y, JSON.stringify(o)).toAllClose(average(x, o), { rtol: 1e-12, atol: 1e-14 });
        const dy = sample(y.shape, "float64", 4);
        expect(dot(x, avgPool2dBackward(dy, x.shape, o))).toBeCloseTo(dot(y, dy), 9);
      }
      // adaptive windows: PyTorch's start ⌊i·H/oH⌋ and end ⌈(i+1)·H/oH⌉, here 23 → 5 rows, 21 → 4 columns
      const a = adaptiveAvgPool2d(x, [5, 4]);
      const rows = [[0, 5], [4, 10], [9, 14], [13, 19], [18, 23]];
      const cols = [[0, 6], [5, 11], [10, 16], [15, 21]];
      const first = x.slice(0, 0).contiguous();
      rows.forEach(([r0, r1], i) => cols.forEach(([c0, c1], j) => {
        expect(a.slice(0, 0, i, j).item()).toBeCloseTo(first.slice([r0!, r1!], [c0!, c1!]).mean().item(), 12);
      }));
      const da = sample(a.shape, "float64", 5);
      expect(dot(x, adaptiveAvgPool2dBackward(da, x.shape))).toBeCloseTo(dot(a, da), 9);
    });
  }
});

describe("gatherPlanes and scatterAddPlanes", () => {
  it("are adjoint, and scatterAddPlanes adds repeated indices", () => {
    const x = sample([2, 3, 4, 5], "float64", 1);
    const indices = tensor(Array.from({ length: 2 * 3 * 6 }, (_, k) => (k * 7) % 20), { dtype: "int32" }).reshape([2, 3, 2, 3]);
    const u = sample([2, 3, 2, 3], "float64", 2);
    expect(dot(gatherPlanes(x, indices), u)).toBeCloseTo(dot(x, scatterAddPlanes(u, indices, [4, 5])), 12);
    const twice = scatterAddPlanes(tensor([[[1, 2, 4]]]), tensor([[[0, 0, 1]]], { dtype: "int32" }), [1, 2]);
    expect(twice.toArray()).toEqual([[[3, 4]]]);
  });
  it("name the op and the index outside its plane", () => {
    const e = thrown(() => gatherPlanes(zeros([1, 2, 2]), tensor([[[0, 4]]], { dtype: "int32" })));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe("gatherPlanes: index 4 at position (0,0,1) of indices (1,1,2) is outside its plane (2,2); expected 0 <= index < 4");
    expect(thrown(() => gatherPlanes(zeros([1, 2, 2]), tensor([[[0, 1]]])))).toBeInstanceOf(DTypeError);
    expect(thrown(() => scatterAddPlanes(zeros([2, 1, 2]), tensor([[[0, 1]]], { dtype: "int32" }), [2, 2])).message).toMatch(/indices \(1,1,2\) must have the shape of updates \(2,1,2\)/);
  });
});

describe.runIf(initial.wasmAvailable)("plane indices outside their plane on the WebAssembly kernels", () => {
  // the kernels check the indices as they go: one job per thread, the bad index in the last plane
  for (const threads of [1, 2]) {
    it(`are named for gather and scatter, negative or too large, ${threads} thread${threads > 1 ? "s" : ""}`, async () => {
      setKernelOptions({ threads });
      await kernelsReady();
      const x = sample([4, 8, 24, 24], "float32", 16);
      const { values, indices } = maxPool2dWithIndices(x, { kernelSize: 2 });
      expect(gatherPlanes(x, indices)).toAllClose(values, { rtol: 0, atol: 0 });
      expect(lastBackend["pool"]).toBe("wasm");
      for (const [k, bad, at] of [[4603, 576, "(3,7,11,7)"], [7, -1, "(0,0,0,7)"]] as const) {
        const broken = indices.clone();
        (broken.data as Int32Array)[k] = bad;
        const expected = `index ${bad} at position ${at} of indices (4,8,12,12) is outside its plane (24,24); expected 0 <= index < 576`;
        expect(thrown(() => gatherPlanes(x, broken)).message).toBe(`gatherPlanes: ${expected}`);
        expect(lastBackend["pool"]).toBe("wasm");
        expect(thrown(() => scatterAddPlanes(values, broken, [24, 24])).message).toBe(`scatterAddPlanes: ${expected}`);
        expect(lastBackend["pool"]).toBe("wasm");
      }
    });
  }
});

describe.runIf(initial.wasmAvailable)("the WebAssembly poolings against the TypeScript ones", () => {
  for (const dtype of ["float32", "float64"] as DType[]) for (const threads of [1, 2]) {
    it(`${dtype}, ${threads} thread${threads > 1 ? "s" : ""}, strided views included`, async () => {
      setKernelOptions({ threads });
      await kernelsReady();
      const x = sample([4, 8, 24, 24], dtype, 7);
      for (const view of layouts(x)) {
        for (const o of MAX_CASES) {
          const got = maxPool2dWithIndices(view.t, o);
          const want = onTypeScript(() => maxPool2dWithIndices(view.t, o));
          expect(got.indices.equals(want.indices), `${view.name} ${JSON.stringify(o)}`).toBe(true);
          expect(got.values.equals(want.values)).toBe(true);
          const g = sample(got.values.shape, dtype, 8);
          expect(scatterAddPlanes(g, got.indices, [24, 24])).toAllClose(onTypeScript(() => scatterAddPlanes(g, got.indices, [24, 24])), { rtol: 1e-6 });
          expect(gatherPlanes(view.t, got.indices).equals(got.values)).toBe(true);
        }
        const o = { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false };
        expect(avgPool2d(view.t, o)).toAllClose(onTypeScript(() => avgPool2d(view.t, o)), { rtol: 1e-6 });
        const dy = sample([4, 8, 13, 13], dtype, 9);
        expect(avgPool2dBackward(dy, x.shape, o)).toAllClose(onTypeScript(() => avgPool2dBackward(dy, x.shape, o)), { rtol: 1e-6 });
      }
    });
  }
});

describe("bad input", () => {
  it("names the op, the shapes and what was expected", () => {
    expect(thrown(() => maxPool2dWithIndices(zeros([32, 784]), { kernelSize: 2 })).message).toBe("maxPool2d: expected input (N, C, H, W), got (32,784)");
    const small = thrown(() => maxPool2dWithIndices(zeros([1, 1, 2, 2]), { kernelSize: 3 }));
    expect(small).toBeInstanceOf(ShapeError);
    expect(small.message).toMatch(/maxPool2d: input \(1,1,2,2\) is too small for kernel \[3, 3\] .* the output would be \(0,0\)/);
    expect(thrown(() => maxPool2dWithIndices(zeros([1, 1, 5, 5]), { kernelSize: 2, padding: 2 })).message).toBe(
      "maxPool2d: padding [2, 2] must be at most half the kernel size [2, 2] (as in PyTorch)",
    );
    expect(thrown(() => avgPool2d(zeros([1, 1, 5, 5]), { kernelSize: 2, stride: 0 })).message).toMatch(/avgPool2d: stride must be an integer ≥ 1/);
    expect(thrown(() => avgPool2d(zeros([1, 1, 5, 5]), { kernelSize: 2, divisorOverride: 0 })).message).toMatch(/divisorOverride must be a nonzero integer, got 0/);
    expect(thrown(() => avgPool2d(zeros([1, 1, 5, 5], { dtype: "int32" }), { kernelSize: 2 }))).toBeInstanceOf(DTypeError);
    expect(thrown(() => adaptiveAvgPool2d(zeros([1, 1, 5, 5]), 0)).message).toMatch(/adaptiveAvgPool2d: outputSize must be an integer ≥ 1/);
    expect(thrown(() => avgPool2dBackward(zeros([1, 1, 3, 3]), [1, 1, 5, 5], { kernelSize: 2 })).message).toMatch(/avgPool2dBackward: expected gradOutput \(1,1,2,2\)/);
  });
});
