// Tensors in the kernels' memory as users see them: makeResident keeps values, version counters
// and every view working; in-place ops on resident targets; separate resident arrays keep separate
// version counters; and a recorded computation over resident buffers replays like eager calls.
import { describe, expect, it } from "vitest";
import {
  add, addInPlace, assign, bumpVersion, exp, isResidentTensor, kernelOptions, makeResident, matmul, mul, mulInPlace, record, relu,
  replay, sigmoid, sub, tensor, zeros, type Tensor,
} from "@strata/tensor";
import { flatValues, sample } from "./reference.js";

const wasm = kernelOptions().wasm;

describe.skipIf(!wasm)("resident tensors", () => {
  it("makeResident keeps values, versions and views (made before and after), and is idempotent", () => {
    const t = sample([6, 5], "float32", 1);
    const before = flatValues(t);
    const view = t.slice([1, 5]).T; // a strided view made before the move
    const viewValues = flatValues(view);
    t.nd.get(0, 0); // the cached ndarray view must follow the move too
    bumpVersion(t);
    bumpVersion(t);
    const oldData = t.data;
    expect(makeResident(t)).toBe(true);
    expect(t.data).not.toBe(oldData);
    expect(isResidentTensor(t) && isResidentTensor(view)).toBe(true);
    expect(flatValues(t)).toEqual(before);
    expect(flatValues(view)).toEqual(viewValues);
    expect(t.version).toBe(2);
    expect(view.version).toBe(2);
    // writes through the new storage are seen by every view, the ndarray one included
    t.data[t.offset + 1 * 5 + 2] = 42;
    expect(view.get(2, 0)).toBe(42);
    expect(t.nd.get(1, 2)).toBe(42);
    expect(t.nd.data).toBe(t.data);
    fillCount(view);
    expect(t.version).toBe(3);
    expect(makeResident(t)).toBe(true);
    expect(t.version).toBe(3);
    // int32 tensors stay where they are
    const labels = tensor([1, 2, 3], { dtype: "int32" });
    expect(makeResident(labels)).toBe(false);
    expect(isResidentTensor(labels)).toBe(false);
  });

  it("separate resident arrays count their writes separately (one buffer underneath)", () => {
    const a = zeros([2000]);
    const b = zeros([2000]);
    makeResident(a);
    makeResident(b);
    expect(a.data.buffer).toBe(b.data.buffer);
    addInPlace(a, 1);
    expect(a.version).toBe(1);
    expect(b.version).toBe(0);
  });

  it("in-place ops on resident targets give the host results, aliasing included", () => {
    const host = sample([40, 50], "float64", 2);
    const other = sample([40, 50], "float64", 3);
    const res = host.clone();
    makeResident(res);
    const resOther = other.clone();
    makeResident(resOther);
    addInPlace(host, other, { alpha: 0.5 });
    addInPlace(res, resOther, { alpha: 0.5 });
    expect(flatValues(res)).toEqual(flatValues(host));
    mulInPlace(host, host.T.T);
    mulInPlace(res, res.T.T);
    expect(flatValues(res)).toEqual(flatValues(host));
    // x += xᵀ on a square block reads what it writes: both copy the source first
    const sq = sample([30, 30], "float32", 4);
    const sqRes = sq.clone();
    makeResident(sqRes);
    addInPlace(sq, sq.T);
    addInPlace(sqRes, sqRes.T);
    expect(flatValues(sqRes)).toEqual(flatValues(sq));
    assign(sqRes.slice([0, 10]), sq.slice([10, 20]));
    expect(flatValues(sqRes.slice([0, 10]))).toEqual(flatValues(sq.slice([10, 20])));
  });

  it("a recorded computation on resident buffers replays as eager calls compute it", () => {
    const shape = [64, 80];
    const [a, b, c] = [1, 2, 3].map((seed) => sample(shape, "float32", seed));
    for (const t of [a!, b!, c!]) makeResident(t);
    const step = (): Tensor => sigmoid(add(mul(a!, b!), relu(sub(c!, exp(mul(a!, 0.1))))));
    const { result, recording } = record(step);
    expect(recording.refusals).toEqual([]);
    expect(isResidentTensor(result)).toBe(true);
    for (let round = 0; round < 3; round++) {
      for (const [i, t] of [a!, b!, c!].entries()) t.data.set(sample(shape, "float32", 10 * round + i + 7).data);
      replay(recording);
      expect(flatValues(result)).toEqual(flatValues(step()));
    }
  });

  it("a resident weight in a product still gives the host product's values", () => {
    const w = sample([33, 47], "float32", 5);
    const x = sample([47, 29], "float32", 6);
    const eager = matmul(w, x);
    makeResident(w);
    expect(flatValues(matmul(w, x))).toEqual(flatValues(eager));
  });
});

/** Fills a view with its index through the in-place API (which counts one write). */
function fillCount(view: Tensor): void {
  assign(view, tensor(Array.from({ length: view.size }, (_, i) => i), { shape: view.shape }));
}
