// A 2-D convolution's three products in WebAssembly, float32 and float64, for a range of images
// (and of output positions) per call, so that each thread unfolds and multiplies its own images:
//
//   forward  for each image, chunk of output positions, group:
//              unfold the receptive fields into cols (K × chunk, zeros in the padding)
//              y[group rows, chunk] = W_g · cols (+ bias)             gemm.ts's blocked product
//   input    for each image, chunk, group: cols = W_gᵀ · dy_g, then fold cols back onto dx
//   weight   for each image, chunk, group: unfold, then dw_g += dy_g · colsᵀ
//
// K = C/G·kH·kW. Unfolding a row of a stride-1 convolution is one vector copy between two runs of
// zeros, so cols costs about one pass over it; a 1 × 1 convolution with stride 1 and no padding
// reads the input planes as cols directly. The chunk (JS chooses it) keeps cols in the L2 cache beside the
// product's packed panels. Nothing here allocates: cols lives in the caller's workspace after the
// product's, workspaceBytes(size) + K·chunk·size bytes per thread.
import { blocked, tileCols, tileRows, workspaceBytes } from "./gemm";

// The geometry block JS writes (src/backends/wasm/conv.ts): 16 int32 words in this order.
@unmanaged
class Conv {
  c: i32; h: i32; w: i32; o: i32; groups: i32;
  kh: i32; kw: i32; sh: i32; sw: i32; padTop: i32; padLeft: i32; dh: i32; dw: i32;
  oh: i32; ow: i32; chunk: i32;
}

// dst[t] += src[t] for t < count, a vector at a time.
@inline
function addRun<T>(dst: usize, src: usize, count: i32): void {
  const size = <i32>sizeof<T>();
  const bytes = count * size;
  let b = 0;
  for (; b + 16 <= bytes; b += 16) {
    v128.store(dst + <usize>b, v128.add<T>(v128.load(dst + <usize>b), v128.load(src + <usize>b)));
  }
  for (; b < bytes; b += size) store<T>(dst + <usize>b, load<T>(dst + <usize>b) + load<T>(src + <usize>b));
}

// Copies or zeroes `bytes` bytes a vector at a time: the runs here are a few dozen bytes, where
// memory.copy and memory.fill, calls out of the compiled code, cost more than the copy (LeNet's
// second convolution, 32 × 8 × 12 × 12 by 16 × 8 × 5 × 5: forward 0.99 → 0.57 ms on one thread).
@inline
function copyBytes(dst: usize, src: usize, bytes: i32): void {
  let b = 0;
  for (; b + 16 <= bytes; b += 16) v128.store(dst + <usize>b, v128.load(src + <usize>b));
  for (; b < bytes; b += 4) store<u32>(dst + <usize>b, load<u32>(src + <usize>b));
}

@inline
function zeroBytes(dst: usize, bytes: i32): void {
  const zero = i32x4.splat(0);
  let b = 0;
  for (; b + 16 <= bytes; b += 16) v128.store(dst + <usize>b, zero);
  for (; b < bytes; b += 4) store<u32>(dst + <usize>b, 0);
}

// Whether every tap of every window lies inside the image and windows step one column at a time:
// no padding on any side ("same" with an even kernel pads only the bottom and right).
@inline
function isInside(g: Conv): bool {
  return g.sw == 1 && g.padTop == 0 && g.padLeft == 0 &&
    (g.oh - 1) * g.sh + (g.kh - 1) * g.dh < g.h && g.ow - 1 + (g.kw - 1) * g.dw < g.w;
}

// unfold without padding and with stride 1 along rows, where every tap lies inside the image:
// each output row's part of a cols row is one contiguous piece of an input row, copied (or, with
// `fold`, added back) with no bounds arithmetic. The general loop's per-run bookkeeping cost as
// much as the product itself on LeNet's second convolution (runs of 8 values; forward 0.62 ms,
// 0.30 without the unfold).
@inline
function unfoldInside<T>(g: Conv, image: usize, c0: i32, q0: i32, q1: i32, cols: usize, fold: bool): void {
  const size = <i32>sizeof<T>();
  const w = g.w, kh = g.kh, kw = g.kw, dh = g.dh, dw = g.dw, ow = g.ow;
  const rowStep = <usize>(g.sh * w * size);
  const width = q1 - q0;
  const cg = g.c / g.groups;
  const y0 = q0 / ow;
  const x0 = q0 - y0 * ow;
  let to = cols;
  if (x0 == 0 && width % ow == 0) {
    // whole output rows: one copy (or sum) of ow values per row, the loop bounds fixed
    const rows = width / ow;
    const bytes = ow * size;
    const vectors = bytes & ~31;
    for (let c = 0; c < cg; c++) {
      const plane = image + <usize>((c0 + c) * g.h * w * size);
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          let from = plane + <usize>(((y0 * g.sh + i * dh) * w + j * dw) * size);
          for (let r = 0; r < rows; r++) {
            let b = 0;
            if (fold) {
              for (; b < vectors; b += 32) {
                v128.store(from + <usize>b, v128.add<T>(v128.load(from + <usize>b), v128.load(to + <usize>b)));
                v128.store(from + <usize>b, v128.add<T>(v128.load(from + <usize>b, 16), v128.load(to + <usize>b, 16)), 16);
              }
              for (; b < bytes; b += size) store<T>(from + <usize>b, load<T>(from + <usize>b) + load<T>(to + <usize>b));
            } else {
              for (; b < vectors; b += 32) {
                v128.store(to + <usize>b, v128.load(from + <usize>b));
                v128.store(to + <usize>b, v128.load(from + <usize>b, 16), 16);
              }
              for (; b < bytes; b += 4) store<u32>(to + <usize>b, load<u32>(from + <usize>b));
            }
            to += <usize>bytes;
            from += rowStep;
          }
        }
      }
    }
    return;
  }
  for (let c = 0; c < cg; c++) {
    const plane = image + <usize>((c0 + c) * g.h * w * size);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        // `line` is the tap's first column in output row y; the first row may start at x0
        let line = plane + <usize>(((y0 * g.sh + i * dh) * w + j * dw) * size);
        let x = x0;
        for (let left = width; left > 0; ) {
          const run = min(ow - x, left);
          const bytes = run * size;
          const from = line + <usize>(x * size);
          if (fold) {
            addRun<T>(from, to, run);
          } else {
            copyBytes(to, from, bytes);
          }
          to += <usize>bytes;
          line += rowStep;
          left -= run;
          x = 0;
        }
      }
    }
  }
}

// Unfolds channels [c0, c0 + C/G) of the image at `image`, output positions [q0, q1), into cols
// (K rows of q1 − q0), or with `fold` adds cols back onto the image (col2im, the adjoint).
@inline
function unfold<T>(g: Conv, image: usize, c0: i32, q0: i32, q1: i32, cols: usize, fold: bool): void {
  if (isInside(g)) {
    unfoldInside<T>(g, image, c0, q0, q1, cols, fold);
    return;
  }
  // the geometry in locals: read through `g`, every field would be loaded again after each store
  const size = <i32>sizeof<T>();
  const h = g.h, w = g.w, kh = g.kh, kw = g.kw, sh = g.sh, sw = g.sw, dh = g.dh, dw = g.dw, ow = g.ow;
  const padTop = g.padTop, padLeft = g.padLeft;
  const width = q1 - q0;
  const cg = g.c / g.groups;
  let row = cols;
  for (let c = 0; c < cg; c++) {
    const plane = image + <usize>((c0 + c) * h * w * size);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        let y = q0 / ow;
        let x = q0 - y * ow;
        let to = row;
        for (let q = q0; q < q1; y++) {
          const run = min(ow - x, q1 - q);
          const ih = y * sh - padTop + i * dh;
          if (ih >= 0 && ih < h) {
            const line = plane + <usize>(ih * w * size);
            const iw0 = x * sw - padLeft + j * dw;
            if (sw == 1) {
              // the run's columns inside the image: t in [lo, hi)
              const lo = min(max(-iw0, 0), run);
              const hi = max(min(w - iw0, run), lo);
              const from = line + <usize>((iw0 + lo) * size);
              if (fold) {
                addRun<T>(from, to + <usize>(lo * size), hi - lo);
              } else {
                zeroBytes(to, lo * size);
                copyBytes(to + <usize>(lo * size), from, (hi - lo) * size);
                zeroBytes(to + <usize>(hi * size), (run - hi) * size);
              }
            } else {
              for (let t = 0; t < run; t++) {
                const iw = iw0 + t * sw;
                const inside = iw >= 0 && iw < w;
                const at = to + <usize>(t * size);
                if (fold) {
                  if (inside) store<T>(line + <usize>(iw * size), load<T>(line + <usize>(iw * size)) + load<T>(at));
                } else {
                  store<T>(at, inside ? load<T>(line + <usize>(iw * size)) : <T>0);
                }
              }
            }
          } else if (!fold) {
            zeroBytes(to, run * size);
          }
          to += <usize>(run * size);
          q += run;
          x = 0;
        }
        row += <usize>(width * size);
      }
    }
  }
}

// Whether the input planes are the unfolded matrix already (1 × 1 kernel, stride 1, no padding).
@inline
function isPointwise(g: Conv): bool {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.padTop == 0 && g.padLeft == 0;
}

// The unfolded columns q0..q1 of channels c0.. of one image, as the products read them: the input
// planes themselves when `direct` (rows p apart), else unfolded into `cols` (rows q1 − q0 apart).
@inline
function columns<T>(g: Conv, image: usize, c0: i32, q0: i32, q1: i32, cols: usize, direct: bool): usize {
  if (direct) return image + <usize>((c0 * g.oh * g.ow + q0) * sizeof<T>());
  unfold<T>(g, image, c0, q0, q1, cols, false);
  return cols;
}

@inline
function forward<T>(geom: usize, x: usize, w: usize, bias: usize, y: usize, n0: i32, n1: i32, p0: i32, p1: i32, ws: usize): void {
  const g = changetype<Conv>(geom);
  const size = <i32>sizeof<T>();
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const k = cg * g.kh * g.kw;
  const p = g.oh * g.ow;
  const cols = ws + <usize>workspaceBytes(size);
  const direct = isPointwise(g);
  for (let n = n0; n < n1; n++) {
    const image = x + <usize>(n * g.c * g.h * g.w * size);
    const out = y + <usize>(n * g.o * p * size);
    for (let q0 = p0; q0 < p1; q0 += g.chunk) {
      const q1 = min(p1, q0 + g.chunk);
      const width = q1 - q0;
      for (let gi = 0; gi < g.groups; gi++) {
        const b = columns<T>(g, image, gi * cg, q0, q1, cols, direct);
        const c = out + <usize>((gi * og * p + q0) * size);
        blocked<T>(og, width, k, w + <usize>(gi * og * k * size), k, 1, b, direct ? p : width, 1, c, p, ws);
        if (bias != 0) {
          for (let r = 0; r < og; r++) {
            const v = load<T>(bias + <usize>((gi * og + r) * size));
            const line = c + <usize>(r * p * size);
            const splat = sizeof<T>() == 4 ? f32x4.splat(<f32>v) : f64x2.splat(<f64>v);
            let b2 = 0;
            const bytes = width * size;
            for (; b2 + 16 <= bytes; b2 += 16) v128.store(line + <usize>b2, v128.add<T>(v128.load(line + <usize>b2), splat));
            for (; b2 < bytes; b2 += size) store<T>(line + <usize>b2, load<T>(line + <usize>b2) + v);
          }
        }
      }
    }
  }
}

@inline
function inputGrad<T>(geom: usize, dy: usize, w: usize, dx: usize, n0: i32, n1: i32, ws: usize): void {
  const g = changetype<Conv>(geom);
  const size = <i32>sizeof<T>();
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const k = cg * g.kh * g.kw;
  const p = g.oh * g.ow;
  const cols = ws + <usize>workspaceBytes(size);
  for (let n = n0; n < n1; n++) {
    const image = dx + <usize>(n * g.c * g.h * g.w * size);
    const grad = dy + <usize>(n * g.o * p * size);
    memory.fill(image, 0, <usize>(g.c * g.h * g.w * size));
    for (let q0 = 0; q0 < p; q0 += g.chunk) {
      const q1 = min(p, q0 + g.chunk);
      const width = q1 - q0;
      for (let gi = 0; gi < g.groups; gi++) {
        // cols = W_gᵀ · dy_g: W_g read transposed through its strides
        blocked<T>(k, width, og, w + <usize>(gi * og * k * size), 1, k, grad + <usize>((gi * og * p + q0) * size), p, 1, cols, width, ws);
        unfold<T>(g, image, gi * cg, q0, q1, cols, true);
      }
    }
  }
}

// Multiply-adds per k step of a rows × columns product once padded to whole tiles.
@inline
function paddedProduct(rows: i32, columns: i32, size: i32): i32 {
  const mr = tileRows(size), nr = tileCols(size);
  return ((rows + mr - 1) / mr) * mr * (((columns + nr - 1) / nr) * nr);
}

@inline
function weightGrad<T>(geom: usize, x: usize, dy: usize, dw: usize, n0: i32, n1: i32, p0: i32, p1: i32, ws: usize): void {
  const g = changetype<Conv>(geom);
  const size = <i32>sizeof<T>();
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const k = cg * g.kh * g.kw;
  const p = g.oh * g.ow;
  const cols = ws + <usize>workspaceBytes(size);
  const direct = isPointwise(g);
  // The product pads its rows to whole tiles of tileRows and its columns to tileCols: when
  // dw_gᵀ = cols · dy_gᵀ pads less than dw_g = dy_g · colsᵀ, that one is summed, in the
  // workspace after cols, and transposed into dw at the end (LeNet's first convolution, 8 × 25:
  // 8 × 32 padded one way, 28 × 8 the other).
  const transposed = paddedProduct(k, og, size) < paddedProduct(og, k, size);
  const sum = transposed ? cols + <usize>(k * g.chunk * size) : dw;
  memory.fill(sum, 0, <usize>(g.o * k * size));
  for (let n = n0; n < n1; n++) {
    const image = x + <usize>(n * g.c * g.h * g.w * size);
    const grad = dy + <usize>(n * g.o * p * size);
    for (let q0 = p0; q0 < p1; q0 += g.chunk) {
      const q1 = min(p1, q0 + g.chunk);
      const width = q1 - q0;
      for (let gi = 0; gi < g.groups; gi++) {
        const b = columns<T>(g, image, gi * cg, q0, q1, cols, direct);
        const dyg = grad + <usize>((gi * og * p + q0) * size);
        const at = sum + <usize>(gi * og * k * size);
        if (transposed) {
          // dw_gᵀ += cols · dy_gᵀ: dy_g read transposed through its strides
          blocked<T>(k, og, width, b, direct ? p : width, 1, dyg, 1, p, at, og, ws, true);
        } else {
          // dw_g += dy_g · colsᵀ: cols read transposed through its strides
          blocked<T>(og, k, width, dyg, p, 1, b, 1, direct ? p : width, at, k, ws, true);
        }
      }
    }
  }
  if (transposed) {
    for (let gi = 0; gi < g.groups; gi++) {
      const from = sum + <usize>(gi * og * k * size);
      const to = dw + <usize>(gi * og * k * size);
      for (let r = 0; r < og; r++) {
        for (let c = 0; c < k; c++) store<T>(to + <usize>((r * k + c) * size), load<T>(from + <usize>((c * og + r) * size)));
      }
    }
  }
}

/**
 * The forward product of images [n0, n1), output positions [p0, p1), float32: y = conv(x, w) +
 * bias (bias 0: none). geom points to the 16-word geometry block; ws is this thread's workspace.
 */
export function convForwardF32(geom: usize, x: usize, w: usize, bias: usize, y: usize, n0: i32, n1: i32, p0: i32, p1: i32, ws: usize): void {
  forward<f32>(geom, x, w, bias, y, n0, n1, p0, p1, ws);
}

/** convForwardF32 for float64. */
export function convForwardF64(geom: usize, x: usize, w: usize, bias: usize, y: usize, n0: i32, n1: i32, p0: i32, p1: i32, ws: usize): void {
  forward<f64>(geom, x, w, bias, y, n0, n1, p0, p1, ws);
}

/** dx of images [n0, n1) from dy, float32: dx = convᵀ(dy, w), overwriting those images of dx. */
export function convInputF32(geom: usize, dy: usize, w: usize, dx: usize, n0: i32, n1: i32, ws: usize): void {
  inputGrad<f32>(geom, dy, w, dx, n0, n1, ws);
}

/** convInputF32 for float64. */
export function convInputF64(geom: usize, dy: usize, w: usize, dx: usize, n0: i32, n1: i32, ws: usize): void {
  inputGrad<f64>(geom, dy, w, dx, n0, n1, ws);
}

/** The weight gradient summed over images [n0, n1) and positions [p0, p1), float32, overwriting dw (O × K). */
export function convWeightF32(geom: usize, x: usize, dy: usize, dw: usize, n0: i32, n1: i32, p0: i32, p1: i32, ws: usize): void {
  weightGrad<f32>(geom, x, dy, dw, n0, n1, p0, p1, ws);
}

/** convWeightF32 for float64. */
export function convWeightF64(geom: usize, x: usize, dy: usize, dw: usize, n0: i32, n1: i32, p0: i32, p1: i32, ws: usize): void {
  weightGrad<f64>(geom, x, dy, dw, n0, n1, p0, p1, ws);
}
