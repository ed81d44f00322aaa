// The heap over the kernels' memory (src/backends/wasm/heap.ts): alignment, size classes, reuse of
// freed blocks and their zeroing, growth of the memory, the budget's fallback to plain arrays,
// blocks coming back through the FinalizationRegistry when their view is collected, and what
// kernelOptions() reports.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { add, allocate, kernelOptions, record, tensor, zeros } from "@strata/tensor";
import { heapBytes, isResident, residentArray, setResidentBudget, sizeClass } from "../src/backends/wasm/heap.js";
import { wasmRuntime } from "../src/backends/wasm/runtime.js";
import { THRESHOLDS } from "../src/dispatch/thresholds.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Collects garbage until `done()` holds (finalizers run in later tasks), at most 50 rounds. */
async function collectUntil(done: () => boolean): Promise<boolean> {
  for (let round = 0; round < 50 && !done(); round++) {
    gc();
    await macrotask();
  }
  return done();
}

describe("the resident heap", () => {
  it("size classes: multiples of 64 up to 256 bytes, then at most a quarter of slack", () => {
    expect([1, 64, 65, 200, 256].map(sizeClass)).toEqual([64, 64, 128, 256, 256]);
    expect(sizeClass(257)).toBe(320);
    expect(sizeClass(1000)).toBe(1024);
    expect(sizeClass(1025)).toBe(1280);
    for (let bytes = 1; bytes < 1 << 20; bytes = Math.ceil(bytes * 1.37)) {
      const c = sizeClass(bytes);
      expect(c % 64).toBe(0);
      expect(c).toBeGreaterThanOrEqual(bytes);
      if (bytes > 256) expect(c).toBeLessThanOrEqual(bytes * 1.25 + 64);
    }
  });

  it("hands out 64-byte aligned, zero-filled views on the kernels' memory, disjoint while alive", () => {
    expect(wasmRuntime()).not.toBeNull();
    const arrays = [3, 100, 1000, 5000].flatMap((n) => [residentArray(false, n)!, residentArray(true, n)!]);
    const spans = arrays.map((a) => [a.byteOffset, a.byteOffset + a.byteLength] as const).sort((x, y) => x[0] - y[0]);
    for (const a of arrays) {
      expect(a.byteOffset % 64).toBe(0);
      expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(isResident(a)).toBe(true);
      expect(a.every((v) => v === 0)).toBe(true);
      a.fill(7);
    }
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    expect(arrays.every((a) => a.every((v) => v === 7))).toBe(true);
    expect(isResident(new Float32Array(4))).toBe(false);
  });

  it("a collected view's block is reused, zero-filled again unless uninitialised memory was asked for", async () => {
    const count = 12345;
    let first: Float32Array | null = residentArray(false, count) as Float32Array;
    const at = first.byteOffset;
    first.fill(3);
    const inUse = heapBytes().inUse;
    first = null;
    expect(await collectUntil(() => heapBytes().inUse <= inUse - sizeClass(count * 4))).toBe(true);
    const again = residentArray(false, count)!;
    expect(again.byteOffset).toBe(at);
    expect(again.every((v) => v === 0)).toBe(true);

    let dirty: Float64Array | null = residentArray(true, 999) as Float64Array;
    const dirtyAt = dirty.byteOffset;
    dirty.fill(5);
    const before = heapBytes().inUse;
    dirty = null;
    expect(await collectUntil(() => heapBytes().inUse < before)).toBe(true);
    const raw = residentArray(true, 999, true)!;
    expect(raw.byteOffset).toBe(dirtyAt);
    expect(raw[0]).toBe(5);
  });

  it("grows the memory when no block fits, and old views stay valid", () => {
    const rt = wasmRuntime()!;
    const small = residentArray(false, 10)!;
    small.set([1, 2, 3]);
    const before = rt.memory.buffer.byteLength;
    const big = residentArray(false, before / 4)!;
    expect(big).not.toBeNull();
    expect(rt.memory.buffer.byteLength).toBeGreaterThan(before);
    big[big.length - 1] = 9;
    expect(Array.from(small.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(big[big.length - 1]).toBe(9);
    expect(heapBytes().held).toBeGreaterThanOrEqual(heapBytes().inUse);
  });

  it("past the budget it answers null, and allocate() falls back to plain arrays", () => {
    const previous = setResidentBudget(heapBytes().resident + 64 * 1024);
    try {
      expect(residentArray(false, 1024)).not.toBeNull();
      expect(residentArray(false, 1 << 20)).toBeNull();
      const { result } = record(() => allocate("float32", 1 << 20));
      expect(result.length).toBe(1 << 20);
      expect(isResident(result)).toBe(false);
    } finally {
      setResidentBudget(previous);
    }
    expect(() => setResidentBudget(2 ** 33)).toThrow(/setResidentBudget: 8589934592 bytes is outside \[0, 4 GiB\]/);
  });

  it("allocate() is resident while recording, for float arrays from the threshold on", () => {
    const n = THRESHOLDS.residentMin;
    expect(isResident(allocate("float32", n))).toBe(false);
    const { result } = record(() => [allocate("float32", n), allocate("float64", n), allocate("float32", n - 1), allocate("int32", n)]);
    expect(result.map(isResident)).toEqual([true, true, false, false]);
    expect(result.every((a) => a.every((v) => v === 0))).toBe(true);
    // an op's output under record lives there too, and holds the right values
    const x = tensor(Array.from({ length: n }, (_, i) => i));
    const { result: y } = record(() => add(x, x));
    expect(isResident(y.data)).toBe(true);
    expect(y.data[n - 1]).toBe(2 * (n - 1));
    expect(isResident(zeros([n]).data)).toBe(false);
  });

  it("kernelOptions() reports the bytes in use and held", async () => {
    let arrays: Float32Array[] | null = Array.from({ length: 4 }, () => residentArray(false, 1 << 16) as Float32Array);
    const status = kernelOptions();
    expect(status.residentBytesInUse).toBeGreaterThanOrEqual(4 * 4 * (1 << 16));
    expect(status.residentBytesHeld).toBeGreaterThanOrEqual(status.residentBytesInUse);
    arrays = null;
    expect(arrays).toBeNull();
    const fell = await collectUntil(() => kernelOptions().residentBytesInUse <= status.residentBytesInUse - 4 * 4 * (1 << 16));
    expect(fell).toBe(true);
    expect(kernelOptions().residentBytesHeld).toBe(status.residentBytesHeld);
  });
});
