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

@inline
function maxPool<T>(geom: usize, x: usize, values: usize, indices: usize, plane0: i32, plane1: i32): void {
  const g = changetype<Pool>(geom);
  const size = <i32>sizeof<T>();
  let out = plane0 * g.oh * g.ow;
  for (let plane = plane0; plane < plane1; plane++) {
    const at = x + <usize>(plane * g.h * g.w * size);
    for (let y = 0; y < g.oh; y++) {
      let h0 = y * g.sh - g.ph;
      const h1 = min(h0 + (g.kh - 1) * g.dh + 1, g.h);
      while (h0 < 0) h0 += g.dh;
      for (let x0 = 0; x0 < g.ow; x0++, out++) {
        let w0 = x0 * g.sw - g.pw;
        const w1 = min(w0 + (g.kw - 1) * g.dw + 1, g.w);
        while (w0 < 0) w0 += g.dw;
        // the first maximum in scan order wins; NaN beats everything (PyTorch's rule)
        let best = <T>-Infinity;
        let index = h0 * g.w + w0;
        for (let r = h0; r < h1; r += g.dh) {
          for (let c = w0; c < w1; c += g.dw) {
            const v = load<T>(at + <usize>((r * g.w + c) * size));
            if (v > best || v != v) {
              best = v;
              index = r * g.w + c;
            }
          }
        }
        store<T>(values + <usize>(out * size), best);
        store<i32>(indices + <usize>(out << 2), index);
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
@inline
function planes<T>(kind: i32, from: usize, fromSize: i32, indices: usize, to: usize, toSize: i32, plane0: i32, plane1: i32): void {
  const size = <i32>sizeof<T>();
  const gather = kind == 0;
  const per = gather ? toSize : fromSize;
  if (!gather) memory.fill(to + <usize>(plane0 * toSize * size), 0, <usize>((plane1 - plane0) * toSize * size));
  for (let plane = plane0; plane < plane1; plane++) {
    const f = from + <usize>(plane * fromSize * size);
    const t = to + <usize>(plane * toSize * size);
    const idx = indices + <usize>(plane * per * 4);
    for (let j = 0; j < per; j++) {
      const i = load<i32>(idx + <usize>(j << 2));
      if (gather) {
        store<T>(t + <usize>(j * size), load<T>(f + <usize>(i * size)));
      } else {
        const at = t + <usize>(i * size);
        store<T>(at, load<T>(at) + load<T>(f + <usize>(j * size)));
      }
    }
  }
}

/** Gather (kind 0) or scatter-add (kind 1) through plane indices, planes [plane0, plane1), float32. */
export function planesF32(kind: i32, from: usize, fromSize: i32, indices: usize, to: usize, toSize: i32, plane0: i32, plane1: i32): void {
  planes<f32>(kind, from, fromSize, indices, to, toSize, plane0, plane1);
}

/** planesF32 for float64. */
export function planesF64(kind: i32, from: usize, fromSize: i32, indices: usize, to: usize, toSize: i32, plane0: i32, plane1: i32): void {
  planes<f64>(kind, from, fromSize, indices, to, toSize, plane0, plane1);
}

// Window tables: int32 [rowStart(oh), rowEnd(oh), colStart(ow), colEnd(ow)] at `bounds`, float64
// [rowScale(oh), colScale(ow)] at `scales`.
@inline
function avgPool<T>(kind: i32, geom: usize, bounds: usize, scales: usize, x: usize, out: usize, plane0: i32, plane1: i32): void {
  const g = changetype<Pool>(geom);
  const size = <i32>sizeof<T>();
  const forward = kind == 0;
  const inPlane = forward ? g.h * g.w : g.oh * g.ow;
  const outPlane = forward ? g.oh * g.ow : g.h * g.w;
  const rowEnd = bounds + <usize>(g.oh << 2);
  const colStart = rowEnd + <usize>(g.oh << 2);
  const colEnd = colStart + <usize>(g.ow << 2);
  const colScale = scales + <usize>(g.oh << 3);
  if (!forward) memory.fill(out + <usize>(plane0 * outPlane * size), 0, <usize>((plane1 - plane0) * outPlane * size));
  for (let plane = plane0; plane < plane1; plane++) {
    const a = x + <usize>(plane * inPlane * size);
    const o = out + <usize>(plane * outPlane * size);
    for (let i = 0; i < g.oh; i++) {
      const r0 = load<i32>(bounds + <usize>(i << 2));
      const r1 = load<i32>(rowEnd + <usize>(i << 2));
      const rs = load<f64>(scales + <usize>(i << 3));
      for (let j = 0; j < g.ow; j++) {
        const c0 = load<i32>(colStart + <usize>(j << 2));
        const c1 = load<i32>(colEnd + <usize>(j << 2));
        const scale = rs * load<f64>(colScale + <usize>(j << 3));
        if (forward) {
          let s: f64 = 0;
          for (let r = r0; r < r1; r++) {
            for (let c = c0; c < c1; c++) s += <f64>load<T>(a + <usize>((r * g.w + c) * size));
          }
          store<T>(o + <usize>((i * g.ow + j) * size), <T>(s * scale));
        } else {
          const v = <T>(<f64>load<T>(a + <usize>((i * g.ow + j) * size)) * scale);
          for (let r = r0; r < r1; r++) {
            for (let c = c0; c < c1; c++) {
              const at = o + <usize>((r * g.w + c) * size);
              store<T>(at, load<T>(at) + v);
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
