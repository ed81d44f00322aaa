// Pooling on the TypeScript kernels: max pooling with the index of each maximum, gathering and
// scatter-adding through plane indices (max pooling's values and its gradient), and separable
// window averages (average and adaptive average pooling, forward and backward).
import type { AvgPoolRequest, MaxPoolRequest, PlanesRequest } from "../windows.js";

/** Max pooling with indices (see MaxPoolRequest for the tie and NaN rules). @internal */
export function jsMaxPool({ geometry: g, window: k, x, values, indices }: MaxPoolRequest): void {
  const { h, w, oh, ow } = g;
  const data = x.data;
  let out = 0;
  for (let plane = 0; plane < g.planes; plane++) {
    const at = x.offset + plane * h * w;
    for (let y = 0; y < oh; y++) {
      // the window's rows inside the input: the first tap at or after row 0, the last before h
      let h0 = y * k.sh - k.ph;
      const h1 = Math.min(h0 + (k.kh - 1) * k.dh + 1, h);
      while (h0 < 0) h0 += k.dh;
      for (let x0 = 0; x0 < ow; x0++, out++) {
        let w0 = x0 * k.sw - k.pw;
        const w1 = Math.min(w0 + (k.kw - 1) * k.dw + 1, w);
        while (w0 < 0) w0 += k.dw;
        let best = -Infinity;
        let index = h0 * w + w0;
        for (let r = h0; r < h1; r += k.dh) {
          for (let c = w0; c < w1; c += k.dw) {
            const v = data[at + r * w + c]!;
            if (v > best || v !== v) {
              best = v;
              index = r * w + c;
            }
          }
        }
        values[out] = best;
        indices[out] = index;
      }
    }
  }
}

/** Gathers or scatter-adds through plane indices (see PlanesRequest); returns how many indices lay outside their plane. @internal */
export function jsPlanes({ kind, planes, from, fromSize, indices, to, toSize }: PlanesRequest): number {
  const src = from.data;
  const per = kind === "gather" ? toSize : fromSize;
  const limit = kind === "gather" ? fromSize : toSize;
  let outside = 0;
  if (kind === "scatterAdd") to.fill(0);
  for (let plane = 0, q = 0; plane < planes; plane++) {
    const f = from.offset + plane * fromSize;
    const t = plane * toSize;
    for (let j = 0; j < per; j++, q++) {
      const i = indices[q]!;
      if (!(i >= 0 && i < limit)) outside++;
      else if (kind === "gather") to[t + j] = src[f + i]!;
      else to[t + i] = to[t + i]! + src[f + j]!;
    }
  }
  return outside;
}

/** A separable window average or its adjoint (see AvgPoolRequest). @internal */
export function jsAvgPool({ kind, geometry: g, rows, cols, x, out }: AvgPoolRequest): void {
  const { h, w, oh, ow } = g;
  const src = x.data;
  const forward = kind === "forward";
  const [inPlane, outPlane] = forward ? [h * w, oh * ow] : [oh * ow, h * w];
  for (let plane = 0; plane < g.planes; plane++) {
    const a = x.offset + plane * inPlane;
    const o = plane * outPlane;
    for (let i = 0; i < oh; i++) {
      const r0 = rows.start[i]!;
      const r1 = rows.end[i]!;
      for (let j = 0; j < ow; j++) {
        const c0 = cols.start[j]!;
        const c1 = cols.end[j]!;
        const scale = rows.scale[i]! * cols.scale[j]!;
        if (forward) {
          let s = 0;
          for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += src[a + r * w + c]!;
          out[o + i * ow + j] = s * scale;
        } else {
          const v = src[a + i * ow + j]! * scale;
          for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[o + r * w + c] = out[o + r * w + c]! + v;
        }
      }
    }
  }
}
