// Independent references for tests: element access goes through shape/strides/offset by hand,
// never through the kernels under test.
import { kernelOptions, setKernelOptions, tensor, zeros, Tensor, type DType } from "@strata/tensor";

/** Every index of `shape` in row-major order. */
export function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    yield [...idx];
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      if (++idx[ax]! < shape[ax]!) break;
      idx[ax] = 0;
    }
  }
}

/** The element at `idx`, read from the raw buffer with the view's strides. */
export function at(t: Tensor, idx: readonly number[]): number {
  let p = t.offset;
  idx.forEach((i, ax) => (p += i * t.strides[ax]!));
  return t.data[p]!;
}

/** All elements in row-major order as plain (float64) numbers. */
export function flatValues(t: Tensor): number[] {
  return [...indices(t.shape)].map((i) => at(t, i));
}

/** A deterministic pseudo-random list (a small LCG, separate from the library's rng). */
export function pseudoRandom(n: number, seed = 1, lo = -3, hi = 3): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  });
}

/** A contiguous tensor of `shape` with pseudo-random values (integers for int32, 0/1 for bool). */
export function sample(shape: readonly number[], dtype: DType = "float64", seed = 1, lo = -3, hi = 3): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  let vals = pseudoRandom(n, seed, lo, hi);
  if (dtype === "int32") vals = vals.map(Math.round);
  if (dtype === "bool") vals = vals.map((v) => (v > 0 ? 1 : 0));
  return tensor(vals, { dtype, shape });
}

/**
 * The same logical values as `t` in other memory layouts: contiguous; transposed (reversed
 * strides); strided (every other element of a larger buffer, last axis walked backwards).
 */
export function layouts(t: Tensor): { name: string; t: Tensor }[] {
  const contiguous = t.contiguous();
  const transposed = contiguous.T.contiguous().T;
  const big = zeros(t.shape.map((n) => 2 * n + 1), { dtype: t.dtype });
  for (const idx of indices(t.shape)) {
    const bigIdx = idx.map((i, ax) => (ax === t.ndim - 1 ? 2 * (t.shape[ax]! - 1 - i) + 1 : 2 * i + 1));
    let p = 0;
    bigIdx.forEach((i, ax) => (p += i * big.strides[ax]!));
    big.data[p] = at(t, idx);
  }
  // An empty last axis must stay empty: start -1 would otherwise pick the pad element.
  const strided = big.slice(
    ...t.shape.map((n, ax) => (ax !== t.ndim - 1 ? ([1, null, 2] as const) : n === 0 ? ([0, 0] as const) : ([2 * n - 1, null, -2] as const))),
  );
  return [
    { name: "contiguous", t: contiguous },
    { name: "transposed", t: transposed },
    { name: "strided", t: strided },
  ];
}

/** A broadcast view of `t` to `shape`, built from the library's broadcastTo (checked in views tests). */
export function broadcastView(t: Tensor, shape: readonly number[]): Tensor {
  return t.broadcastTo(shape);
}

/** `f()` on the TypeScript kernels (the reference for the WebAssembly ones), then the options back. */
export function onTypeScript<T>(f: () => T): T {
  const was = kernelOptions().wasm;
  setKernelOptions({ wasm: false });
  try {
    return f();
  } finally {
    setKernelOptions({ wasm: was });
  }
}

/** The error `fn` throws; fails the test when it throws nothing. Shared by every package's tests. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the call to throw");
}
