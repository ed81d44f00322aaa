// What a backend is told for a convolution or a pooling: the geometry, already checked and
// resolved to numbers by the op layer (../conv-geometry.ts, ../pool-geometry.ts), and the
// operands. Every tensor here is contiguous (the op layer copies a strided view first) and of
// the output's float dtype.
import type { DataArray } from "../dtype.js";
import type { Tensor } from "../tensor.js";

/**
 * A 2-D convolution's sizes, batch-first (N, C, H, W) input, weight (O, C/G, kH, kW) and output
 * (N, O, oH, oW). `padTop` and `padLeft` are the zeros before the first row and column; the zeros
 * after the last ones are implied by the output size (so "same" may pad one more at the end).
 */
export interface ConvGeometry {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly o: number;
  readonly groups: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly dh: number;
  readonly dw: number;
  readonly oh: number;
  readonly ow: number;
}

/**
 * One of the three products of a convolution, y = conv(x, w) + bias:
 * - "forward": `a` is x (N, C, H, W), `b` the weight, `bias` (O) or null; `out` is y.
 * - "input": `a` is dy (N, O, oH, oW), `b` the weight; `out` is dx = convᵀ(dy, w) (N, C, H, W).
 * - "weight": `a` is x, `b` is dy; `out` is dw (O, C/G, kH, kW) = Σ_n dy ⋆ x.
 * `out` is a buffer of the result's size holding anything (a replay finds the previous call's
 * values there): every backend overwrites all of it.
 */
export interface ConvRequest {
  readonly kind: "forward" | "input" | "weight";
  readonly geometry: ConvGeometry;
  readonly a: Tensor;
  readonly b: Tensor;
  readonly bias: Tensor | null;
  readonly out: Float32Array | Float64Array;
}

/** The sizes of a 2-D pooling over `planes` = N·C planes of H × W into oH × oW. */
export interface PoolGeometry {
  readonly planes: number;
  readonly h: number;
  readonly w: number;
  readonly oh: number;
  readonly ow: number;
}

/** A max pooling's window: size, stride, padding (before the first row and column) and dilation. */
export interface MaxPoolWindow {
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
}

/**
 * Max pooling of `x` (planes of H × W, contiguous): writes the largest value of each window into
 * `values` and its flat index in the plane (row·W + column) into `indices`. The first maximum in
 * row-major scan order wins; NaN counts as larger than everything (the last NaN wins), as in PyTorch.
 */
export interface MaxPoolRequest {
  readonly geometry: PoolGeometry;
  readonly window: MaxPoolWindow;
  readonly x: Tensor;
  readonly values: Float32Array | Float64Array;
  readonly indices: Int32Array;
}

/**
 * Gathers or scatter-adds through plane indices: with `from` planes of `fromSize` elements and
 * `to` planes of `toSize`, "gather" sets to[p, j] = from[p, indices[p, j]] (indices shaped like
 * `to`), "scatterAdd" adds from[p, j] into to[p, indices[p, j]] (indices shaped like `from`) over
 * zeros: the backend zeroes `to` itself, which may hold anything. An index outside its plane
 * (below 0 or from fromSize for a gather, toSize for a scatter) is skipped and counted.
 */
export interface PlanesRequest {
  readonly kind: "gather" | "scatterAdd";
  readonly planes: number;
  readonly from: Tensor;
  readonly fromSize: number;
  readonly indices: Int32Array;
  readonly to: Float32Array | Float64Array;
  readonly toSize: number;
}

/**
 * Windows along one axis of an average pooling: output i sums the input range
 * [start[i], end[i]) and is scaled by scale[i]. Averaging over a 2-D window is the product of a
 * row window and a column window, its divisor the product of their scales' inverses.
 */
export interface AxisWindows {
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly scale: Float64Array;
}

/**
 * A separable window average: "forward" sets out[p, i, j] = rows.scale[i]·cols.scale[j]·Σ x over
 * the window (x planes H × W, out oH × oW); "backward" spreads g (oH × oW) back, each input
 * element receiving rows.scale[i]·cols.scale[j]·g[p, i, j] from every window holding it, into a
 * zero-filled `out` (H × W).
 */
export interface AvgPoolRequest {
  readonly kind: "forward" | "backward";
  readonly geometry: PoolGeometry;
  readonly rows: AxisWindows;
  readonly cols: AxisWindows;
  readonly x: Tensor;
  readonly out: DataArray;
}

