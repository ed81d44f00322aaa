// Every WebAssembly kernel with resident operands and results (views on the kernels' memory, used
// in place) against the same kernel on plain arrays (staged in and copied out): the same bits. The
// arena's byte counter shows the resident call staged nothing (or only what it must: workspaces,
// geometry words, a strided operand's copy).
import { describe, expect, it } from "vitest";
import {
  activationGradient, add, avgPool2d, avgPool2dBackward, conv2d, conv2dInput, conv2dWeight, denseBackward, denseForward, div, exp,
  gatherPlanes, isResidentTensor, kernelOptions, makeResident, matmul, maxPool2dWithIndices, maximum, mul, record, relu,
  scatterAddPlanes, sigmoid, sub, sum, tanh, tensor, type DType, type Tensor,
} from "@strata/tensor";
import { arenaClock } from "../src/backends/wasm/runtime.js";
import { lastBackend } from "../src/dispatch/dispatch.js";
import { sample } from "./reference.js";

const wasm = kernelOptions().wasm;

/** A copy of `t` moved into the kernels' memory. */
function resident(t: Tensor): Tensor {
  const c = t.clone();
  expect(makeResident(c)).toBe(true);
  return c;
}

function bits(t: Tensor): number[] {
  const a = t.toTypedArray();
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

type Results = Tensor | readonly (Tensor | null)[];
const list = (r: Results): Tensor[] => (r instanceof Array ? r.filter((t): t is Tensor => t !== null) : [r as Tensor]);

/**
 * Runs `op` on plain inputs and, under record (so that its outputs are resident too), on resident
 * copies; expects the same bits, resident results, and `saved` fewer arena bytes (all of them
 * when `saved` is "all"), and the resident inputs unchanged.
 */
function expectSameBits(op: (...inputs: Tensor[]) => Results, inputs: Tensor[], saved: number | "all"): void {
  const start = arenaClock.bytes;
  const staged = list(op(...inputs));
  const stagedBytes = arenaClock.bytes - start;
  const moved = inputs.map(resident);
  const middle = arenaClock.bytes;
  const { result } = record(() => op(...moved));
  const residentBytes = arenaClock.bytes - middle;
  const outs = list(result);
  expect(outs.length).toBe(staged.length);
  outs.forEach((t, i) => {
    expect(t.shape).toEqual(staged[i]!.shape);
    if (t.size >= 1024 && t.dtype !== "int32") expect(isResidentTensor(t)).toBe(true);
    expect(bits(t)).toEqual(bits(staged[i]!));
  });
  // kernels read resident inputs in place and never write them
  moved.forEach((t, i) => expect(bits(t)).toEqual(bits(inputs[i]!)));
  if (saved === "all") expect(residentBytes).toBe(0);
  else expect(stagedBytes - residentBytes).toBeGreaterThanOrEqual(saved);
}

describe.skipIf(!wasm)("wasm kernels on resident operands", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    const size = dtype === "float64" ? 8 : 4;
    const x = (shape: number[], seed: number): Tensor => sample(shape, dtype, seed);

    it(`${dtype}: products, contiguous, transposed and strided, and batched`, () => {
      const [m, k, n] = [37, 45, 53];
      expectSameBits((a, b) => matmul(a, b), [x([m, k], 1), x([k, n], 2)], (m * k + k * n + m * n) * size);
      expect(lastBackend.product).toBe("wasm");
      expectSameBits((a, b) => matmul(a.T, b.T), [x([k, m], 3), x([n, k], 4)], (m * k + k * n + m * n) * size);
      expectSameBits((a, b) => matmul(a.slice(null, [0, 2 * k, 2]), b.slice([0, 2 * k, 2])), [x([m, 2 * k], 5), x([2 * k, n], 6)], m * n * size);
      expectSameBits((a, b) => matmul(a, b), [x([3, 20, 30], 7), x([3, 30, 25], 8)], 3 * (20 * 30 + 30 * 25 + 20 * 25) * size);
      expectSameBits((a, b) => matmul(a, b.T), [x([3, 20, 30], 9), x([25, 30], 10)], 3 * 20 * 25 * size);
    });

    it(`${dtype}: the Dense layer forward and backward, every output resident`, () => {
      const [nOut, nIn, m] = [40, 30, 64];
      for (const g of ["identity", "relu", "sigmoid"] as const) {
        expectSameBits((W, X, b) => {
          const { Z, A } = denseForward(W, X, b, g);
          return [Z, A];
        }, [x([nOut, nIn], 11), x([nIn, m], 12), x([nOut, 1], 13)], nOut * m * size);
        const ins = [x([nOut, m], 14), x([nIn, m], 15), x([nOut, nIn], 16), x([nOut, m], 17), sigmoid(x([nOut, m], 18))];
        expectSameBits((dA, X, W, Z, A) => {
          const r = denseBackward(dA, X, W, Z, A, g, { scale: 1 / m });
          return [r.dX, r.dW, r.db];
        }, ins, (nIn * m + nOut * nIn) * size);
        // a strided X (a transposed view) still reads in place
        expectSameBits((dA, Xt, W, Z, A) => {
          const r = denseBackward(dA, Xt.T, W, Z, A, g, { scale: 0.5 });
          return [r.dX, r.dW, r.db];
        }, [ins[0]!, x([m, nIn], 19), ins[2]!, ins[3]!, ins[4]!], nIn * m * size);
      }
    });

    it(`${dtype}: maps and binary ops (same shape, a column, a row, a number) stage nothing`, () => {
      const shape = [64, 80];
      for (const f of [relu, exp, sigmoid, tanh]) expectSameBits((a) => f(a), [x(shape, 20)], "all");
      expect(lastBackend.unary).toBe("wasm");
      for (const f of [add, sub, mul, div, maximum]) {
        expectSameBits((a, b) => f(a, b), [x(shape, 21), x(shape, 22)], "all");
        expectSameBits((a, b) => f(a, b), [x(shape, 23), x([64, 1], 24)], "all");
        expectSameBits((a, b) => f(b, a), [x(shape, 25), x([80], 26)], "all");
      }
      expect(lastBackend.binary).toBe("wasm");
      // a number is written into the arena, nothing else (the staged call maps its copy of a in place)
      expectSameBits((a) => mul(a, 0.1), [x(shape, 27)], shape[0]! * shape[1]! * size);
      // a·b + c as two ops over resident buffers
      expectSameBits((a, b, c) => add(mul(a, b), c), [x(shape, 28), x(shape, 29), x(shape, 30)], "all");
    });

    it(`${dtype}: activation gradients and row reductions`, () => {
      const shape = [50, 100];
      for (const g of ["relu", "leakyRelu", "sigmoid", "tanh"] as const) {
        expectSameBits((dA, s) => activationGradient(g, dA, s, 0.1), [x(shape, 31), x(shape, 32)], "all");
      }
      expectSameBits((a) => sum(a, { axis: 1 }), [x([8, 4096], 33)], 8 * 4096 * size);
      expect(lastBackend.reduce).toBe("wasm");
    });

    it(`${dtype}: convolutions three ways, max and average pooling and their adjoints, planes`, () => {
      const opts = { padding: 1, stride: 1 };
      const input = x([2, 3, 18, 18], 40);
      const weight = x([4, 3, 3, 3], 41);
      const gradOut = x([2, 4, 18, 18], 42);
      expectSameBits((a, w, b) => conv2d(a, w, b, opts), [input, weight, x([4], 43)], 2 * 4 * 18 * 18 * size);
      expectSameBits((w, dy) => conv2dInput([2, 3, 18, 18], w, dy, opts), [weight, gradOut], 2 * 3 * 18 * 18 * size);
      expectSameBits((a, dy) => conv2dWeight(a, [4, 3, 3, 3], dy, opts), [input, gradOut], 2 * 3 * 18 * 18 * size);
      const planes = x([2, 4, 32, 32], 44);
      expectSameBits((a) => {
        const { values, indices } = maxPool2dWithIndices(a, { kernelSize: 2 });
        return [values, indices];
      }, [planes], (8192 + 2048) * size);
      const { indices } = maxPool2dWithIndices(planes, { kernelSize: 2 });
      expectSameBits((a) => gatherPlanes(a, indices), [planes], (8192 + 2048) * size);
      expectSameBits((u) => scatterAddPlanes(u, indices, [32, 32]), [x([2, 4, 16, 16], 45)], (8192 + 2048) * size);
      expectSameBits((a) => avgPool2d(a, { kernelSize: 3, stride: 2, padding: 1 }), [planes], 8192 * size);
      expectSameBits((dy) => avgPool2dBackward(dy, [2, 4, 32, 32], { kernelSize: 2 }), [x([2, 4, 16, 16], 46)], 8192 * size);
    });
  }
});
