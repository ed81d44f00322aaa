// Random tensors: the creators draw from an Rng (see rng.ts) or from the default stream.
import { allocate, isDType, isFloatDType, type DType } from "./dtype.js";
import { DTypeError, ValueError } from "./errors.js";
import { Rng, checkSeed, describe } from "./rng.js";
import { checkShape, shapeSize, type Shape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { compute } from "./record.js";

export { Rng, rng, type RngState, type MutableArrayLike } from "./rng.js";

let defaultStream = new Rng(0);

/**
 * Reseeds the default stream that {@link rand}, {@link randn}, {@link randint} and
 * {@link permutation} draw from when given no `rng` (it starts as `rng(0)` when the module loads):
 * the stream becomes a new `rng(seed)`. An Rng that {@link defaultRng} returned earlier is not
 * reseeded.
 *
 * @throws ValueError when `seed` is not a safe integer (`|seed| <= 2^53 - 1`).
 *
 * @example
 * ```ts
 * import { manualSeed, rand } from "@strata/tensor";
 * manualSeed(7);
 * const a = rand([3]);
 * manualSeed(7);
 * console.log(rand([3]).equals(a)); // true
 * ```
 */
export function manualSeed(seed: number): void {
  defaultStream = new Rng(checkSeed("manualSeed", seed));
}

/**
 * The default stream itself (not a copy): drawing from it advances what the creators see next.
 * After {@link manualSeed} it returns the new stream. Never throws.
 *
 * @example
 * ```ts
 * import { defaultRng, manualSeed, rng } from "@strata/tensor";
 * manualSeed(3);
 * console.log(defaultRng().nextUint32() === rng(3).nextUint32()); // true
 * ```
 */
export function defaultRng(): Rng {
  return defaultStream;
}

/**
 * The generator to draw from, as a getter for the op's work: a given Rng, or the default stream as
 * it is when the work runs (manualSeed replaces it), so that a replay draws as an eager call would.
 */
function pickRng(op: string, g: Rng | undefined): () => Rng {
  if (g === undefined) return () => defaultStream;
  if (!(g instanceof Rng)) throw new ValueError(`${op}: options.rng must be an Rng from rng(seed), got ${describe(g)}`);
  return () => g;
}

function floatDType(op: string, dtype: unknown): "float32" | "float64" {
  const d = dtype ?? "float32";
  if (!isDType(d)) throw new DTypeError(`${op}: unknown dtype ${describe(d)}; expected float32 or float64`);
  if (!isFloatDType(d)) throw new DTypeError(`${op}: dtype ${d} is not a float dtype; expected float32 or float64 (randint draws integers)`);
  return d as "float32" | "float64";
}

function checkFinite(op: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new ValueError(`${op}: ${name} must be a finite number, got ${describe(value)}`);
}

/** The largest value of the dtype strictly below `x`, so that rounding never reaches `high`. */
function nextDown(x: number, dtype: "float32" | "float64"): number {
  if (dtype === "float32") {
    const f = Math.fround(x);
    if (f < x) return f; // x is not a float32 and f, its nearest, lies below it
    const buf = new Float32Array([f]);
    const bits = new Int32Array(buf.buffer);
    if (f === 0) return -(2 ** -149);
    bits[0]! += f > 0 ? -1 : 1; // adjacent floats have adjacent bit patterns within a sign
    return buf[0]!;
  }
  if (x === 0) return -Number.MIN_VALUE;
  const buf = new Float64Array([x]);
  const bits = new BigInt64Array(buf.buffer);
  bits[0]! += x > 0 ? -1n : 1n;
  return buf[0]!;
}

/**
 * Options of {@link rand}: the generator (default: the default stream, see {@link manualSeed}),
 * the float dtype (default `float32`) and the interval `[low, high)` (default `[0, 1)`).
 *
 * @example
 * ```ts
 * import { rand, rng, type RandOptions } from "@strata/tensor";
 * const opts: RandOptions = { rng: rng(0), low: -1, high: 1 };
 * console.log(rand([2], opts).shape); // [2]
 * ```
 */
export interface RandOptions {
  rng?: Rng;
  dtype?: DType;
  low?: number;
  high?: number;
}

/**
 * A tensor of `shape` with values uniform in `[low, high)` (default `[0, 1)`), float32 by default
 * (other float dtypes on request; int32 and bool are a DTypeError: use {@link randint}). Each
 * element takes one draw: a float32 takes `u = (nextUint32() >>> 8)·2^-24`, a float64
 * `u = uniform()`, and the value is `low + (high − low)·u`, rounded to the dtype; a value that
 * rounding pushes up to `high` is replaced by the largest value below it. Elements are drawn in
 * row-major order.
 *
 * @throws ShapeError when `shape` is not a list of non-negative integers.
 * @throws DTypeError when `options.dtype` is not float32 or float64.
 * @throws ValueError when `options.rng` is not an {@link Rng}, `low` or `high` is not a finite
 *   number, `low >= high`, or `high - low` overflows to Infinity.
 * @throws ValueError when the shape has more than {@link MAX_ELEMENTS} elements, and StrataError
 *   when the engine cannot allocate it (both name the op, the shape and the bytes).
 *
 * @example
 * ```ts
 * import { rand, rng } from "@strata/tensor";
 * const x = rand([2, 3], { rng: rng(0) });
 * console.log(x.shape, x.dtype, x.get(0, 0), x.get(1, 2)); // [2, 3] "float32" 0.7431061267852783 0.08206909894943237
 * ```
 */
export function rand(shape: Shape, options: RandOptions = {}): Tensor {
  checkShape("rand", shape);
  const dtype = floatDType("rand", options.dtype);
  const g = pickRng("rand", options.rng);
  const { low = 0, high = 1 } = options;
  checkFinite("rand", "low", low);
  checkFinite("rand", "high", high);
  if (!(low < high) || !Number.isFinite(high - low)) {
    throw new ValueError(`rand: expected low < high with a finite difference, got low=${low}, high=${high}`);
  }
  const span = high - low;
  const top = nextDown(high, dtype);
  const out = allocate(dtype, shape, "rand");
  compute(() => {
    const r = g();
    for (let i = 0; i < out.length; i++) {
      const u = dtype === "float32" ? (r.nextUint32() >>> 8) / 16777216 : r.uniform();
      let v = low + span * u;
      if (dtype === "float32") v = Math.fround(v);
      out[i] = v >= high ? top : v;
    }
  });
  return new Tensor(out, shape);
}

/**
 * Options of {@link randn}: the generator (default: the default stream), the float dtype
 * (default `float32`), and the `mean` (default 0) and standard deviation `std` (default 1, >= 0).
 *
 * @example
 * ```ts
 * import { randn, rng, type RandnOptions } from "@strata/tensor";
 * const opts: RandnOptions = { rng: rng(0), dtype: "float64", std: 0.01 };
 * console.log(randn([3, 2], opts).dtype); // "float64"
 * ```
 */
export interface RandnOptions {
  rng?: Rng;
  dtype?: DType;
  mean?: number;
  std?: number;
}

/**
 * A tensor of `shape` with normal values `mean + std·z`, `z` from {@link Rng.normal}, in row-major
 * order; float32 by default, float64 on request. `std = 0` gives `mean` everywhere (and still
 * draws).
 *
 * @throws ShapeError when `shape` is not a list of non-negative integers.
 * @throws DTypeError when `options.dtype` is not float32 or float64.
 * @throws ValueError when `options.rng` is not an {@link Rng}, `mean` or `std` is not a finite
 *   number, or `std < 0`.
 * @throws ValueError when the shape has more than {@link MAX_ELEMENTS} elements, and StrataError
 *   when the engine cannot allocate it (both name the op, the shape and the bytes).
 *
 * @example
 * ```ts
 * import { randn, rng } from "@strata/tensor";
 * const w = randn([2, 2], { rng: rng(1), dtype: "float64" });
 * console.log(w.toArray()); // [[0.38138762035562107, -0.7630788143531733], [-0.8844803677778686, -0.6163492315696297]]
 * ```
 */
export function randn(shape: Shape, options: RandnOptions = {}): Tensor {
  checkShape("randn", shape);
  const dtype = floatDType("randn", options.dtype);
  const g = pickRng("randn", options.rng);
  const { mean = 0, std = 1 } = options;
  checkFinite("randn", "mean", mean);
  checkFinite("randn", "std", std);
  if (std < 0) throw new ValueError(`randn: std must be >= 0, got ${std}`);
  const out = allocate(dtype, shape, "randn");
  compute(() => {
    const r = g();
    for (let i = 0; i < out.length; i++) out[i] = mean + std * r.normal();
  });
  return new Tensor(out, shape);
}

/**
 * An int32 tensor of `shape` with integers uniform in `[low, high)` (high excluded), drawn by
 * {@link Rng.int} without modulo bias, in row-major order: element = `low + int(high − low)`.
 * Needs `-2^31 <= low < high <= 2^31`.
 *
 * @throws ValueError when `low` or `high` is not an integer in `[-2^31, 2^31]`, `low >= high`, or
 *   `options.rng` is not an {@link Rng}.
 * @throws ShapeError when `shape` is not a list of non-negative integers.
 * @throws ValueError when the shape has more than {@link MAX_ELEMENTS} elements, and StrataError
 *   when the engine cannot allocate it (both name the op, the shape and the bytes).
 *
 * @example
 * ```ts
 * import { randint, rng } from "@strata/tensor";
 * console.log(randint(0, 10, [5], { rng: rng(0) }).toArray()); // [0, 4, 1, 9, 4]
 * ```
 */
export function randint(low: number, high: number, shape: Shape, options: { rng?: Rng } = {}): Tensor {
  const inRange = (v: number): boolean => typeof v === "number" && Number.isInteger(v) && v >= -2147483648 && v <= 2147483648;
  if (!inRange(low) || !inRange(high) || !(low < high)) {
    throw new ValueError(`randint: expected integers -2^31 <= low < high <= 2^31, got low=${describe(low)}, high=${describe(high)}`);
  }
  checkShape("randint", shape);
  const g = pickRng("randint", options.rng);
  const out = allocate("int32", shape, "randint");
  compute(() => {
    const r = g();
    for (let i = 0; i < out.length; i++) out[i] = low + r.int(high - low);
  });
  return new Tensor(out, shape);
}

/**
 * A random ordering of `0, 1, …, n − 1` as an int32 tensor of shape `(n)`: `arange(n)` shuffled
 * by {@link Rng.shuffle}.
 *
 * @throws ValueError when `n` is not an integer in `[0, 2^31 - 1]`, or `options.rng` is not an
 *   {@link Rng}.
 * @throws ValueError when the shape has more than {@link MAX_ELEMENTS} elements, and StrataError
 *   when the engine cannot allocate it (both name the op, the shape and the bytes).
 *
 * @example
 * ```ts
 * import { permutation, rng } from "@strata/tensor";
 * console.log(permutation(5, { rng: rng(0) }).toArray()); // [4, 3, 1, 2, 0]
 * ```
 */
export function permutation(n: number, options: { rng?: Rng } = {}): Tensor {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 2147483647) {
    throw new ValueError(`permutation: n must be an integer in [0, 2^31 - 1], got ${describe(n)}`);
  }
  const g = pickRng("permutation", options.rng);
  const out = allocate("int32", [n], "permutation");
  compute(() => {
    for (let i = 0; i < n; i++) out[i] = i;
    g().shuffle(out);
  });
  return new Tensor(out, [n]);
}
