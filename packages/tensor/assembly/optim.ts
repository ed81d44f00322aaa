// The optimisers' per-parameter updates (packages/optim: SGD, Adam and AdamW, RMSprop), bit for bit
// what their TypeScript loops compute. Those loops evaluate in doubles (JavaScript numbers) and
// round once when they store into a Float32Array; so here every element is widened to f64, the
// loop's expression is evaluated in the loop's order (wasm has no fused multiply-add, and binaryen
// keeps IEEE semantics), and the result is narrowed once on store. A value the loop keeps in a
// double after storing it (the new moment, used at once) is used unrounded here too.
//
// Two elements at a time in an f64x2, either float type; an odd last element goes through the
// same vector code (the element splatted, lane 0 stored), so every element gets the same
// arithmetic. Options the loop tests (`wd !== 0`, `shrink !== 1`, a buffer present) are tested by
// the same conditions here, once per call, each combination running a loop of its own with no test
// per element (measured: SGD with momentum 277 → 186 µs on the MLP's parameters); the tests must
// stay, since skipping `g + 0·p` is not the same as adding it (0·∞ is NaN, −0 + 0 is +0).

/** Two elements from `at`, widened to f64 (pair) or the element at `at` in both lanes (!pair). */
@inline
function load<T>(at: usize, pair: bool): v128 {
  if (sizeof<T>() == 4) return f64x2.promote_low_f32x4(pair ? v128.load64_zero(at) : v128.load32_splat(at));
  return pair ? v128.load(at) : v128.load64_splat(at);
}

/** Stores both lanes of v (pair) or lane 0 (!pair) at `at`, rounded once to T. */
@inline
function store<T>(at: usize, v: v128, pair: bool): void {
  if (sizeof<T>() == 4) {
    const n = f32x4.demote_f64x2_zero(v);
    if (pair) v128.store64_lane(at, n, 0);
    else v128.store32_lane(at, n, 0);
  } else if (pair) {
    v128.store(at, v);
  } else {
    v128.store64_lane(at, v, 0);
  }
}

@inline
function mul(a: v128, b: v128): v128 {
  return f64x2.mul(a, b);
}

@inline
function add(a: v128, b: v128): v128 {
  return f64x2.add(a, b);
}

@inline
function sub(a: v128, b: v128): v128 {
  return f64x2.sub(a, b);
}

// ---- SGD ---------------------------------------------------------------------------------------

/** Flags of an SGD call: a momentum buffer is used; it was just created (the first step); Nesterov. */
const SGD_MOMENTUM = 1;
const SGD_FRESH = 2;
const SGD_NESTEROV = 4;

/**
 * sgd.ts's loop for elements [i, i + 2) (pair) or i: d = g (+ wd·p); with momentum
 * m = fresh ? d : μ·b + keep·d, b = m, d = nesterov ? d + μ·m : m; then p = p − lr·d.
 * `decay`, `momentum`, `fresh` and `nesterov` are constants at each call site, so each
 * combination gets a loop of its own with no test per element.
 */
@inline
function sgdAt<T>(
  p: usize, g: usize, b: usize, lr: v128, wd: v128, mu: v128, keep: v128, decay: bool, momentum: bool, fresh: bool, nesterov: bool, pair: bool,
): void {
  const pv = load<T>(p, pair);
  let d = load<T>(g, pair);
  if (decay) d = add(d, mul(wd, pv));
  if (momentum) {
    const m = fresh ? d : add(mul(mu, load<T>(b, pair)), mul(keep, d));
    store<T>(b, m, pair);
    d = nesterov ? add(d, mul(mu, m)) : m;
  }
  store<T>(p, sub(pv, mul(lr, d)), pair);
}

@inline
function sgdLoop<T>(
  p: usize, g: usize, b: usize, n: i32, lr: f64, wd: f64, mu: f64, keep: f64, decay: bool, momentum: bool, fresh: bool, nesterov: bool,
): void {
  const size = <usize>sizeof<T>();
  const lv = f64x2.splat(lr);
  const wv = f64x2.splat(wd);
  const mv = f64x2.splat(mu);
  const kv = f64x2.splat(keep);
  const end = p + <usize>n * size;
  const stop = p + <usize>(n & ~1) * size;
  const step: usize = 2 * size;
  const bStep = momentum ? step : 0;
  for (; p < stop; p += step, g += step, b += bStep) sgdAt<T>(p, g, b, lv, wv, mv, kv, decay, momentum, fresh, nesterov, true);
  if (p < end) sgdAt<T>(p, g, b, lv, wv, mv, kv, decay, momentum, fresh, nesterov, false);
}

/** sgdLoop with the loop's tests (wd !== 0, the flags) made once, each combination its own loop. */
@inline
function sgd<T>(p: usize, g: usize, b: usize, n: i32, lr: f64, wd: f64, mu: f64, keep: f64, flags: i32): void {
  const decay = wd != 0;
  if (!(flags & SGD_MOMENTUM)) {
    if (decay) sgdLoop<T>(p, g, b, n, lr, wd, mu, keep, true, false, false, false);
    else sgdLoop<T>(p, g, b, n, lr, wd, mu, keep, false, false, false, false);
    return;
  }
  const fresh = (flags & SGD_FRESH) != 0;
  const nesterov = (flags & SGD_NESTEROV) != 0;
  if (fresh) {
    // the first step (fresh buffer): rare enough for one loop that tests decay and Nesterov
    sgdFirst<T>(p, g, b, n, lr, wd, mu, keep, decay, nesterov);
  } else if (nesterov) {
    if (decay) sgdLoop<T>(p, g, b, n, lr, wd, mu, keep, true, true, false, true);
    else sgdLoop<T>(p, g, b, n, lr, wd, mu, keep, false, true, false, true);
  } else if (decay) {
    sgdLoop<T>(p, g, b, n, lr, wd, mu, keep, true, true, false, false);
  } else {
    sgdLoop<T>(p, g, b, n, lr, wd, mu, keep, false, true, false, false);
  }
}

// not inlined: one loop per float type for the first step, whatever the options
function sgdFirst<T>(p: usize, g: usize, b: usize, n: i32, lr: f64, wd: f64, mu: f64, keep: f64, decay: bool, nesterov: bool): void {
  if (decay) {
    if (nesterov) sgdLoop<T>(p, g, b, n, lr, wd, mu, keep, true, true, true, true);
    else sgdLoop<T>(p, g, b, n, lr, wd, mu, keep, true, true, true, false);
  } else if (nesterov) {
    sgdLoop<T>(p, g, b, n, lr, wd, mu, keep, false, true, true, true);
  } else {
    sgdLoop<T>(p, g, b, n, lr, wd, mu, keep, false, true, true, false);
  }
}

/**
 * One SGD step over n float32 elements of p from its gradient g and momentum buffer b (0 when
 * `flags` has no momentum). `keep` is 1 − dampening; flags: 1 momentum, 2 fresh buffer, 4 Nesterov.
 */
export function sgdF32(p: usize, g: usize, b: usize, n: i32, lr: f64, wd: f64, mu: f64, keep: f64, flags: i32): void {
  sgd<f32>(p, g, b, n, lr, wd, mu, keep, flags);
}

/** sgdF32 for float64. */
export function sgdF64(p: usize, g: usize, b: usize, n: i32, lr: f64, wd: f64, mu: f64, keep: f64, flags: i32): void {
  sgd<f64>(p, g, b, n, lr, wd, mu, keep, flags);
}

// ---- Adam, AdamW -------------------------------------------------------------------------------

/**
 * adam.ts's loop: g (+ l2·p); p·shrink; m = β1·m + k1·g; v = β2·v + k2·g·g; with amsgrad
 * vmax = max(vmax, v) replaces v; p = p − stepSize·m / (√(v·invC2) + ε).
 */
@inline
function adamAt<T>(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, stepSize: v128, invC2: v128, b1: v128, b2: v128, k1: v128, k2: v128,
  eps: v128, l2: v128, shrink: v128, decay: bool, shrinks: bool, amsgrad: bool, pair: bool,
): void {
  let pv = load<T>(p, pair);
  let gv = load<T>(g, pair);
  if (decay) gv = add(gv, mul(l2, pv));
  if (shrinks) pv = mul(pv, shrink);
  const mi = add(mul(b1, load<T>(m, pair)), mul(k1, gv));
  const vi = add(mul(b2, load<T>(v, pair)), mul(mul(k2, gv), gv));
  store<T>(m, mi, pair);
  store<T>(v, vi, pair);
  let vi2 = vi;
  if (amsgrad) {
    vi2 = f64x2.max(load<T>(vmax, pair), vi);
    store<T>(vmax, vi2, pair);
  }
  const denom = add(f64x2.sqrt(mul(vi2, invC2)), eps);
  store<T>(p, sub(pv, f64x2.div(mul(stepSize, mi), denom)), pair);
}

@inline
function adamLoop<T>(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  stepSize: f64, invC2: f64, b1: f64, b2: f64, k1: f64, k2: f64, eps: f64, l2: f64, shrink: f64,
  decay: bool, shrinks: bool, amsgrad: bool,
): void {
  const size = <usize>sizeof<T>();
  const lv = f64x2.splat(l2);
  const hv = f64x2.splat(shrink);
  const sv = f64x2.splat(stepSize);
  const cv = f64x2.splat(invC2);
  const b1v = f64x2.splat(b1);
  const b2v = f64x2.splat(b2);
  const k1v = f64x2.splat(k1);
  const k2v = f64x2.splat(k2);
  const ev = f64x2.splat(eps);
  const end = p + <usize>n * size;
  const stop = p + <usize>(n & ~1) * size;
  const step: usize = 2 * size;
  const vstep = amsgrad ? step : 0;
  for (; p < stop; p += step, g += step, m += step, v += step, vmax += vstep) adamAt<T>(p, g, m, v, vmax, sv, cv, b1v, b2v, k1v, k2v, ev, lv, hv, decay, shrinks, amsgrad, true);
  if (p < end) adamAt<T>(p, g, m, v, vmax, sv, cv, b1v, b2v, k1v, k2v, ev, lv, hv, decay, shrinks, amsgrad, false);
}

/** adamLoop with the loop's tests (l2 !== 0, shrink !== 1, amsgrad) made once: a loop per combination. */
@inline
function adam<T>(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  stepSize: f64, invC2: f64, b1: f64, b2: f64, k1: f64, k2: f64, eps: f64, l2: f64, shrink: f64,
): void {
  const code = (l2 != 0 ? 1 : 0) | (shrink != 1 ? 2 : 0) | (vmax != 0 ? 4 : 0);
  switch (code) {
    case 0: adamLoop<T>(p, g, m, v, vmax, n, stepSize, invC2, b1, b2, k1, k2, eps, l2, shrink, false, false, false); break;
    case 1: adamLoop<T>(p, g, m, v, vmax, n, stepSize, invC2, b1, b2, k1, k2, eps, l2, shrink, true, false, false); break;
    case 2: adamLoop<T>(p, g, m, v, vmax, n, stepSize, invC2, b1, b2, k1, k2, eps, l2, shrink, false, true, false); break;
    case 3: adamLoop<T>(p, g, m, v, vmax, n, stepSize, invC2, b1, b2, k1, k2, eps, l2, shrink, true, true, false); break;
    case 4: adamLoop<T>(p, g, m, v, vmax, n, stepSize, invC2, b1, b2, k1, k2, eps, l2, shrink, false, false, true); break;
    case 5: adamLoop<T>(p, g, m, v, vmax, n, stepSize, invC2, b1, b2, k1, k2, eps, l2, shrink, true, false, true); break;
    case 6: adamLoop<T>(p, g, m, v, vmax, n, stepSize, invC2, b1, b2, k1, k2, eps, l2, shrink, false, true, true); break;
    default: adamLoop<T>(p, g, m, v, vmax, n, stepSize, invC2, b1, b2, k1, k2, eps, l2, shrink, true, true, true);
  }
}

/**
 * One Adam or AdamW step over n float32 elements: p, gradient g, moments m and v, and vmax (0
 * without amsgrad). stepSize = lr/(1 − β1^t) and invC2 = 1/(1 − β2^t), k1 = 1 − β1, k2 = 1 − β2,
 * l2 the L2 factor (Adam) and shrink = 1 − lr·λ (AdamW), each computed by the caller as the loop does.
 */
export function adamF32(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  stepSize: f64, invC2: f64, b1: f64, b2: f64, k1: f64, k2: f64, eps: f64, l2: f64, shrink: f64,
): void {
  adam<f32>(p, g, m, v, vmax, n, stepSize, invC2, b1, b2, k1, k2, eps, l2, shrink);
}

/** adamF32 for float64. */
export function adamF64(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  stepSize: f64, invC2: f64, b1: f64, b2: f64, k1: f64, k2: f64, eps: f64, l2: f64, shrink: f64,
): void {
  adam<f64>(p, g, m, v, vmax, n, stepSize, invC2, b1, b2, k1, k2, eps, l2, shrink);
}

// ---- RMSprop -----------------------------------------------------------------------------------

/**
 * rmsprop.ts's loop: g (+ wd·p); v = α·v + (1−α)·g·g; centered: ga = α·ga + (1−α)·g and the
 * average is max(v − ga·ga, 0); step = g / (√avg + ε); momentum: b = μ·b + step, p = p − lr·b;
 * else p = p − lr·step.
 */
@inline
function rmspropAt<T>(
  p: usize, g: usize, v: usize, ga: usize, b: usize, lr: v128, a: v128, oma: v128, eps: v128, wd: v128, mu: v128,
  decay: bool, centered: bool, momentum: bool, pair: bool,
): void {
  const pv = load<T>(p, pair);
  let gv = load<T>(g, pair);
  if (decay) gv = add(gv, mul(wd, pv));
  const vi = add(mul(a, load<T>(v, pair)), mul(mul(oma, gv), gv));
  store<T>(v, vi, pair);
  let avg = vi;
  if (centered) {
    const gai = add(mul(a, load<T>(ga, pair)), mul(oma, gv));
    store<T>(ga, gai, pair);
    avg = f64x2.max(sub(vi, mul(gai, gai)), f64x2.splat(0));
  }
  const step = f64x2.div(gv, add(f64x2.sqrt(avg), eps));
  if (momentum) {
    const bi = add(mul(mu, load<T>(b, pair)), step);
    store<T>(b, bi, pair);
    store<T>(p, sub(pv, mul(lr, bi)), pair);
  } else {
    store<T>(p, sub(pv, mul(lr, step)), pair);
  }
}

@inline
function rmspropLoop<T>(
  p: usize, g: usize, v: usize, ga: usize, b: usize, n: i32, lr: f64, a: f64, oma: f64, eps: f64, wd: f64, mu: f64,
  decay: bool, centered: bool, momentum: bool,
): void {
  const size = <usize>sizeof<T>();
  const lv = f64x2.splat(lr);
  const av = f64x2.splat(a);
  const ov = f64x2.splat(oma);
  const ev = f64x2.splat(eps);
  const mv = f64x2.splat(mu);
  const wv = f64x2.splat(wd);
  const end = p + <usize>n * size;
  const stop = p + <usize>(n & ~1) * size;
  const step: usize = 2 * size;
  const gaStep = centered ? step : 0;
  const bStep = momentum ? step : 0;
  for (; p < stop; p += step, g += step, v += step, ga += gaStep, b += bStep) rmspropAt<T>(p, g, v, ga, b, lv, av, ov, ev, wv, mv, decay, centered, momentum, true);
  if (p < end) rmspropAt<T>(p, g, v, ga, b, lv, av, ov, ev, wv, mv, decay, centered, momentum, false);
}

/** rmspropLoop with the loop's tests (wd !== 0, centered, momentum) made once: a loop per combination. */
@inline
function rmsprop<T>(p: usize, g: usize, v: usize, ga: usize, b: usize, n: i32, lr: f64, a: f64, oma: f64, eps: f64, wd: f64, mu: f64): void {
  const code = (wd != 0 ? 1 : 0) | (ga != 0 ? 2 : 0) | (b != 0 ? 4 : 0);
  switch (code) {
    case 0: rmspropLoop<T>(p, g, v, ga, b, n, lr, a, oma, eps, wd, mu, false, false, false); break;
    case 1: rmspropLoop<T>(p, g, v, ga, b, n, lr, a, oma, eps, wd, mu, true, false, false); break;
    case 2: rmspropLoop<T>(p, g, v, ga, b, n, lr, a, oma, eps, wd, mu, false, true, false); break;
    case 3: rmspropLoop<T>(p, g, v, ga, b, n, lr, a, oma, eps, wd, mu, true, true, false); break;
    case 4: rmspropLoop<T>(p, g, v, ga, b, n, lr, a, oma, eps, wd, mu, false, false, true); break;
    case 5: rmspropLoop<T>(p, g, v, ga, b, n, lr, a, oma, eps, wd, mu, true, false, true); break;
    case 6: rmspropLoop<T>(p, g, v, ga, b, n, lr, a, oma, eps, wd, mu, false, true, true); break;
    default: rmspropLoop<T>(p, g, v, ga, b, n, lr, a, oma, eps, wd, mu, true, true, true);
  }
}

/**
 * One RMSprop step over n float32 elements: p, gradient g, squared average v, gradient average
 * ga (0 unless centered), momentum buffer b (0 without momentum); oma = 1 − α.
 */
export function rmspropF32(p: usize, g: usize, v: usize, ga: usize, b: usize, n: i32, lr: f64, a: f64, oma: f64, eps: f64, wd: f64, mu: f64): void {
  rmsprop<f32>(p, g, v, ga, b, n, lr, a, oma, eps, wd, mu);
}

/** rmspropF32 for float64. */
export function rmspropF64(p: usize, g: usize, v: usize, ga: usize, b: usize, n: i32, lr: f64, a: f64, oma: f64, eps: f64, wd: f64, mu: f64): void {
  rmsprop<f64>(p, g, v, ga, b, n, lr, a, oma, eps, wd, mu);
}
