// The seeded generator: xoshiro128**, seeded through splitmix32. Everything is 32-bit integer
// arithmetic (Math.imul, >>>), so a seed gives the same stream on every machine; only `normal()`
// also needs Math.log and Math.sqrt. The tensor creators that draw from it are in random.ts.
import { ValueError } from "./errors.js";

/** Weyl increments of the two seeding streams: the golden ratio and √3's fraction, both odd. */
const GOLDEN = 0x9e3779b9;
const SQRT3 = 0xbb67ae85;
const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

/** MurmurHash3's 32-bit finaliser: a bijection on 32-bit words with full avalanche. */
function fmix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Output `k` (1-based) of the splitmix32 stream started at `state` with Weyl increment `inc`. */
function splitmix32(state: number, k: number, inc: number): number {
  return fmix32(state + Math.imul(k, inc));
}

/** A value as an error message shows it: strings quoted, bigints with their `n`. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  return typeof value === "object" && value !== null ? Object.prototype.toString.call(value) : String(value);
}

/** The seed if it is a safe integer, else a ValueError naming `op` and the value. */
export function checkSeed(op: string, seed: unknown): number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new ValueError(`${op}: seed must be a safe integer (|seed| <= 2^53 - 1), got ${describe(seed)}`);
  }
  return seed;
}

/**
 * The four state words for a seed. The seed is read as a 64-bit two's-complement integer
 * `hi·2^32 + lo`; two splitmix32 streams (state `lo`, increment 0x9E3779B9; state `hi`, increment
 * 0xBB67AE85) give `s0 = A1`, `s1 = A2 ^ B1`, `s2 = A3 ^ B2`, `s3 = A4 ^ B3`. `s0` alone determines
 * `lo` and then `s1` determines `hi`, so distinct seeds give distinct states. fmix32 is a bijection
 * with fmix32(0) = 0, so `s0 = 0` only for `lo ≡ −G`, and then `s1 = s2 = 0` would need
 * `hi ≡ G − H` and `hi ≡ 2G − 2H` at once (G, H the increments), i.e. `G ≡ H`: no seed reaches the
 * all-zero state, the one state xoshiro never leaves.
 */
function seedWords(seed: number): [number, number, number, number] {
  const lo = seed >>> 0; // ToUint32 is exact modulo 2^32 for any safe integer
  const hi = Math.floor(seed / TWO_32) >>> 0; // division by 2^32 is exact, so floor is too
  return [
    splitmix32(lo, 1, GOLDEN),
    (splitmix32(lo, 2, GOLDEN) ^ splitmix32(hi, 1, SQRT3)) >>> 0,
    (splitmix32(lo, 3, GOLDEN) ^ splitmix32(hi, 2, SQRT3)) >>> 0,
    (splitmix32(lo, 4, GOLDEN) ^ splitmix32(hi, 3, SQRT3)) >>> 0,
  ];
}

/**
 * A plain, JSON-able snapshot of an {@link Rng}: the four xoshiro128** words (unsigned 32-bit
 * integers, not all zero) and the spare normal deviate kept by {@link Rng.normal} (or null).
 *
 * @example
 * ```ts
 * import { rng, type RngState } from "@strata/tensor";
 * const saved: RngState = JSON.parse(JSON.stringify(rng(1).state()));
 * console.log(saved.algorithm, saved.s.length); // "xoshiro128**" 4
 * ```
 */
export interface RngState {
  algorithm: "xoshiro128**";
  s: [number, number, number, number];
  spare: number | null;
}

/**
 * Anything indexable and writable by position, what {@link Rng.shuffle} accepts: plain arrays and
 * typed arrays.
 *
 * @example
 * ```ts
 * import { rng, type MutableArrayLike } from "@strata/tensor";
 * const order: MutableArrayLike<number> = new Int32Array([0, 1, 2, 3]);
 * console.log(rng(0).shuffle(order)); // Int32Array(4) [3, 1, 0, 2]
 * ```
 */
export interface MutableArrayLike<T> {
  length: number;
  [index: number]: T;
}

/**
 * A seeded pseudo-random generator: xoshiro128** (Blackman & Vigna, 2018; 128 bits of state,
 * period 2^128 − 1) seeded from a safe integer through splitmix32 (see {@link rng}). Every method
 * is deterministic, so the same seed gives the same numbers on every machine.
 *
 * `normal()` uses Marsaglia's polar method and keeps the second deviate of each pair as a spare,
 * which is part of {@link Rng.state}, so a checkpointed generator resumes exactly.
 *
 * @throws ValueError from the constructor when `seed` is not a safe integer (the message names
 *   `rng`).
 *
 * @example
 * ```ts
 * import { Rng } from "@strata/tensor";
 * const g = new Rng(42);
 * console.log(g.nextUint32(), g.int(6)); // 4234069680 1
 * ```
 */
export class Rng {
  #s0 = 0;
  #s1 = 0;
  #s2 = 0;
  #s3 = 0;
  #spare: number | null = null;

  /** Seeds the generator; `seed` must be a safe integer (negative and > 2^32 are fine). */
  constructor(seed: number) {
    const [a, b, c, d] = seedWords(checkSeed("rng", seed));
    this.#s0 = a;
    this.#s1 = b;
    this.#s2 = c;
    this.#s3 = d;
  }

  /** The next 32 random bits as an integer in [0, 2^32): one xoshiro128** step. */
  nextUint32(): number {
    const s0 = this.#s0;
    const s1 = this.#s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    let s2 = this.#s2 ^ s0;
    let s3 = this.#s3 ^ s1;
    this.#s1 = s1 ^ s2;
    this.#s0 = s0 ^ s3;
    s2 ^= t;
    this.#s2 = s2;
    this.#s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** A uniform integer in [0, 2^53): the top 27 bits of one draw and the top 26 of the next. */
  #next53(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return a * 67108864 + b;
  }

  /** A float64 in [0, 1) with 53 random bits (two draws): every multiple of 2^-53 equally likely. */
  uniform(): number {
    return this.#next53() / TWO_53;
  }

  /**
   * A standard normal deviate (mean 0, variance 1) by Marsaglia's polar method: draw `u, v`
   * uniform in (−1, 1) until `0 < s = u² + v² < 1`, then `u·f` and `v·f` with
   * `f = √(−2 ln s / s)` are independent normals. The first is returned and the second kept as
   * the spare for the next call. Math.log is the only non-IEEE-exact step: Node's V8 computes it
   * with the same fdlibm port everywhere, other engines could differ in the last bit.
   */
  normal(): number {
    if (this.#spare !== null) {
      const v = this.#spare;
      this.#spare = null;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spare = v * f;
    return u * f;
  }

  /**
   * A uniform integer in [0, n) for an integer `1 <= n <= 2^53`, without modulo bias: draws that
   * fall in the incomplete last block of `n` values (the top `2^32 mod n` of the 32-bit range, or
   * of the 53-bit range when n > 2^32) are rejected and redrawn. Always consumes at least one draw.
   *
   * @throws ValueError when `n` is not an integer in `[1, 2^53]`.
   */
  int(n: number): number {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > TWO_53) {
      throw new ValueError(`Rng.int: n must be an integer in [1, 2^53], got ${describe(n)}`);
    }
    if (n <= TWO_32) {
      const limit = TWO_32 - (TWO_32 % n);
      let x = this.nextUint32();
      while (x >= limit) x = this.nextUint32();
      return x % n;
    }
    const limit = TWO_53 - (TWO_53 % n);
    let x = this.#next53();
    while (x >= limit) x = this.#next53();
    return x % n;
  }

  /** Shuffles `array` in place by Fisher–Yates (`j = int(i + 1)` for i from the end) and returns it. */
  shuffle<A extends MutableArrayLike<unknown>>(array: A): A {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i]!;
      array[i] = array[j]!;
      array[j] = tmp;
    }
    return array;
  }

  /** An independent generator in the same state: both produce the same numbers from here on. */
  clone(): Rng {
    return Rng.fromState(this.state());
  }

  /**
   * A JSON-able snapshot; {@link Rng.setState} or {@link Rng.fromState} resume from it exactly.
   *
   * @example
   * ```ts
   * import { rng, Rng } from "@strata/tensor";
   * const g = rng(5);
   * const saved = JSON.stringify(g.state()); // e.g. written with a training checkpoint
   * const a = [g.normal(), g.uniform()];
   * const resumed = Rng.fromState(JSON.parse(saved));
   * console.log(resumed.normal() === a[0], resumed.uniform() === a[1]); // true true
   * ```
   */
  state(): RngState {
    return { algorithm: "xoshiro128**", s: [this.#s0 >>> 0, this.#s1 >>> 0, this.#s2 >>> 0, this.#s3 >>> 0], spare: this.#spare };
  }

  /** Restores a snapshot from {@link Rng.state} (validated: a ValueError says what is wrong); returns this. */
  setState(state: RngState): this {
    const st = state as Partial<RngState> | null;
    const words = st?.s;
    const ok =
      typeof st === "object" &&
      st !== null &&
      (st.algorithm === undefined || st.algorithm === "xoshiro128**") &&
      Array.isArray(words) &&
      words.length === 4 &&
      words.every((w) => typeof w === "number" && Number.isInteger(w) && w >= 0 && w < TWO_32) &&
      words.some((w) => w !== 0) &&
      (st.spare == null || (typeof st.spare === "number" && Number.isFinite(st.spare)));
    if (!ok) {
      throw new ValueError(
        `Rng.setState: expected {algorithm: "xoshiro128**", s: four unsigned 32-bit integers not all zero, spare: number | null}, got ${JSON.stringify(state)}`,
      );
    }
    [this.#s0, this.#s1, this.#s2, this.#s3] = words as [number, number, number, number];
    this.#spare = st.spare ?? null;
    return this;
  }

  /** A generator resumed from a snapshot taken by {@link Rng.state}. */
  static fromState(state: RngState): Rng {
    return new Rng(0).setState(state);
  }
}

/**
 * A new {@link Rng} seeded with `seed`, any safe integer (negative and beyond 2^32 included; other
 * values are a ValueError). Same seed, same numbers, on every machine. `rng(seed)` is
 * `new Rng(seed)`.
 *
 * Seeding reads the seed as a 64-bit two's-complement integer `hi·2^32 + lo` and fills the four
 * xoshiro128** words from two splitmix32 streams (a Weyl sequence `x + k·inc` mixed by
 * MurmurHash3's fmix32): `A` over `lo` with increment 0x9E3779B9 and `B` over `hi` with
 * increment 0xBB67AE85, giving `[A1, A2^B1, A3^B2, A4^B3]`. Distinct seeds give distinct,
 * well-mixed, non-zero states.
 *
 * @throws ValueError when `seed` is not a safe integer (`|seed| <= 2^53 - 1`): a fraction, NaN,
 *   ±Infinity or a larger integer.
 *
 * @example
 * ```ts
 * import { rng } from "@strata/tensor";
 * const a = rng(0), b = rng(0);
 * console.log(a.uniform() === b.uniform(), a.nextUint32()); // true 2465343361
 * ```
 */
export function rng(seed: number): Rng {
  return new Rng(seed);
}
