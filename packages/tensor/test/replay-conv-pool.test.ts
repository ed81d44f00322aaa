// Convolutions and poolings under record/replay: a replay on new inputs written in place gives, bit
// for bit, what a fresh call gives, on the TypeScript kernels (small sizes) and the WebAssembly
// ones (above their thresholds), float32 and float64. The TypeScript input and weight gradients,
// the scatter-add and the average pooling's adjoint add into their outputs: without zeroing in
// the work a replay would return the sum of both calls. Plane indices are checked on replay.
import { beforeAll, describe, expect, it } from "vitest";
import {
  ValueError, adaptiveAvgPool2d, adaptiveAvgPool2dBackward, avgPool2d, avgPool2dBackward, conv2d, conv2dInput, conv2dWeight,
  gatherPlanes, kernelsReady, maxPool2dWithIndices, record, replay, scatterAddPlanes, tensor, type Tensor,
} from "@strata/tensor";
import { lastBackend } from "../src/dispatch/dispatch.js";
import { onTypeScript, sample } from "./reference.js";
import { expectReplayMatchesEager, freshArray } from "./replay.js";

beforeAll(async () => {
  await kernelsReady();
});

/** Overwrites t's values (contiguous) with a new pseudo-random sample. */
function refill(t: Tensor, seed: number): void {
  freshArray(t);
  (t.data as Float32Array | Float64Array).set(sample(t.shape, "float64", seed).toTypedArray() as Float64Array);
}

// small: below every WebAssembly threshold; large: above the conv and pool ones
const sizes = [
  { name: "small", x: [1, 2, 5, 5], w: [3, 2, 2, 2], backend: "js" },
  { name: "large", x: [2, 4, 16, 16], w: [6, 2, 3, 3], backend: "wasm" },
] as const;

describe.each(["float32", "float64"] as const)("conv2d and its gradients replay (%s)", (dtype) => {
  for (const size of sizes) {
    const groups = size.x[1] / size.w[1];
    const options = { stride: 1, padding: 1, groups };
    it(`${size.name}: forward with a bias, the input and the weight gradients`, () => {
      const x = sample([...size.x], dtype, 1);
      const w = sample([...size.w], dtype, 2);
      const b = sample([size.w[0]], dtype, 3);
      const dy = sample(conv2d(x, w, b, options).shape, dtype, 4);
      const ops = () => ({
        y: conv2d(x, w, b, options),
        dx: conv2dInput(x.shape, w, dy, options),
        dw: conv2dWeight(x, w.shape, dy, options),
      });
      expectReplayMatchesEager(ops, (round) => {
        for (const [t, k] of [[x, 10], [w, 20], [b, 30], [dy, 40]] as const) refill(t, k + round);
      });
      expect(lastBackend["conv"]).toBe(size.backend);
    });
  }

  it("large, on the TypeScript kernels: the accumulating gradients start from zero on replay", () => {
    onTypeScript(() => {
      const x = sample([2, 4, 12, 12], dtype, 5);
      const w = sample([3, 4, 3, 3], dtype, 6);
      const dy = sample([2, 3, 5, 5], dtype, 7);
      const options = { stride: 2, dilation: 1 };
      const result = expectReplayMatchesEager(() => ({ dx: conv2dInput(x.shape, w, dy, options), dw: conv2dWeight(x, w.shape, dy, options) }), (round) => {
        refill(dy, 50 + round);
        refill(x, 60 + round);
      });
      expect(lastBackend["conv"]).toBe("js");
      // an independent check of one value: dw[0,0,0,0] = Σ dy[n,0,i,j]·x[n,0,2i,2j]
      let want = 0;
      for (let n = 0; n < 2; n++) for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) want += (dy.get(n, 0, i, j) as number) * (x.get(n, 0, 2 * i, 2 * j) as number);
      expect(result.dw.get(0, 0, 0, 0)).toBeCloseTo(want, dtype === "float32" ? 3 : 10);
    });
  });
});

describe.each(["float32", "float64"] as const)("poolings replay (%s)", (dtype) => {
  for (const [name, shape, backend] of [["small", [1, 2, 6, 6], "js"], ["large", [2, 4, 32, 32], "wasm"]] as const) {
    it(`${name}: max pooling, the gather and the scatter-add through its indices`, () => {
      const x = sample([...shape], dtype, 8);
      const options = { kernelSize: 3, stride: 2, padding: 1 };
      const { values, indices } = maxPool2dWithIndices(x, options);
      const dy = sample(values.shape, dtype, 9);
      const plane = [shape[2], shape[3]];
      expectReplayMatchesEager(() => {
        const pooled = maxPool2dWithIndices(x, options);
        return { pooled, gathered: gatherPlanes(x, pooled.indices), spread: scatterAddPlanes(dy, pooled.indices, plane) };
      }, (round) => {
        refill(x, 70 + round);
        refill(dy, 80 + round);
      });
      expect(lastBackend["pool"]).toBe(backend);
      // a second scatter-add from the same indices still sums to Σ dy (nothing left over from the first)
      const { result, recording } = record(() => scatterAddPlanes(dy, indices, plane));
      replay(recording);
      expect(result.sum().item()).toBeCloseTo(dy.sum().item(), dtype === "float32" ? 3 : 10);
    });

    it(`${name}: average and adaptive average pooling, forward and adjoint`, () => {
      const x = sample([...shape], dtype, 11);
      const options = { kernelSize: 3, stride: 2, padding: 1 };
      const dy = sample(avgPool2d(x, options).shape, dtype, 12);
      const da = sample(adaptiveAvgPool2d(x, [3, 5]).shape, dtype, 13);
      expectReplayMatchesEager(() => ({
        y: avgPool2d(x, options),
        dx: avgPool2dBackward(dy, x.shape, options),
        a: adaptiveAvgPool2d(x, [3, 5]),
        dxa: adaptiveAvgPool2dBackward(da, x.shape),
      }), (round) => {
        for (const [t, k] of [[x, 90], [dy, 100], [da, 110]] as const) refill(t, k + round);
      });
      expect(lastBackend["pool"]).toBe(backend);
    });
  }
});

describe("plane indices are checked when the work runs", () => {
  it("a replay with an index outside its plane fails as an eager call does", () => {
    const x = sample([1, 1, 2, 2], "float64", 14);
    const indices = tensor([[[[0, 3]]]], { dtype: "int32" });
    const updates = sample([1, 1, 1, 2], "float64", 15);
    const { recording } = record(() => [gatherPlanes(x, indices), scatterAddPlanes(updates, indices, [2, 2])]);
    (indices.data as Int32Array)[1] = 4;
    expect(() => gatherPlanes(x, indices)).toThrow(ValueError);
    expect(() => replay(recording)).toThrow(/gatherPlanes: index 4 at position .*expected 0 <= index < 4/);
  });
});
