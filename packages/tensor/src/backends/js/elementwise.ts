// The TypeScript backend's elementwise loops. The op functions in ../../elementwise.ts decide
// dtypes and shapes, the dispatcher sends here what no faster backend takes, and ./map.ts decides
// which of these loops (or which ndarray-ops routine) runs over which stretch of memory. They are
// also the reference the WebAssembly kernels are tested against.
//
// Why one hand-written loop per op instead of a factory `makeBinary((x, y) => x + y)`: closures
// created by one factory share V8's feedback, so the per-element call to `f` turns megamorphic
// once a few ops have run and the loop gets 4x slower (bench/src/elementwise.ts, contiguous
// float32 add: hand-written 3.2 GB/s, factory shared by 8 ops 0.75, factory used by one op 3.3).
// Each literal below gets its own feedback and inlines its arithmetic. One loop does see several
// typed-array kinds (float32, float64, int32, bool); that polymorphism measured at most ~15%.
//
// Loops compute in float64 (JavaScript numbers) and round once when storing into the output's
// typed array, so float32 results are correctly rounded and int32 results wrap modulo 2^32.
// Comparisons are written `+(x < y)` rather than `x < y ? 1 : 0`: the conversion compiles to a
// flag move while the conditional is a branch that random data mispredicts (3x slower).
import ops from "ndarray-ops";
import type { NdArray } from "ndarray";
import type { DataArray } from "../../dtype.js";
import { erfScalar } from "./erf.js";

type Arr = DataArray;
type Nd = NdArray<DataArray>;

/** A binary op's loops: `o[o0+i] = f(a[a0+i], b[b0+i])`, with either side a scalar, for i < n. */
export interface BinaryKernel {
  vv(n: number, o: Arr, o0: number, a: Arr, a0: number, b: Arr, b0: number): void;
  vs(n: number, o: Arr, o0: number, a: Arr, a0: number, s: number): void;
  sv(n: number, o: Arr, o0: number, s: number, b: Arr, b0: number): void;
  /** Strided versions (ndarray-ops), for ops it implements with exactly the same semantics. */
  nd?: (o: Nd, a: Nd, b: Nd) => unknown;
  nds?: (o: Nd, a: Nd, s: number) => unknown;
  ndsr?: (o: Nd, s: number, b: Nd) => unknown;
}

/**
 * A unary op's loop `o[o0+i] = f(x[x0 + i·xs]; p, q)` for i < n: the input may step by any stride
 * (rows of a transposed tensor); `p`, `q` carry parameters (alpha, bounds).
 */
export interface UnaryKernel {
  run(n: number, o: Arr, o0: number, x: Arr, x0: number, xs: number, p: number, q: number): void;
  nd?: (o: Nd, x: Nd, p: number, q: number) => unknown;
}

// Commutative ops reuse their tensor-op-scalar loop for scalar-op-tensor; comparisons the mirrored one.
const add: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = a[a0 + i]! + b[b0 + i]!; },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = a[a0 + i]! + s; },
  sv: (n, o, o0, s, b, b0) => add.vs(n, o, o0, b, b0, s),
  nd: ops.add, nds: ops.adds, ndsr: (o, s, b) => ops.adds(o, b, s),
};
const sub: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = a[a0 + i]! - b[b0 + i]!; },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = a[a0 + i]! - s; },
  sv: (n, o, o0, s, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = s - b[b0 + i]!; },
  nd: ops.sub, nds: ops.subs,
};
const mul: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = a[a0 + i]! * b[b0 + i]!; },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = a[a0 + i]! * s; },
  sv: (n, o, o0, s, b, b0) => mul.vs(n, o, o0, b, b0, s),
  nd: ops.mul, nds: ops.muls, ndsr: (o, s, b) => ops.muls(o, b, s),
};
// int32 products: a float64 product past 2^53 loses the low bits that wrapping keeps.
const imul: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = Math.imul(a[a0 + i]!, b[b0 + i]!); },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = Math.imul(a[a0 + i]!, s); },
  sv: (n, o, o0, s, b, b0) => imul.vs(n, o, o0, b, b0, s),
};
const div: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = a[a0 + i]! / b[b0 + i]!; },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = a[a0 + i]! / s; },
  sv: (n, o, o0, s, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = s / b[b0 + i]!; },
  nd: ops.div, nds: ops.divs,
};
const pow: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = Math.pow(a[a0 + i]!, b[b0 + i]!); },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = Math.pow(a[a0 + i]!, s); },
  sv: (n, o, o0, s, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = Math.pow(s, b[b0 + i]!); },
  nd: ops.pow, nds: ops.pows,
};
const maximum: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = Math.max(a[a0 + i]!, b[b0 + i]!); },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = Math.max(a[a0 + i]!, s); },
  sv: (n, o, o0, s, b, b0) => maximum.vs(n, o, o0, b, b0, s),
  nd: ops.max, nds: ops.maxs, ndsr: (o, s, b) => ops.maxs(o, b, s),
};
const minimum: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = Math.min(a[a0 + i]!, b[b0 + i]!); },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = Math.min(a[a0 + i]!, s); },
  sv: (n, o, o0, s, b, b0) => minimum.vs(n, o, o0, b, b0, s),
  nd: ops.min, nds: ops.mins, ndsr: (o, s, b) => ops.mins(o, b, s),
};
const eq: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! === b[b0 + i]!); },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! === s); },
  sv: (n, o, o0, s, b, b0) => eq.vs(n, o, o0, b, b0, s),
  nd: ops.eq, nds: ops.eqs, ndsr: (o, s, b) => ops.eqs(o, b, s),
};
const ne: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! !== b[b0 + i]!); },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! !== s); },
  sv: (n, o, o0, s, b, b0) => ne.vs(n, o, o0, b, b0, s),
  nd: ops.neq, nds: ops.neqs, ndsr: (o, s, b) => ops.neqs(o, b, s),
};
const lt: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! < b[b0 + i]!); },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! < s); },
  sv: (n, o, o0, s, b, b0) => gt.vs(n, o, o0, b, b0, s),
  nd: ops.lt, nds: ops.lts, ndsr: (o, s, b) => ops.gts(o, b, s),
};
const le: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! <= b[b0 + i]!); },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! <= s); },
  sv: (n, o, o0, s, b, b0) => ge.vs(n, o, o0, b, b0, s),
  nd: ops.leq, nds: ops.leqs, ndsr: (o, s, b) => ops.geqs(o, b, s),
};
const gt: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! > b[b0 + i]!); },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! > s); },
  sv: (n, o, o0, s, b, b0) => lt.vs(n, o, o0, b, b0, s),
  nd: ops.gt, nds: ops.gts, ndsr: (o, s, b) => ops.lts(o, b, s),
};
const ge: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! >= b[b0 + i]!); },
  vs: (n, o, o0, a, a0, s) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! >= s); },
  sv: (n, o, o0, s, b, b0) => le.vs(n, o, o0, b, b0, s),
  nd: ops.geq, nds: ops.geqs, ndsr: (o, s, b) => ops.leqs(o, b, s),
};
// Truthiness is `x != 0` (so NaN is true, as in numpy), not JavaScript's (where NaN is false):
// that is why ndarray-ops' `and`/`or`/`not` are not used.
const logicalAnd: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! !== 0) & +(b[b0 + i]! !== 0); },
  vs: (n, o, o0, a, a0, s) => { const t = +(s !== 0); for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! !== 0) & t; },
  sv: (n, o, o0, s, b, b0) => logicalAnd.vs(n, o, o0, b, b0, s),
};
const logicalOr: BinaryKernel = {
  vv: (n, o, o0, a, a0, b, b0) => { for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! !== 0) | +(b[b0 + i]! !== 0); },
  vs: (n, o, o0, a, a0, s) => { const t = +(s !== 0); for (let i = 0; i < n; i++) o[o0 + i] = +(a[a0 + i]! !== 0) | t; },
  sv: (n, o, o0, s, b, b0) => logicalOr.vs(n, o, o0, b, b0, s),
};

/** Every binary kernel, by op name (`imul` is `mul` for int32 results). */
export const binaryKernels = { add, sub, mul, imul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr };
/** The name of a binary kernel. */
export type BinaryKernelName = keyof typeof binaryKernels;

// Off the hot path, so that loops stay branch-free on ordinary values and only NaN/±Infinity
// (which are rare) take the predictable slow branch.
const reluExact = (x: number): number => (x > 0 ? x : x === x ? 0 : x);

/**
 * Half-to-even rounding (numpy, PyTorch): 0.5 → 0, 1.5 → 2, 2.5 → 2, -0.5 → -0. `Math.round`
 * rounds halves up; when it did (r - x is exactly 0.5, which is exact near halves) to an odd
 * integer, step back down to the even one.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const u = (run: UnaryKernel["run"], nd?: UnaryKernel["nd"]): UnaryKernel => (nd ? { run, nd } : { run });

/** Every unary kernel, by op name (`isquare` is `square` for int32 results). */
export const unaryKernels = {
  logicalNot: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = +(x[j]! === 0);
  }, (o, x) => ops.eqs(o, x, 0)),
  neg: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = -x[j]!;
  }, (o, x) => ops.neg(o, x)),
  abs: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = Math.abs(x[j]!);
  }, (o, x) => ops.abs(o, x)),
  sign: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = Math.sign(x[j]!);
  }),
  exp: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = Math.exp(x[j]!);
  }, (o, x) => ops.exp(o, x)),
  log: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = Math.log(x[j]!);
  }, (o, x) => ops.log(o, x)),
  log1p: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = Math.log1p(x[j]!);
  }),
  sqrt: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = Math.sqrt(x[j]!);
  }, (o, x) => ops.sqrt(o, x)),
  square: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) { const v = x[j]!; o[o0 + i] = v * v; }
  }, (o, x) => ops.mul(o, x, x)),
  isquare: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) { const v = x[j]!; o[o0 + i] = Math.imul(v, v); }
  }),
  reciprocal: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = 1 / x[j]!;
  }, (o, x) => ops.recip(o, x)),
  sin: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = Math.sin(x[j]!);
  }, (o, x) => ops.sin(o, x)),
  cos: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = Math.cos(x[j]!);
  }, (o, x) => ops.cos(o, x)),
  // max(x, 0) without a data-dependent branch: x·[x > 0] is exact, except that -Infinity·0 and
  // NaN·0 are NaN, which the slow branch sorts out. `+ 0` turns the -0 of negative x into +0.
  relu: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) {
      const v = x[j]!;
      const y = v * +(v > 0);
      o[o0 + i] = y === y ? y + 0 : reluExact(v);
    }
  }),
  // x > 0 ? x : p·x, with the factor picked arithmetically (1 or p, both exact) to avoid a branch.
  leakyRelu: u((n, o, o0, x, x0, xs, p) => {
    const q = 1 - p;
    for (let i = 0, j = x0; i < n; i++, j += xs) { const v = x[j]!; const m = +(v > 0); o[o0 + i] = v * (p + m * q); }
  }),
  // 1/(1+e^-x) for x >= 0 and e^x/(1+e^x) below: exp never sees a large positive argument, so
  // nothing overflows and ±1e4 give exactly 1 and 0. The numerator (1 or e) is picked
  // arithmetically, exactly, because a branch on the sign of random data mispredicts (1.3x slower).
  sigmoid: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) {
      const v = x[j]!;
      const e = Math.exp(-Math.abs(v));
      const m = +(v >= 0);
      o[o0 + i] = (m + (1 - m) * e) / (1 + e);
    }
  }),
  tanh: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = Math.tanh(x[j]!);
  }),
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): the exponent is never positive.
  softplus: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) {
      const v = x[j]!;
      o[o0 + i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    }
  }),
  erf: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = erfScalar(x[j]!);
  }),
  floor: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = Math.floor(x[j]!);
  }, (o, x) => ops.floor(o, x)),
  ceil: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = Math.ceil(x[j]!);
  }, (o, x) => ops.ceil(o, x)),
  round: u((n, o, o0, x, x0, xs) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = roundHalfEven(x[j]!);
  }),
  clip: u((n, o, o0, x, x0, xs, lo, hi) => {
    for (let i = 0, j = x0; i < n; i++, j += xs) o[o0 + i] = Math.min(Math.max(x[j]!, lo), hi);
  }, (o, x, lo, hi) => { ops.maxs(o, x, lo); ops.minseq(o, hi); }),
};
/** The name of a unary kernel. */
export type UnaryKernelName = keyof typeof unaryKernels;

/**
 * `o[o0+i] = c[ci] ? a[ai] : b[bi]` where each index starts at its offset and steps by its
 * increment (1, or 0 to repeat one element): one loop for every mix of broadcast operands.
 */
export function whereKernel(
  n: number, o: Arr, o0: number,
  c: Arr, c0: number, cs: number, a: Arr, a0: number, as: number, b: Arr, b0: number, bs: number,
): void {
  for (let i = 0, p = c0, q = a0, r = b0; i < n; i++, p += cs, q += as, r += bs) o[o0 + i] = c[p] ? a[q]! : b[r]!;
}
