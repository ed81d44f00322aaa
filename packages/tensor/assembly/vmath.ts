// Vector math on v128 lanes: e^x, log x, tanh x and the logistic sigmoid for four float32 or two
// float64 lanes. No branches and no lane extraction: every lane runs the same instructions, so a
// result is a pure function of its own lane's value (the same in a full vector or a row's tail).
//
// Contract, against float64 Math.exp / Math.log / Math.tanh and 1/(1+e^−x) (float32 results
// against that float64 value, in float32 ulps):
//   exp, log ≤ 2 ulp; tanh, sigmoid ≤ 3 ulp, in both dtypes, wherever the result is normal,
//   including tiny inputs (tanh x ≈ x), log near 1 and sigmoid of large negative x (≈ e^x).
//   exp: +Inf above the largest finite result (x > 88.72 f32, 709.78 f64); results below the
//   smallest normal are subnormals (gradual underflow, not flushed; so for sigmoid too), within
//   the same bound counted in units of the smallest subnormal, 0 from about −103.97 f32 /
//   −745.13 f64 on; exp(−Inf) = 0, exp(+Inf) = +Inf. log: log ±0 = −Inf, log(x < 0) = NaN,
//   log +Inf = +Inf, subnormal inputs as accurate as normal ones. tanh: ±0 → ±0, ±Inf → ±1,
//   |tanh| ≤ 1. sigmoid: +Inf → 1, −Inf → 0, result in [0, 1], never NaN for finite x.
//   NaN in gives NaN out everywhere.
//
// Method (no FMA assumed): x = n·ln2 + r, |r| ≤ ln2/2, with ln2 split in a short high part (n·hi
// and x − n·hi exact) and a low part; e^r = 1 + r + r²·Q(r), Q a minimax polynomial fitted for
// this file; 2^n built in the exponent bits. log: x = 2^k·(1+f), √½ ≤ 1+f < √2, and
// log(1+f) = 2·atanh(s), s = f/(2+f), written f − f²/2 + s·(f²/2 + s²·T(s²)) so the exact f
// leads and the rounding of s only touches terms a few times smaller. tanh: an odd polynomial
// below |x| = 0.55 (the cancellation-free route to tanh x ≈ x for tiny x, in place of an expm1
// form), 1 − 2/(e^{2|x|} + 1) above. sigmoid: e = e^−|x|, then (x ≥ 0 ? 1 : e)/(1 + e).

// ---- float32 ----------------------------------------------------------------------------------

const LOG2E32: f32 = 1.44269504;
// 1.5·2^23: adding it rounds to an integer that then sits in the low mantissa bits.
const SHIFT32: f32 = 12582912.0;
const SHIFT32_BITS: i32 = 0x4b400000;
// ln2 = HI + LO, HI with 15 significant bits so n·HI is exact for |n| < 512.
const LN2_HI32: f32 = 0.693145751953125;
const LN2_LO32: f32 = 1.428606765330187e-6;
// Q(r) ≈ (e^r − 1 − r)/r² on |r| ≤ ln2/2: relative error of r + r²·Q below 2e-9.
const E32_0: f32 = 0.5;
const E32_1: f32 = 0.1666666716337204;
const E32_2: f32 = 0.041666463017463684;
const E32_3: f32 = 0.00833328627049923;
const E32_4: f32 = 0.001393369515426457;
const E32_5: f32 = 0.00019907650130335242;
// T(z) ≈ (2·atanh(s)/s − 2)/z, z = s² ≤ 0.0295: its error moves log by below 3e-9 relative.
const L32_0: f32 = 0.6666668653488159;
const L32_1: f32 = 0.39988696575164795;
const L32_2: f32 = 0.2958308756351471;
// P(z) ≈ (tanh(a)/a − 1)/z on a ≤ 0.55: moves tanh by below 6e-9 relative.
const T32_0: f32 = -0.3333333134651184;
const T32_1: f32 = 0.13333120942115784;
const T32_2: f32 = -0.05391068384051323;
const T32_3: f32 = 0.02131599374115467;
const T32_4: f32 = -0.006621102336794138;
const SQRT_HALF_BITS32: i32 = 0x3f3504f3;
const MIN_NORMAL32: f32 = 1.17549435e-38;
// tanh leaves its polynomial for 1 − 2/(e^{2|x|} + 1) where it passes 1/2: the quotient is then
// under 1/2, so its error counts at most half in the result.
const TANH_SWITCH: f32 = 0.55;

/** t = y·log2e + SHIFT32, whose low bits hold n = round(y/ln2) (|y| < 2^20 assumed). */
@inline
function roundedF32(y: v128): v128 {
  return f32x4.add(f32x4.mul(y, f32x4.splat(LOG2E32)), f32x4.splat(SHIFT32));
}

/** e^r for r = y − n·ln2, n the integer held in t. */
@inline
function expReducedF32(y: v128, t: v128): v128 {
  const n = f32x4.sub(t, f32x4.splat(SHIFT32));
  const rh = f32x4.sub(y, f32x4.mul(n, f32x4.splat(LN2_HI32))); // exact
  const nl = f32x4.mul(n, f32x4.splat(LN2_LO32));
  const r = f32x4.sub(rh, nl);
  // The two roundings that would otherwise cost up to 3/4 ulp, recovered exactly (|rh| ≥ |nl|
  // and 1 > |r|) and added back with the small terms: c of r = rh − nl, lo of 1 + r.
  const c = f32x4.sub(f32x4.sub(rh, r), nl);
  const hi = f32x4.add(f32x4.splat(1), r);
  const lo = f32x4.add(f32x4.sub(f32x4.splat(1), hi), r);
  const r2 = f32x4.mul(r, r);
  const a = f32x4.add(f32x4.splat(E32_0), f32x4.mul(f32x4.splat(E32_1), r));
  const b = f32x4.add(f32x4.splat(E32_2), f32x4.mul(f32x4.splat(E32_3), r));
  const d = f32x4.add(f32x4.splat(E32_4), f32x4.mul(f32x4.splat(E32_5), r));
  const q = f32x4.add(a, f32x4.mul(r2, f32x4.add(b, f32x4.mul(r2, d))));
  return f32x4.add(hi, f32x4.add(lo, f32x4.add(c, f32x4.mul(r2, q))));
}

/** e^x in each float32 lane. */
@inline
export function expF32x4(x: v128): v128 {
  // Past these bounds the result is +Inf or 0 anyway; pmin/pmax return their first operand when
  // it is NaN, so NaN survives the clamp.
  const y = f32x4.pmax(f32x4.pmin(x, f32x4.splat(89)), f32x4.splat(-104));
  const t = roundedF32(y);
  const e = expReducedF32(y, t);
  // n runs from −150 to 128, past the exponent range: scale by 2^(n>>1) then by the rest, so the
  // largest results round to +Inf and the smallest to subnormals with a single rounding.
  const n = i32x4.sub(t, i32x4.splat(SHIFT32_BITS));
  const n1 = i32x4.shr_s(n, 1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(n, n1), i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(e, s1), s2);
}

/** log x in each float32 lane. */
@inline
export function logF32x4(x: v128): v128 {
  // Subnormals are scaled up by 2^25 first so their leading bits reach the mantissa.
  const tiny = f32x4.lt(x, f32x4.splat(MIN_NORMAL32));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(33554432.0)), x, tiny);
  // Offsetting the bits by those of √½ puts the exponent step where the mantissa passes √½.
  const u = i32x4.sub(xs, i32x4.splat(SQRT_HALF_BITS32));
  const k = i32x4.sub(i32x4.shr_s(u, 23), v128.and(tiny, i32x4.splat(25)));
  const m = i32x4.add(v128.and(u, i32x4.splat(0x7fffff)), i32x4.splat(SQRT_HALF_BITS32));
  const f = f32x4.sub(m, f32x4.splat(1)); // exact: 1+f lies within a factor 2 of 1
  const s = f32x4.div(f, f32x4.add(f32x4.splat(2), f));
  const z = f32x4.mul(s, s);
  const tz = f32x4.add(f32x4.add(f32x4.splat(L32_0), f32x4.mul(z, f32x4.splat(L32_1))), f32x4.mul(f32x4.mul(z, z), f32x4.splat(L32_2)));
  const hfsq = f32x4.mul(f32x4.splat(0.5), f32x4.mul(f, f));
  const kf = f32x4.convert_i32x4_s(k);
  const lo = f32x4.add(f32x4.mul(s, f32x4.add(hfsq, f32x4.mul(z, tz))), f32x4.mul(kf, f32x4.splat(LN2_LO32)));
  let r = f32x4.add(f32x4.mul(kf, f32x4.splat(LN2_HI32)), f32x4.sub(f, f32x4.sub(hfsq, lo)));
  r = v128.bitselect(r, x, f32x4.lt(x, f32x4.splat(Infinity))); // +Inf and NaN give themselves
  r = v128.bitselect(f32x4.splat(NaN), r, f32x4.lt(x, f32x4.splat(0)));
  return v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, f32x4.splat(0)));
}

/** tanh x in each float32 lane. */
@inline
export function tanhF32x4(x: v128): v128 {
  const ax = f32x4.abs(x);
  // Up to TANH_SWITCH: a + a·z·P(z), z = a², whose correction term is under a tenth of a, so
  // tiny x keep their full relative accuracy (tanh 1e-30 = 1e-30).
  const z = f32x4.mul(ax, ax);
  const z2 = f32x4.mul(z, z);
  const pa = f32x4.add(f32x4.splat(T32_0), f32x4.mul(z, f32x4.splat(T32_1)));
  const pb = f32x4.add(f32x4.splat(T32_2), f32x4.mul(z, f32x4.splat(T32_3)));
  const pz = f32x4.add(pa, f32x4.mul(z2, f32x4.add(pb, f32x4.mul(z2, f32x4.splat(T32_4)))));
  const small = f32x4.add(ax, f32x4.mul(f32x4.mul(ax, z), pz));
  // Above: 1 − 2/(e^{2a} + 1). tanh 10 rounds to 1, and the bound keeps e^{2a} finite (n ≤ 29).
  const y = f32x4.mul(f32x4.pmin(ax, f32x4.splat(10)), f32x4.splat(2));
  const t = roundedF32(y);
  const s = i32x4.shl(i32x4.add(i32x4.sub(t, i32x4.splat(SHIFT32_BITS)), i32x4.splat(127)), 23);
  const den = f32x4.add(f32x4.mul(s, expReducedF32(y, t)), f32x4.splat(1));
  const large = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), den));
  const r = v128.bitselect(large, small, f32x4.gt(ax, f32x4.splat(TANH_SWITCH)));
  return v128.or(r, v128.and(x, f32x4.splat(-0.0))); // odd: x's sign back, ±0 kept
}

/** 1 / (1 + e^−x) in each float32 lane. */
@inline
export function sigmoidF32x4(x: v128): v128 {
  // With e = e^−|x| ≤ 1 nothing overflows: 1/(1+e) for x ≥ 0, e/(1+e) below.
  const e = expF32x4(f32x4.neg(f32x4.abs(x)));
  const pos = f32x4.ge(x, f32x4.splat(0));
  const d = f32x4.add(f32x4.splat(1), e);
  const q = f32x4.div(v128.bitselect(f32x4.splat(1), e, pos), d);
  // The rounding of 1 + e (exact as derr, 1 ≥ e) would cost up to an ulp: divide it out to first
  // order, q·(1 − derr/d), with 1/d = q for x ≥ 0 and 1 − q below.
  const derr = f32x4.add(f32x4.sub(f32x4.splat(1), d), e);
  const inv = v128.bitselect(q, f32x4.sub(f32x4.splat(1), q), pos);
  return f32x4.sub(q, f32x4.mul(q, f32x4.mul(derr, inv)));
}

// ---- float64 ----------------------------------------------------------------------------------

const LOG2E64: f64 = 1.4426950408889634;
// 1.5·2^52, as SHIFT32.
const SHIFT64: f64 = 6755399441055744.0;
const SHIFT64_BITS: i64 = 0x4338000000000000;
// ln2 = HI + LO, HI with 32 significant bits so n·HI is exact for |n| < 2^21.
const LN2_HI64: f64 = 0.6931471803691238;
const LN2_LO64: f64 = 1.9082149292705877e-10;
// Q as for float32, degree 10: relative error of r + r²·Q below 1e-18.
const E64_0: f64 = 0.5;
const E64_1: f64 = 0.1666666666666667;
const E64_2: f64 = 0.041666666666666685;
const E64_3: f64 = 0.008333333333326106;
const E64_4: f64 = 0.0013888888888874342;
const E64_5: f64 = 0.00019841269874918384;
const E64_6: f64 = 2.4801587347472418e-5;
const E64_7: f64 = 2.755725527651574e-6;
const E64_8: f64 = 2.755725278424852e-7;
const E64_9: f64 = 2.510526837928181e-8;
const E64_10: f64 = 2.0921632656313207e-9;
// T as for float32, degree 6: moves log by below 5e-18 relative.
const L64_0: f64 = 0.666666666666667;
const L64_1: f64 = 0.39999999999897884;
const L64_2: f64 = 0.2857142862665205;
const L64_3: f64 = 0.2222221103168774;
const L64_4: f64 = 0.18182896210057467;
const L64_5: f64 = 0.15331497730121518;
const L64_6: f64 = 0.14619097021515115;
// P as for float32, degree 10: moves tanh by below 6e-18 relative.
const T64_0: f64 = -0.3333333333333333;
const T64_1: f64 = 0.13333333333332742;
const T64_2: f64 = -0.05396825396746407;
const T64_3: f64 = 0.021869488494933757;
const T64_4: f64 = -0.008863234424937845;
const T64_5: f64 = 0.0035921107123171496;
const T64_6: f64 = -0.001455664328780911;
const T64_7: f64 = 0.000588947635633805;
const T64_8: f64 = -0.0002346671960710305;
const T64_9: f64 = 8.516348502929491e-5;
const T64_10: f64 = -2.063596331391758e-5;
const SQRT_HALF_BITS64: i64 = 0x3fe6a09e667f3bcd;
const MIN_NORMAL64: f64 = 2.2250738585072014e-308;

@inline
function roundedF64(y: v128): v128 {
  return f64x2.add(f64x2.mul(y, f64x2.splat(LOG2E64)), f64x2.splat(SHIFT64));
}

/** e^r for r = y − n·ln2, n the integer held in t; as expReducedF32. */
@inline
function expReducedF64(y: v128, t: v128): v128 {
  const n = f64x2.sub(t, f64x2.splat(SHIFT64));
  const rh = f64x2.sub(y, f64x2.mul(n, f64x2.splat(LN2_HI64)));
  const nl = f64x2.mul(n, f64x2.splat(LN2_LO64));
  const r = f64x2.sub(rh, nl);
  const c = f64x2.sub(f64x2.sub(rh, r), nl);
  const hi = f64x2.add(f64x2.splat(1), r);
  const lo = f64x2.add(f64x2.sub(f64x2.splat(1), hi), r);
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const a = f64x2.add(f64x2.splat(E64_0), f64x2.mul(f64x2.splat(E64_1), r));
  const b = f64x2.add(f64x2.splat(E64_2), f64x2.mul(f64x2.splat(E64_3), r));
  const d = f64x2.add(f64x2.splat(E64_4), f64x2.mul(f64x2.splat(E64_5), r));
  const e = f64x2.add(f64x2.splat(E64_6), f64x2.mul(f64x2.splat(E64_7), r));
  const g = f64x2.add(f64x2.splat(E64_8), f64x2.mul(f64x2.splat(E64_9), r));
  const ab = f64x2.add(a, f64x2.mul(r2, b));
  const de = f64x2.add(d, f64x2.mul(r2, e));
  const gh = f64x2.add(g, f64x2.mul(r2, f64x2.splat(E64_10)));
  const q = f64x2.add(ab, f64x2.mul(r4, f64x2.add(de, f64x2.mul(r4, gh))));
  return f64x2.add(hi, f64x2.add(lo, f64x2.add(c, f64x2.mul(r2, q))));
}

/** e^x in each float64 lane. */
@inline
export function expF64x2(x: v128): v128 {
  // As expF32x4: the clamp is past both thresholds and lets NaN through.
  const y = f64x2.pmax(f64x2.pmin(x, f64x2.splat(710)), f64x2.splat(-746));
  const t = roundedF64(y);
  const e = expReducedF64(y, t);
  // n runs from −1076 to 1024: two half scalings as in expF32x4.
  const n = i64x2.sub(t, i64x2.splat(SHIFT64_BITS));
  const n1 = i64x2.shr_s(n, 1);
  const s1 = i64x2.shl(i64x2.add(n1, i64x2.splat(1023)), 52);
  const s2 = i64x2.shl(i64x2.add(i64x2.sub(n, n1), i64x2.splat(1023)), 52);
  return f64x2.mul(f64x2.mul(e, s1), s2);
}

/** log x in each float64 lane. */
@inline
export function logF64x2(x: v128): v128 {
  // As logF32x4, subnormals scaled by 2^54.
  const tiny = f64x2.lt(x, f64x2.splat(MIN_NORMAL64));
  const xs = v128.bitselect(f64x2.mul(x, f64x2.splat(18014398509481984.0)), x, tiny);
  const u = i64x2.sub(xs, i64x2.splat(SQRT_HALF_BITS64));
  const k = i64x2.sub(i64x2.shr_s(u, 52), v128.and(tiny, i64x2.splat(54)));
  const m = i64x2.add(v128.and(u, i64x2.splat(0x000fffffffffffff)), i64x2.splat(SQRT_HALF_BITS64));
  const f = f64x2.sub(m, f64x2.splat(1));
  const s = f64x2.div(f, f64x2.add(f64x2.splat(2), f));
  const z = f64x2.mul(s, s);
  const z2 = f64x2.mul(z, z);
  const a = f64x2.add(f64x2.splat(L64_0), f64x2.mul(z, f64x2.splat(L64_1)));
  const b = f64x2.add(f64x2.splat(L64_2), f64x2.mul(z, f64x2.splat(L64_3)));
  const c = f64x2.add(f64x2.splat(L64_4), f64x2.mul(z, f64x2.splat(L64_5)));
  const tz = f64x2.add(a, f64x2.mul(z2, f64x2.add(b, f64x2.mul(z2, f64x2.add(c, f64x2.mul(z2, f64x2.splat(L64_6)))))));
  const hfsq = f64x2.mul(f64x2.splat(0.5), f64x2.mul(f, f));
  // No i64 → f64 conversion in SIMD: k (|k| < 2^51) added to SHIFT64's bits is SHIFT64 + k.
  const kf = f64x2.sub(i64x2.add(k, i64x2.splat(SHIFT64_BITS)), f64x2.splat(SHIFT64));
  const lo = f64x2.add(f64x2.mul(s, f64x2.add(hfsq, f64x2.mul(z, tz))), f64x2.mul(kf, f64x2.splat(LN2_LO64)));
  let r = f64x2.add(f64x2.mul(kf, f64x2.splat(LN2_HI64)), f64x2.sub(f, f64x2.sub(hfsq, lo)));
  r = v128.bitselect(r, x, f64x2.lt(x, f64x2.splat(Infinity)));
  r = v128.bitselect(f64x2.splat(NaN), r, f64x2.lt(x, f64x2.splat(0)));
  return v128.bitselect(f64x2.splat(-Infinity), r, f64x2.eq(x, f64x2.splat(0)));
}

/** tanh x in each float64 lane. */
@inline
export function tanhF64x2(x: v128): v128 {
  // As tanhF32x4, with tanh 22 rounding to 1.
  const ax = f64x2.abs(x);
  const z = f64x2.mul(ax, ax);
  const z2 = f64x2.mul(z, z);
  const z4 = f64x2.mul(z2, z2);
  const pa = f64x2.add(f64x2.splat(T64_0), f64x2.mul(z, f64x2.splat(T64_1)));
  const pb = f64x2.add(f64x2.splat(T64_2), f64x2.mul(z, f64x2.splat(T64_3)));
  const pc = f64x2.add(f64x2.splat(T64_4), f64x2.mul(z, f64x2.splat(T64_5)));
  const pd = f64x2.add(f64x2.splat(T64_6), f64x2.mul(z, f64x2.splat(T64_7)));
  const pe = f64x2.add(f64x2.splat(T64_8), f64x2.mul(z, f64x2.splat(T64_9)));
  const pab = f64x2.add(pa, f64x2.mul(z2, pb));
  const pcd = f64x2.add(pc, f64x2.mul(z2, pd));
  const pef = f64x2.add(pe, f64x2.mul(z2, f64x2.splat(T64_10)));
  const pz = f64x2.add(pab, f64x2.mul(z4, f64x2.add(pcd, f64x2.mul(z4, pef))));
  const small = f64x2.add(ax, f64x2.mul(f64x2.mul(ax, z), pz));
  const y = f64x2.mul(f64x2.pmin(ax, f64x2.splat(22)), f64x2.splat(2));
  const t = roundedF64(y);
  const s = i64x2.shl(i64x2.add(i64x2.sub(t, i64x2.splat(SHIFT64_BITS)), i64x2.splat(1023)), 52);
  const den = f64x2.add(f64x2.mul(s, expReducedF64(y, t)), f64x2.splat(1));
  const large = f64x2.sub(f64x2.splat(1), f64x2.div(f64x2.splat(2), den));
  const r = v128.bitselect(large, small, f64x2.gt(ax, f64x2.splat(0.55)));
  return v128.or(r, v128.and(x, f64x2.splat(-0.0)));
}

/** 1 / (1 + e^−x) in each float64 lane. */
@inline
export function sigmoidF64x2(x: v128): v128 {
  // As sigmoidF32x4.
  const e = expF64x2(f64x2.neg(f64x2.abs(x)));
  const pos = f64x2.ge(x, f64x2.splat(0));
  const d = f64x2.add(f64x2.splat(1), e);
  const q = f64x2.div(v128.bitselect(f64x2.splat(1), e, pos), d);
  const derr = f64x2.add(f64x2.sub(f64x2.splat(1), d), e);
  const inv = v128.bitselect(q, f64x2.sub(f64x2.splat(1), q), pos);
  return f64x2.sub(q, f64x2.mul(q, f64x2.mul(derr, inv)));
}
