// Pooling in WebAssembly, float32 and float64, for a range of planes (N·C planes of H × W) per
// call: max pooling with the index of each maximum, gathering and scatter-adding through plane
// indices (max pooling's values and gradient), and separable window averages (average and
// adaptive average pooling, forward and backward). The loops are those of the TypeScript kernels
// (src/backends/js/pool.ts), which are their reference.

// The geometry block JS writes (src/backends/wasm/pooling.ts): 13 int32 words in this order.
@unmanaged
class Pool {
  planes: i32; h: i32; w: i32; oh: i32; ow: i32;
  kh: i32; kw: i32; sh: i32; sw: i32; ph: i32; pw: i32; dh: i32; dw: i32;
}

// One output by its whole window, branch-free (on random data a branch on the comparison
// mispredicts about once per window): the first maximum in scan order wins, NaN beats everything,
// and an all −∞ window points at its first position inside the input (PyTorch's rules).
@inline
function maxOne<T>(at: usize, w: i32, h0: i32, h1: i32, dh: i32, x0: i32, sw: i32, pw: i32, kw: i32, dw: i32, out: usize, where: usize): void {
  const size = <i32>sizeof<T>();
  let w0 = x0 * sw - pw;
  const w1 = min(w0 + (kw - 1) * dw + 1, w);
  while (w0 < 0) w0 += dw;
  let best = <T>-Infinity;
  let index = h0 * w + w0;
  for (let r = h0; r < h1; r += dh) {
    for (let c = w0; c < w1; c += dw) {
      const v = load<T>(at + <usize>((r * w + c) * size));
      const wins = v > best || v != v;
      best = select<T>(v, best, wins);
      index = select<i32>(r * w + c, index, wins);
    }
  }
  store<T>(out, best);
  store<i32>(where, index);
}

// Four neighbouring outputs at once (float32, stride 1 or 2, every tap inside the row): the same
// rules lane by lane, the running maxima kept in registers over the window's taps. With stride 2
// a tap of the four outputs is the even lanes of eight consecutive values. Scalar windows cost
// 0.85 ms for 32 × 8 planes of 24 × 24 pooled 2 × 2; these, about a tenth of it.
@inline
function maxFour(at: usize, w: i32, h0: i32, h1: i32, dh: i32, x0: i32, sw: i32, pw: i32, kw: i32, dw: i32, out: usize, where: usize): void {
  const steps = sw == 1 ? i32x4(0, 1, 2, 3) : i32x4(0, 2, 4, 6);
  const c0 = x0 * sw - pw;
  let best = f32x4.splat(-Infinity);
  let index = i32x4.add(i32x4.splat(h0 * w + c0), steps);
  for (let r = h0; r < h1; r += dh) {
    for (let j = 0; j < kw; j++) {
      const c = r * w + c0 + j * dw;
      const from = at + <usize>(c << 2);
      const v = sw == 1 ? v128.load(from) : v128.shuffle<f32>(v128.load(from), v128.load(from, 16), 0, 2, 4, 6);
      const wins = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
      best = v128.bitselect(v, best, wins);
      index = v128.bitselect(i32x4.add(i32x4.splat(c), steps), index, wins);
    }
  }
  v128.store(out, best);
  v128.store(where, index);
}

@inline
function maxPool<T>(geom: usize, x: usize, values: usize, indices: usize, plane0: i32, plane1: i32): void {
  const g = changetype<Pool>(geom);
  // the geometry in locals: read through `g`, every field would be loaded again after each store
  const h = g.h, w = g.w, oh = g.oh, ow = g.ow, kh = g.kh, kw = g.kw, sh = g.sh, sw = g.sw;
  const ph = g.ph, pw = g.pw, dh = g.dh, dw = g.dw;
  const size = <i32>sizeof<T>();
  // the outputs [first, last] whose four-wide blocks use only values inside the row (with stride
  // 2 the eighth value read may lie past it, unused: JS leaves slack after the input)
  const vector = size == 4 && (sw == 1 || sw == 2);
  const first = (pw + sw - 1) / sw;
  // a negative room means no block fits: integer division would round it up to output 0
  const room = w - (sw == 1 ? 4 : 7) - (kw - 1) * dw + pw;
  const last = room < 0 ? -1 : room / sw;
  for (let plane = plane0; plane < plane1; plane++) {
    const at = x + <usize>(plane * h * w * size);
    for (let y = 0; y < oh; y++) {
      let h0 = y * sh - ph;
      const h1 = min(h0 + (kh - 1) * dh + 1, h);
      while (h0 < 0) h0 += dh;
      const row = (plane * oh + y) * ow;
      const out = values + <usize>(row * size);
      const where = indices + <usize>(row << 2);
      let x0 = 0;
      if (vector) {
        for (; x0 < first && x0 < ow; x0++) {
          maxOne<T>(at, w, h0, h1, dh, x0, sw, pw, kw, dw, out + <usize>(x0 * size), where + <usize>(x0 << 2));
        }
        for (; x0 + 4 <= ow && x0 <= last; x0 += 4) {
          maxFour(at, w, h0, h1, dh, x0, sw, pw, kw, dw, out + <usize>(x0 << 2), where + <usize>(x0 << 2));
        }
      }
      for (; x0 < ow; x0++) {
        maxOne<T>(at, w, h0, h1, dh, x0, sw, pw, kw, dw, out + <usize>(x0 * size), where + <usize>(x0 << 2));
      }
    }
  }
}

/** Max pooling of planes [plane0, plane1), float32: values and int32 indices (row·W + column). */
export function maxPoolF32(geom: usize, x: usize, values: usize, indices: usize, plane0: i32, plane1: i32): void {
  maxPool<f32>(geom, x, values, indices, plane0, plane1);
}

/** maxPoolF32 for float64. */
export function maxPoolF64(geom: usize, x: usize, values: usize, indices: usize, plane0: i32, plane1: i32): void {
  maxPool<f64>(geom, x, values, indices, plane0, plane1);
}

// kind 0: to[p, j] = from[p, idx[p, j]]; kind 1: to[p, idx[p, j]] += from[p, j] (to zeroed here).
// An index outside its plane is skipped (it would address memory outside the operand) and
// counted: the count is stored at `outside` for JS to raise the error. Checking here costs a
// compare per index; checking in JS before the call cost a pass over the indices.
@inline
function planes<T>(kind: i32, from: usize, fromSize: i32, indices: usize, to: usize, toSize: i32, plane0: i32, plane1: i32, outside: usize): void {
  const size = <i32>sizeof<T>();
  const gather = kind == 0;
  const per = gather ? toSize : fromSize;
  const limit = <u32>(gather ? fromSize : toSize);
  let skipped = 0;
  if (!gather) memory.fill(to + <usize>(plane0 * toSize * size), 0, <usize>((plane1 - plane0) * toSize * size));
  for (let plane = plane0; plane < plane1; plane++) {
    const f = from + <usize>(plane * fromSize * size);
    const t = to + <usize>(plane * toSize * size);
    const idx = indices + <usize>(plane * per * 4);
    for (let j = 0; j < per; j++) {
      const i = load<i32>(idx + <usize>(j << 2));
      if (<u32>i >= limit) {
        skipped++;
        continue;
      }
      if (gather) {
        store<T>(t + <usize>(j * size), load<T>(f + <usize>(i * size)));
      } else {
        const at = t + <usize>(i * size);
        store<T>(at, load<T>(at) + load<T>(f + <usize>(j * size)));
      }
    }
  }
  store<i32>(outside, skipped);
}

/**
 * Gather (kind 0) or scatter-add (kind 1) through plane indices, planes [plane0, plane1), float32;
 * the number of indices outside their plane (skipped) is stored as an int32 at `outside`.
 */
export function planesF32(kind: i32, from: usize, fromSize: i32, indices: usize, to: usize, toSize: i32, plane0: i32, plane1: i32, outside: usize): void {
  planes<f32>(kind, from, fromSize, indices, to, toSize, plane0, plane1, outside);
}

/** planesF32 for float64. */
export function planesF64(kind: i32, from: usize, fromSize: i32, indices: usize, to: usize, toSize: i32, plane0: i32, plane1: i32, outside: usize): void {
  planes<f64>(kind, from, fromSize, indices, to, toSize, plane0, plane1, outside);
}

// Window tables: int32 [rowStart(oh), rowEnd(oh), colStart(ow), colEnd(ow)] at `bounds`, float64
// [rowScale(oh), colScale(ow)] at `scales`.
@inline
function avgPool<T>(kind: i32, geom: usize, bounds: usize, scales: usize, x: usize, out: usize, plane0: i32, plane1: i32): void {
  const g = changetype<Pool>(geom);
  const h = g.h, w = g.w, oh = g.oh, ow = g.ow;
  const size = <i32>sizeof<T>();
  const forward = kind == 0;
  const inPlane = forward ? h * w : oh * ow;
  const outPlane = forward ? oh * ow : h * w;
  const rowEnd = bounds + <usize>(oh << 2);
  const colStart = rowEnd + <usize>(oh << 2);
  const colEnd = colStart + <usize>(ow << 2);
  const colScale = scales + <usize>(oh << 3);
  if (!forward) memory.fill(out + <usize>(plane0 * outPlane * size), 0, <usize>((plane1 - plane0) * outPlane * size));
  for (let plane = plane0; plane < plane1; plane++) {
    const a = x + <usize>(plane * inPlane * size);
    const o = out + <usize>(plane * outPlane * size);
    for (let i = 0; i < oh; i++) {
      const r0 = load<i32>(bounds + <usize>(i << 2));
      const r1 = load<i32>(rowEnd + <usize>(i << 2));
      const rs = load<f64>(scales + <usize>(i << 3));
      for (let j = 0; j < ow; j++) {
        const c0 = load<i32>(colStart + <usize>(j << 2));
        const c1 = load<i32>(colEnd + <usize>(j << 2));
        const scale = rs * load<f64>(colScale + <usize>(j << 3));
        if (forward) {
          let s: f64 = 0;
          for (let r = r0; r < r1; r++) {
            for (let c = c0; c < c1; c++) s += <f64>load<T>(a + <usize>((r * w + c) * size));
          }
          store<T>(o + <usize>((i * ow + j) * size), <T>(s * scale));
        } else {
          // added in float64 and rounded once, as the TypeScript kernel does
          const v = <f64>load<T>(a + <usize>((i * ow + j) * size)) * scale;
          for (let r = r0; r < r1; r++) {
            for (let c = c0; c < c1; c++) {
              const at = o + <usize>((r * w + c) * size);
              store<T>(at, <T>(<f64>load<T>(at) + v));
            }
          }
        }
      }
    }
  }
}

/** Window average (kind 0) or its adjoint (kind 1) of planes [plane0, plane1), float32. */
export function avgPoolF32(kind: i32, geom: usize, bounds: usize, scales: usize, x: usize, out: usize, plane0: i32, plane1: i32): void {
  avgPool<f32>(kind, geom, bounds, scales, x, out, plane0, plane1);
}

/** avgPoolF32 for float64. */
export function avgPoolF64(kind: i32, geom: usize, bounds: usize, scales: usize, x: usize, out: usize, plane0: i32, plane1: i32): void {
  avgPool<f64>(kind, geom, bounds, scales, x, out, plane0, plane1);
}
