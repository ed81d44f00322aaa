// The WebAssembly vector math (assembly/vmath.ts: exp, log, tanh, sigmoid), reached through the
// unaryF32 / unaryF64 kernels, against float64 Math.exp / Math.log / Math.tanh and
// 1/(1+e^−x) with e^−x from Math.exp (for float32, that float64 value is the reference).
// Checked per function and dtype: the ulp bound over dense deterministic sweeps (the whole range,
// tiny magnitudes, consecutive values around the overflow, smallest-normal and zero thresholds of
// exp, around 1 and over subnormals for log, around tanh's switch point), the special values of
// the contract, and that a length that is not a multiple of the lane count gives every element
// exactly what a full vector gives it.
//
// The error is |result − reference| in ulps of the reference (float32 ulps for float32, 2^-52
// scaled for float64); where the reference is subnormal the ulp is the smallest subnormal, since
// the kernels underflow gradually. For float64 sigmoid the reference's own 1 + e and division are
// done in double-double, so that only Math.exp's rounding is left in it: computed plainly, that
// expression is itself up to ~2 ulp off, as much as the bound allows the kernel.
import { describe, expect, it } from "vitest";
import { memoryViews, resetArena, takeArena, wasmRuntime } from "../src/backends/wasm/runtime.js";

type DType = "float32" | "float64";
type Name = "exp" | "log" | "tanh" | "sigmoid";

const OP: Record<Name, number> = { sigmoid: 3, tanh: 4, exp: 5, log: 6 };
const BOUND: Record<Name, number> = { exp: 2, log: 2, tanh: 3, sigmoid: 3 };
const FLT_MAX = 3.4028234663852886e38;
const MIN_NORMAL32 = 2 ** -126;
const MIN_NORMAL64 = 2 ** -1022;

/** y = f(x) through the kernel; x as stored (rounded to float32 for float32) and y, as doubles. */
function run(dtype: DType, name: Name, xs: ArrayLike<number>): { x: Float64Array; y: Float64Array } {
  const rt = wasmRuntime()!;
  const size = dtype === "float32" ? 4 : 8;
  const n = xs.length;
  resetArena();
  const xAt = takeArena(rt, n * size);
  const yAt = takeArena(rt, n * size);
  const views = memoryViews(rt);
  const mem = dtype === "float32" ? views.f32 : views.f64;
  mem.set(xs, xAt / size);
  if (dtype === "float32") rt.kernels.unaryF32(OP[name], xAt, yAt, n, 0);
  else rt.kernels.unaryF64(OP[name], xAt, yAt, n, 0);
  return { x: Float64Array.from(mem.subarray(xAt / size, xAt / size + n)), y: Float64Array.from(mem.subarray(yAt / size, yAt / size + n)) };
}

const bits = new DataView(new ArrayBuffer(8));

/** One ulp of the reference value v in the dtype (the smallest subnormal below the normal range). */
function ulpOf(v: number, dtype: DType): number {
  const a = Math.abs(v);
  if (dtype === "float32" && a < MIN_NORMAL32) return 2 ** -149;
  if (dtype === "float64" && a < MIN_NORMAL64) return 2 ** -1074;
  bits.setFloat64(0, a);
  const exponent = ((bits.getUint32(0) >>> 20) & 0x7ff) - 1023;
  return 2 ** (exponent - (dtype === "float32" ? 23 : 52));
}

function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function twoProd(a: number, b: number): [number, number] {
  const split = (v: number): [number, number] => {
    const c = 134217729 * v;
    const hi = c - (c - v);
    return [hi, v - hi];
  };
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

/** 1/(1 + e^−x) as hi + lo, e^−|x| from Math.exp (so e^−x never overflows), the rest exact-ish. */
function sigmoidRef(x: number, doubleDouble: boolean): [number, number] {
  const e = Math.exp(-Math.abs(x));
  const num = x >= 0 ? 1 : e;
  if (!doubleDouble) return [num / (1 + e), 0];
  const [d, dl] = twoSum(1, e);
  const q = num / d;
  const [p, pl] = twoProd(q, d);
  return [q, (num - p - pl - q * dl) / d];
}

/** The reference as hi + lo. */
function reference(name: Name, dtype: DType, x: number): [number, number] {
  if (name === "exp") return [Math.exp(x), 0];
  if (name === "log") return [Math.log(x), 0];
  if (name === "tanh") return [Math.tanh(x), 0];
  return sigmoidRef(x, dtype === "float64");
}

/** Consecutive representable values of the dtype around v, k on each side, finite ones only. */
function around(v: number, k: number, dtype: DType): number[] {
  const out: number[] = [];
  if (dtype === "float32") {
    const f = new Float32Array(1);
    const i = new Int32Array(f.buffer);
    f[0] = v;
    const at = i[0]!;
    for (let d = -k; d <= k; d++) {
      i[0] = at + d;
      if (Number.isFinite(f[0]!)) out.push(f[0]!);
    }
  } else {
    const f = new Float64Array(1);
    const i = new BigInt64Array(f.buffer);
    f[0] = v;
    const at = i[0]!;
    for (let d = -k; d <= k; d++) {
      i[0] = at + BigInt(d);
      if (Number.isFinite(f[0]!)) out.push(f[0]!);
    }
  }
  return out;
}

/** n evenly spaced values from lo to hi. */
function lin(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/** n magnitudes 2^e0 … 2^e1, evenly spaced in the exponent, with their negatives if `both`. */
function mags(e0: number, e1: number, n: number, both: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = 2 ** (e0 + ((e1 - e0) * i) / (n - 1));
    out.push(v);
    if (both) out.push(-v);
  }
  return out;
}

function sweep(name: Name, dtype: DType): number[] {
  const single = dtype === "float32";
  const near = (v: number, k: number): number[] => around(v, k, dtype);
  const tiny = single ? -149 : -1074;
  if (name === "exp") {
    return single
      ? [...lin(-104, 89, 200_000), ...mags(tiny, 7, 40_000, true), ...near(88.72283, 2000), ...near(Math.log(MIN_NORMAL32), 2000), ...near(-103.972, 2000), ...near(Math.log(2 ** -149), 500)]
      : [...lin(-746, 710, 200_000), ...mags(tiny, 10, 40_000, true), ...near(Math.log(Number.MAX_VALUE), 2000), ...near(Math.log(MIN_NORMAL64), 2000), ...near(-745.1332191019412, 2000), ...near(Math.log(2 ** -1074), 500)];
  }
  if (name === "log") {
    const top = single ? 127.999 : 1023.999;
    const near1 = [...mags(-60, -1, 2000, false).flatMap((d) => [1 + d, 1 - d / 2])];
    return [...mags(tiny, top, 200_000, false), ...lin(0.5, 2, 50_000), ...near(1, 5000), ...near1, ...near(single ? MIN_NORMAL32 : MIN_NORMAL64, 2000), ...near(single ? FLT_MAX : Number.MAX_VALUE, 1000), ...near(single ? 2 ** -149 : 2 ** -1074, 0).flatMap((v) => lin(v, v * 5000, 5000))];
  }
  if (name === "tanh") {
    const r = single ? 12 : 25;
    return [...lin(-r, r, 200_000), ...mags(tiny, 5, 40_000, true), ...near(0.55, 2000), ...near(-0.55, 2000), ...near(single ? 10 : 22, 500)];
  }
  return single
    ? [...lin(-105, 30, 200_000), ...mags(tiny, 7, 40_000, true), ...near(-80, 1000), ...near(-Math.log(FLT_MAX), 1000), ...near(-103.972, 1000)]
    : [...lin(-746, 40, 200_000), ...mags(tiny, 10, 40_000, true), ...near(-80, 1000), ...near(Math.log(MIN_NORMAL64), 1000), ...near(-745.1332191019412, 1000)];
}

/** The largest error in ulps over the sweep, where it is, and how many results left [lo, hi]. */
function measure(name: Name, dtype: DType, range: [number, number]) {
  const { x, y } = run(dtype, name, sweep(name, dtype));
  let worst = 0;
  let at = "";
  let outside = 0;
  for (let i = 0; i < x.length; i++) {
    const got = y[i]!;
    const [want, lo] = reference(name, dtype, x[i]!);
    let err: number;
    const rounded = dtype === "float32" ? Math.fround(want) : want;
    if (!Number.isFinite(rounded)) err = got === rounded ? 0 : Infinity; // overflow: must be ±Inf too
    else err = Math.abs(got - want - lo) / ulpOf(want, dtype);
    if (Number.isNaN(err)) err = Infinity;
    if (err > worst) {
      worst = err;
      at = `x = ${x[i]}: got ${got}, expected ${want}`;
    }
    if (!(got >= range[0] && got <= range[1])) outside++;
  }
  return { worst, at, outside, count: x.length };
}

describe.runIf(wasmRuntime() !== null)("WebAssembly vector exp, log, tanh and sigmoid", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const big = dtype === "float32" ? 89 : 710;
    for (const name of ["exp", "log", "tanh", "sigmoid"] as const) {
      it(`${dtype} ${name}: within ${BOUND[name]} ulp over a dense sweep`, () => {
        const range: [number, number] = name === "tanh" ? [-1, 1] : name === "sigmoid" ? [0, 1] : [-Infinity, Infinity];
        const { worst, at, outside, count } = measure(name, dtype, range);
        expect(count).toBeGreaterThan(100_000);
        expect(worst, `worst ${worst.toFixed(3)} ulp at ${at}`).toBeLessThanOrEqual(BOUND[name]);
        expect(outside, `results outside [${range}]`).toBe(0);
      });
    }

    it(`${dtype}: special values`, () => {
      const cases: [Name, number, number][] = [
        ["exp", Infinity, Infinity], ["exp", -Infinity, 0], ["exp", NaN, NaN], ["exp", 0, 1], ["exp", -0, 1],
        ["exp", big, Infinity], ["exp", 1e30, Infinity], ["exp", -1e30, 0], ["exp", -big - 40, 0],
        ["log", 0, -Infinity], ["log", -0, -Infinity], ["log", -1, NaN], ["log", -1e-30, NaN], ["log", -Infinity, NaN],
        ["log", Infinity, Infinity], ["log", NaN, NaN], ["log", 1, 0],
        ["tanh", Infinity, 1], ["tanh", -Infinity, -1], ["tanh", 0, 0], ["tanh", -0, -0], ["tanh", NaN, NaN],
        ["tanh", 1e30, 1], ["tanh", -1e30, -1], ["tanh", 30, 1], ["tanh", -30, -1],
        ["sigmoid", Infinity, 1], ["sigmoid", -Infinity, 0], ["sigmoid", NaN, NaN], ["sigmoid", 0, 0.5], ["sigmoid", -0, 0.5],
        ["sigmoid", 1e30, 1], ["sigmoid", -1e30, 0], ["sigmoid", 1e300, 1], ["sigmoid", -1e300, 0],
      ];
      for (const [name, x, want] of cases) {
        const got = run(dtype, name, [x]).y[0]!;
        const same = Number.isNaN(want) ? Number.isNaN(got) : Object.is(got, want);
        expect(same, `${name}(${x}) is ${got}, expected ${want}`).toBe(true);
      }
      // The largest finite result and the first overflow; gradual underflow; tiny arguments.
      const [lastFinite, firstInf] = dtype === "float32" ? [88.72283, 88.72284] : [709.782712893384, 709.7827128933841];
      expect(run(dtype, "exp", [lastFinite]).y[0]!).toBeLessThan(Infinity);
      expect(run(dtype, "exp", [lastFinite]).y[0]!).toBeGreaterThan(dtype === "float32" ? 3.4e38 : 1.79e308);
      expect(run(dtype, "exp", [firstInf]).y[0]!).toBe(Infinity);
      const sub = dtype === "float32" ? -100 : -740;
      const e = run(dtype, "exp", [sub]).y[0]!;
      expect(e, "exp of a subnormal result is not flushed").toBeGreaterThan(0);
      expect(e).toBeLessThan(dtype === "float32" ? MIN_NORMAL32 : MIN_NORMAL64);
      const tanhTiny = run(dtype, "tanh", [1e-30, -1e-30]).y;
      const t30 = dtype === "float32" ? Math.fround(1e-30) : 1e-30;
      expect(Math.abs(tanhTiny[0]! - t30) / ulpOf(t30, dtype)).toBeLessThanOrEqual(1);
      expect(tanhTiny[1]!).toBe(-tanhTiny[0]!);
      const s80 = run(dtype, "sigmoid", [-80]).y[0]!;
      expect(Math.abs(s80 - Math.exp(-80)) / ulpOf(Math.exp(-80), dtype)).toBeLessThanOrEqual(3);
      const l1 = run(dtype, "log", [1 + 1e-7]);
      expect(Math.abs(l1.y[0]! - Math.log(l1.x[0]!)) / ulpOf(Math.log(l1.x[0]!), dtype)).toBeLessThanOrEqual(2);
    });

    it(`${dtype}: a length of 7 gives each element what a full vector gives it`, () => {
      const values: Record<Name, number[]> = {
        exp: [-3.5, 0.25, 1e-30, 80, -0, NaN, -745],
        log: [0.3, 1 + 2 ** -20, 1e-40, 7e5, 0, -2, Infinity],
        tanh: [-3.5, 0.25, 1e-30, 0.55, -0, NaN, 9],
        sigmoid: [-3.5, 0.25, 1e-30, -80, -0, NaN, 20],
      };
      for (const name of ["exp", "log", "tanh", "sigmoid"] as const) {
        const tail = run(dtype, name, values[name]).y;
        expect(tail.length).toBe(7);
        for (let i = 0; i < 7; i++) {
          const full = run(dtype, name, new Array<number>(8).fill(values[name][i]!)).y;
          for (let j = 0; j < 8; j++) {
            const same = Object.is(full[j], tail[i]) || (Number.isNaN(full[j]!) && Number.isNaN(tail[i]!));
            expect(same, `${name}(${values[name][i]}): ${tail[i]} as element ${i} of 7, ${full[j]} in lane ${j} of a full vector`).toBe(true);
          }
        }
      }
    });
  }
});
