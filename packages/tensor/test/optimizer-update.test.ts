// The dispatcher's optimiser-update entry: what it takes and what it leaves to the optimiser's loop
// (returning false having changed nothing). The bit-for-bit comparison with the loops of every
// optimiser is packages/optim/test/update-kernels.test.ts.
import { describe, expect, it } from "vitest";
import { allocateResident, kernelOptions, optimizerUpdateKernel, setKernelOptions } from "../src/index.js";

const wasm = kernelOptions().wasm;

function resident(values: number[]): Float64Array {
  const a = allocateResident("float64", values.length) as Float64Array;
  a.set(values);
  return a;
}

const sgd = (p: Float64Array, g: Float64Array, momentumBuffer: Float64Array | null = null) =>
  ({ kind: "sgd", p, g, momentumBuffer, lr: 0.5, weightDecay: 0, momentum: 0.9, keep: 1, fresh: false, nesterov: false }) as const;

describe.runIf(wasm)("optimizerUpdateKernel", () => {
  it("updates a resident parameter in place, a plain gradient copied in when forced", () => {
    const p = resident([1, 2, 3]);
    expect(optimizerUpdateKernel(sgd(p, new Float64Array([2, 4, -2])), true)).toBe(true);
    expect(Array.from(p)).toEqual([0, 0, 4]); // p − 0.5·g
  });

  it("with momentum, keeps the buffer: b = 0.9·b + g", () => {
    const [p, b] = [resident([1, 1]), resident([1, -1])];
    expect(optimizerUpdateKernel(sgd(p, resident([1, 1]), b), true)).toBe(true);
    expect(Array.from(b)).toEqual([1.9, 0.09999999999999998]);
    expect(Array.from(p)).toEqual([1 - 0.5 * 1.9, 1 - 0.5 * 0.09999999999999998]);
  });

  it("leaves to the loop, changing nothing: a plain parameter, a buffer of another length or type, a small size unforced", () => {
    const g = resident([1, 1, 1]);
    const plain = new Float64Array([1, 2, 3]);
    expect(optimizerUpdateKernel(sgd(plain, g), true)).toBe(false);
    const p = resident([1, 2, 3]);
    expect(optimizerUpdateKernel(sgd(p, g, resident([0, 0])), true)).toBe(false);
    expect(optimizerUpdateKernel(sgd(p, g, new Float64Array(3)), true)).toBe(false);
    expect(optimizerUpdateKernel(sgd(p, g)), "3 elements, below the threshold").toBe(false);
    expect(Array.from(p)).toEqual([1, 2, 3]);
  });

  it("leaves to the loop with the WebAssembly kernels switched off", () => {
    const [p, g] = [resident([1, 2, 3]), resident([1, 1, 1])];
    setKernelOptions({ wasm: false });
    try {
      expect(optimizerUpdateKernel(sgd(p, g), true)).toBe(false);
    } finally {
      setKernelOptions({ wasm: true });
    }
    expect(Array.from(p)).toEqual([1, 2, 3]);
  });
});
