// Convolutions: the forward product against a direct loop written here from the definition, the
// two backward products through the adjoint identities Σ conv2d(x, w)·dy = Σ x·conv2dInput(dy) =
// Σ w·conv2dWeight(x, dy), the WebAssembly kernels against the TypeScript ones (both dtypes, one
// and two threads, chunked positions, fewer images than threads, strided views), and the errors.
import { afterEach, describe, expect, it } from "vitest";
import {
  DTypeError, ShapeError, ValueError, conv2d, conv2dInput, conv2dWeight, kernelOptions, kernelsReady, setKernelOptions,
  tensor, zeros, type Conv2dOptions, type DType, type Tensor,
} from "@strata/tensor";
import { lastBackend } from "../src/dispatch/dispatch.js";
import { THRESHOLDS } from "../src/dispatch/thresholds.js";
import { layouts, onTypeScript, sample, thrown } from "./reference.js";

const initial = kernelOptions();
afterEach(() => setKernelOptions({ wasm: initial.wasm, threads: initial.threads }));

/** y = conv2d(x, w) + b straight from the definition, one output at a time (zeros outside x). */
function direct(x: Tensor, w: Tensor, b: Tensor | null, pads: [number, number], o: { stride: [number, number]; dilation: [number, number]; groups: number; out: [number, number] }): Tensor {
  const [n, c, h, wd] = x.shape as number[];
  const [oc, cg, kh, kw] = w.shape as number[];
  const [oh, ow] = o.out;
  const y: number[] = [];
  const og = oc! / o.groups;
  for (let i = 0; i < n!; i++) for (let f = 0; f < oc!; f++) for (let r = 0; r < oh; r++) for (let q = 0; q < ow; q++) {
    let s = b ? b.get(f) : 0;
    const group = Math.floor(f / og);
    for (let ch = 0; ch < cg!; ch++) for (let a = 0; a < kh!; a++) for (let bb = 0; bb < kw!; bb++) {
      const ih = r * o.stride[0] - pads[0] + a * o.dilation[0];
      const iw = q * o.stride[1] - pads[1] + bb * o.dilation[1];
      if (ih >= 0 && ih < h! && iw >= 0 && iw < wd!) s += w.get(f, ch, a, bb) * x.get(i, group * cg! + ch, ih, iw);
    }
    y.push(s);
  }
  void c;
  return tensor(y, { dtype: "float64" }).reshape([n!, oc!, oh, ow]);
}

const dot = (a: Tensor, b: Tensor): number => a.cast("float64").mul(b.cast("float64")).sum().item();

interface Case { name: string; x: number[]; w: number[]; options: Conv2dOptions; pads: [number, number]; stride: [number, number]; dilation: [number, number]; groups: number; out: [number, number] }
// every case has more than wasmConv multiply-adds, so that the WebAssembly run really uses the kernels
const CASES: Case[] = [
  { name: "3 × 3, no padding", x: [4, 3, 10, 9], w: [4, 3, 3, 3], options: {}, pads: [0, 0], stride: [1, 1], dilation: [1, 1], groups: 1, out: [8, 7] },
  { name: "stride [2, 1], padding [1, 2], dilation [1, 2]", x: [4, 2, 9, 8], w: [3, 2, 3, 2], options: { stride: [2, 1], padding: [1, 2], dilation: [1, 2] }, pads: [1, 2], stride: [2, 1], dilation: [1, 2], groups: 1, out: [5, 10] },
  { name: '"same" with kernel (2, 4): one more zero after', x: [4, 2, 7, 8], w: [3, 2, 2, 4], options: { padding: "same" }, pads: [0, 1], stride: [1, 1], dilation: [1, 1], groups: 1, out: [7, 8] },
  { name: "groups 2, stride 2", x: [4, 4, 10, 9], w: [6, 2, 3, 3], options: { groups: 2, stride: 2 }, pads: [0, 0], stride: [2, 2], dilation: [1, 1], groups: 2, out: [4, 4] },
  { name: "depthwise, dilation 2, \"same\"", x: [4, 3, 8, 8], w: [3, 1, 3, 3], options: { groups: 3, dilation: 2, padding: "same" }, pads: [2, 2], stride: [1, 1], dilation: [2, 2], groups: 3, out: [8, 8] },
  { name: "no padding, stride [2, 1], dilation [1, 2]: every tap inside", x: [4, 2, 11, 10], w: [3, 2, 3, 2], options: { stride: [2, 1], dilation: [1, 2] }, pads: [0, 0], stride: [2, 1], dilation: [1, 2], groups: 1, out: [5, 8] },
  { name: "1 × 1", x: [8, 3, 8, 8], w: [5, 3, 1, 1], options: {}, pads: [0, 0], stride: [1, 1], dilation: [1, 1], groups: 1, out: [8, 8] },
];

describe("conv2d and its gradients, by definition", () => {
  for (const wasm of [false, true]) {
    for (const c of CASES) {
      it.runIf(!wasm || initial.wasmAvailable)(`${wasm ? "WebAssembly" : "TypeScript"}: ${c.name}`, () => {
        setKernelOptions({ wasm });
        const x = sample(c.x, "float64", 1);
        const w = sample(c.w, "float64", 2);
        const b = sample([c.w[0]!], "float64", 3);
        const y = conv2d(x, w, b, c.options);
        expect(lastBackend["conv"]).toBe(wasm ? "wasm" : "js");
        expect(y).toAllClose(direct(x, w, b, c.pads, c), { rtol: 1e-12, atol: 1e-12 });
        const dy = sample(y.shape, "float64", 4);
        const base = dot(conv2d(x, w, null, c.options), dy);
        expect(dot(x, conv2dInput(x.shape, w, dy, c.options))).toBeCloseTo(base, 9);
        expect(dot(w, conv2dWeight(x, w.shape, dy, c.options))).toBeCloseTo(base, 9);
      });
    }
  }
});

describe.runIf(initial.wasmAvailable)("the WebAssembly convolutions against the TypeScript ones", () => {
  // big enough for the kernels; the unfolded matrices of [2, 3, 40, 40] (K·P = 27·1600) and
  // [2, 3, 60, 50] (27·1344, no padding: every tap inside) exceed convChunk, so their positions are
  // processed in chunks (the second's start inside output rows); [1, 4, 13, 12] has fewer images than threads.
  // In float32 the weight gradients of [4, 3, 11, 9] (5 × 27) and [2, 3, 60, 50] (4 × 27) are summed
  // transposed (less tile padding), those of the grouped and 1 × 1 shapes are not. [3, 4, 11, 10]
  // unfolds each group's channels on the unpadded path (every tap inside the image)
  const shapes: [number[], number[], Conv2dOptions][] = [
    [[4, 3, 11, 9], [5, 3, 3, 3], { padding: 1 }],
    [[1, 4, 13, 12], [6, 2, 3, 2], { groups: 2, stride: [2, 1], dilation: [1, 2], padding: [2, 1] }],
    [[3, 6, 8, 8], [6, 1, 3, 3], { groups: 6, padding: "same" }],
    [[2, 3, 40, 40], [4, 3, 3, 3], { padding: 1 }],
    [[2, 3, 60, 50], [4, 3, 3, 3], { stride: [2, 1], dilation: [2, 1] }],
    [[3, 5, 9, 10], [4, 5, 5, 3], {}],
    [[3, 4, 11, 10], [6, 2, 3, 3], { groups: 2, dilation: [2, 1] }],
    [[3, 8, 6, 6], [5, 8, 1, 1], {}],
  ];
  it("the chunked shapes really are chunked, the second within rows", () => {
    expect(27 * 40 * 40).toBeGreaterThan(THRESHOLDS.convChunk);
    expect(27 * 28 * 48).toBeGreaterThan(THRESHOLDS.convChunk);
    expect(Math.floor(THRESHOLDS.convChunk / 27 / 8) * 8 % 48).not.toBe(0);
  });

  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const threads of [1, 2]) {
      it(`${dtype}, ${threads} thread${threads > 1 ? "s" : ""}: forward, input and weight gradients`, async () => {
        setKernelOptions({ threads });
        await kernelsReady();
        const tol = dtype === "float32" ? { rtol: 1e-4, atol: 1e-4 } : { rtol: 1e-11, atol: 1e-11 };
        for (const [xs, ws, o] of shapes) {
          const x = sample(xs, dtype, 5);
          const w = sample(ws, dtype, 6);
          const b = sample([ws[0]!], dtype, 7);
          const y = conv2d(x, w, b, o);
          expect(lastBackend["conv"], `${xs}`).toBe("wasm");
          const dy = sample(y.shape, dtype, 8);
          const dx = conv2dInput(xs, w, dy, o);
          const dw = conv2dWeight(x, ws, dy, o);
          expect(y, `forward ${xs}`).toAllClose(onTypeScript(() => conv2d(x, w, b, o)), tol);
          expect(dx, `input ${xs}`).toAllClose(onTypeScript(() => conv2dInput(xs, w, dy, o)), tol);
          expect(dw, `weight ${xs}`).toAllClose(onTypeScript(() => conv2dWeight(x, ws, dy, o)), { ...tol, atol: tol.atol * 10 });
          expect(y.dtype).toBe(dtype);
        }
      });
    }
  }

  it("reads transposed and strided views as their values", () => {
    const x = sample([3, 2, 7, 6], "float32", 9);
    const w = sample([4, 2, 3, 3], "float32", 10);
    const want = conv2d(x, w, null, { padding: 1 });
    for (const view of layouts(x)) expect(conv2d(view.t, w, null, { padding: 1 }), view.name).toAllClose(want, { rtol: 1e-6, atol: 1e-6 });
    for (const view of layouts(w)) expect(conv2d(x, view.t, null, { padding: 1 }), view.name).toAllClose(want, { rtol: 1e-6, atol: 1e-6 });
  });

  it("takes small convolutions to TypeScript below wasmConv multiply-adds", () => {
    conv2d(sample([1, 1, 3, 3], "float32"), sample([1, 1, 2, 2], "float32"));
    expect(lastBackend["conv"]).toBe("js");
  });
});

describe("bad input", () => {
  const x = zeros([32, 1, 28, 28]);
  const w = zeros([8, 3, 5, 5]);
  it("names the op, the shapes and what was expected", () => {
    expect(thrown(() => conv2d(x, w))).toBeInstanceOf(ShapeError);
    expect(thrown(() => conv2d(x, w)).message).toBe("conv2d: expected input (N, C, H, W) with C = 3 (weight (8,3,5,5)), got (32,1,28,28)");
    expect(thrown(() => conv2d(zeros([32, 784]), zeros([8, 1, 5, 5]))).message).toBe("conv2d: expected input (N, C, H, W), got (32,784)");
    expect(thrown(() => conv2d(zeros([1, 1, 3, 3]), zeros([1, 1, 5, 5]))).message).toMatch(/conv2d: the kernel spans \(5,5\) .* more than the padded input \(3,3\)/);
    expect(thrown(() => conv2d(zeros([1, 4, 5, 5]), zeros([3, 2, 3, 3]), null, { groups: 2 })).message).toMatch(/groups 2 must divide the 3 output channels/);
    expect(thrown(() => conv2d(zeros([1, 3, 5, 5]), zeros([3, 1, 3, 3]), null, { groups: 2 })).message).toMatch(/with C = 2 \(weight \(3,1,3,3\) × groups 2\), got \(1,3,5,5\)/);
    expect(thrown(() => conv2d(zeros([1, 3, 5, 5]), zeros([4, 3, 3, 3]), zeros([3]))).message).toBe("conv2d: expected bias (4) for weight (4,3,3,3), got (3)");
    expect(thrown(() => conv2dInput([1, 3, 5, 5], zeros([4, 3, 3, 3]), zeros([1, 4, 2, 3]))).message).toMatch(/conv2dInput: expected gradOutput \(1,4,3,3\)/);
  });
  it("refuses strides, dilations and groups below 1, negative padding, \"same\" with a stride", () => {
    const a = zeros([1, 1, 5, 5]);
    const k = zeros([1, 1, 3, 3]);
    for (const [options, pattern] of [
      [{ stride: 0 }, /conv2d: stride must be an integer ≥ 1 or a pair \[h, w\] of them, got 0/],
      [{ stride: [1, -2] }, /stride must be .* got \[1, -2\]/],
      [{ dilation: 1.5 }, /dilation must be an integer ≥ 1/],
      [{ padding: -1 }, /padding must be an integer ≥ 0/],
      [{ padding: "full" }, /padding must be a number, a pair \[h, w\], "same" or "valid", got "full"/],
      [{ groups: 0 }, /groups must be an integer ≥ 1, got 0/],
      [{ padding: "same", stride: 2 }, /padding "same" needs stride 1/],
    ] as [Conv2dOptions, RegExp][]) {
      const e = thrown(() => conv2d(a, k, null, options));
      expect(e, JSON.stringify(options)).toBeInstanceOf(ValueError);
      expect(e.message).toMatch(pattern);
    }
  });
  it("refuses mixed or integer dtypes", () => {
    expect(thrown(() => conv2d(zeros([1, 1, 3, 3], { dtype: "float64" }), zeros([1, 1, 2, 2])))).toBeInstanceOf(DTypeError);
    expect(thrown(() => conv2d(zeros([1, 1, 3, 3], { dtype: "float64" }), zeros([1, 1, 2, 2]))).message).toBe(
      "conv2d: x is float64 (1,1,3,3) but weight is float32 (1,1,2,2); cast one of them so both have the same dtype",
    );
    expect(thrown(() => conv2d(zeros([1, 1, 3, 3], { dtype: "int32" }), zeros([1, 1, 2, 2], { dtype: "int32" }))).message).toMatch(/conv2d: input must be float32 or float64, got int32/);
  });
  it("gives an empty batch an empty result without a kernel", () => {
    expect(conv2d(zeros([0, 2, 5, 5]), zeros([3, 2, 3, 3])).shape).toEqual([0, 3, 3, 3]);
    expect(conv2dWeight(zeros([0, 2, 5, 5]), [3, 2, 3, 3], zeros([0, 3, 3, 3])).toArray()).toEqual(zeros([3, 2, 3, 3]).toArray());
  });
});
