// Convolutions on the TypeScript kernels: each image and group is unfolded into a matrix of its
// receptive fields (im2col, K = C/G·kH·kW rows, one column per output position), so that the
// three products of a convolution are matrix products (./matmul.ts, summed in doubles):
//   forward   y_g  = W_g · cols               (O/G × K)·(K × P)
//   input     cols = W_gᵀ · dy_g, then folded back onto dx (col2im, adding where windows overlap)
//   weight    dw_g += dy_g · colsᵀ            (O/G × P)·(P × K), summed over the images
import type { ConvGeometry, ConvRequest } from "../windows.js";
import type { DataArray } from "../../dtype.js";
import { THRESHOLDS } from "../../dispatch/thresholds.js";
import { jsProduct } from "./matmul.js";

/**
 * Writes, or with `fold` reads back and adds, the receptive fields of channels [c0, c0 + C/G) of
 * one image at `at` in `image` as a K × P matrix `cols` (zeros where a window reaches into the
 * padding). `fold` is col2im: image[...] += cols[...], the adjoint of unfolding.
 */
function unfold(g: ConvGeometry, image: DataArray, at: number, c0: number, cols: Float64Array, fold: boolean): void {
  const { h, w, kh, kw, sh, sw, padTop, padLeft, dh, dw, oh, ow } = g;
  const cg = g.c / g.groups;
  const p = oh * ow;
  let row = 0;
  for (let c = 0; c < cg; c++) {
    const plane = at + (c0 + c) * h * w;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, row += p) {
        for (let y = 0; y < oh; y++) {
          const ih = y * sh - padTop + i * dh;
          const to = row + y * ow;
          if (ih < 0 || ih >= h) {
            if (!fold) cols.fill(0, to, to + ow);
            continue;
          }
          const line = plane + ih * w;
          for (let x = 0, iw = j * dw - padLeft; x < ow; x++, iw += sw) {
            const inside = iw >= 0 && iw < w;
            if (fold) {
              if (inside) image[line + iw] = image[line + iw]! + cols[to + x]!;
            } else {
              cols[to + x] = inside ? image[line + iw]! : 0;
            }
          }
        }
      }
    }
  }
}

/** Runs one of a convolution's products (see ConvRequest) on the TypeScript kernels. @internal */
export function jsConv({ kind, geometry: g, a, b, bias, out }: ConvRequest): void {
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const k = cg * g.kh * g.kw;
  const p = g.oh * g.ow;
  const cols = new Float64Array(k * p);
  const inputSize = g.c * g.h * g.w;
  const outputSize = g.o * p;
  const [m, n, depth] = kind === "forward" ? [og, p, k] : kind === "input" ? [k, p, og] : [og, k, p];
  const product = jsProduct(m, n, depth, m * n * depth >= THRESHOLDS.blockedProduct);
  const partial = kind === "weight" ? new Float64Array(og * k) : null;
  // the input and weight gradients add into out, which may hold a previous call's values
  if (kind !== "forward") out.fill(0);
  for (let image = 0; image < g.n; image++) {
    for (let group = 0; group < g.groups; group++) {
      const weightAt = b.offset + group * og * k;
      if (kind === "forward") {
        unfold(g, a.data, a.offset + image * inputSize, group * cg, cols, false);
        const at = image * outputSize + group * og * p;
        product(og, p, k, { data: b.data, offset: weightAt, rowStride: k, colStride: 1 }, { data: cols, offset: 0, rowStride: p, colStride: 1 }, out, at);
        if (bias) {
          for (let r = 0; r < og; r++) {
            const v = bias.data[bias.offset + group * og + r]!;
            for (let q = at + r * p, end = q + p; q < end; q++) out[q] = out[q]! + v;
          }
        }
      } else if (kind === "input") {
        const dy = { data: a.data, offset: a.offset + image * outputSize + group * og * p, rowStride: p, colStride: 1 };
        product(k, p, og, { data: b.data, offset: weightAt, rowStride: 1, colStride: k }, dy, cols, 0);
        unfold(g, out, image * inputSize, group * cg, cols, true);
      } else {
        unfold(g, a.data, a.offset + image * inputSize, group * cg, cols, false);
        const dy = { data: b.data, offset: b.offset + image * outputSize + group * og * p, rowStride: p, colStride: 1 };
        product(og, k, p, dy, { data: cols, offset: 0, rowStride: 1, colStride: p }, partial!, 0);
        const at = group * og * k;
        for (let q = 0; q < og * k; q++) out[at + q] = out[at + q]! + partial![q]!;
      }
    }
  }
}
