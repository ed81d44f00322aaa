// Average pooling as products with constant matrices, one per spatial axis: every average pooling
// Strata has (any padding, ceilMode, countIncludePad, divisorOverride, adaptive windows of uneven
// size) divides each window's sum by a product of one factor per axis, so it is `R·X·Cᵀ` on each
// (H, W) plane. The matrices are Strata's own pooling applied to the identity (column a is the
// pooling of the one-hot e_a), so the graph averages exactly as Strata does. This serves where
// ONNX's AveragePool cannot: float64 (ONNX Runtime has no float64 AveragePool or
// GlobalAveragePool kernel), a divisor override, adaptive windows that do not tile the input.
import { adaptiveAvgPool2d, avgPool2d, eye, mul, type DType, type Tensor } from "@strata/tensor";
import { requireStaticSpatial } from "./lower-batched.js";
import type { LowerArgs } from "./lowering.js";

/** One axis of an average pooling, as Strata's options give it. */
export interface AxisAverage {
  readonly size: number;
  /** Windows of `kernel`, `stride`, `padding` (with `ceilMode`, `countIncludePad`, a divisor per axis), or adaptive to `adaptive` outputs. */
  readonly window:
    | { readonly kernel: number; readonly stride: number; readonly padding: number; readonly ceilMode: boolean; readonly countIncludePad: boolean; readonly sumOnly: boolean }
    | { readonly adaptive: number };
}

/**
 * The `(size, out)` matrix M of one axis, `y = x·M` along it: the probe `(1, size, 1, size)` holds
 * the one-hot e_a as channel a's one row, and pooling it along its columns gives row a of M.
 */
export function axisMatrix(axis: AxisAverage, dtype: DType): Tensor {
  const probe = eye(axis.size, axis.size, { dtype }).reshape([1, axis.size, 1, axis.size]);
  const w = axis.window;
  const pooled = "adaptive" in w
    ? adaptiveAvgPool2d(probe, [1, w.adaptive])
    : avgPool2d(probe, {
      kernelSize: [1, w.kernel], stride: [1, w.stride], padding: [0, w.padding], ceilMode: w.ceilMode, countIncludePad: w.countIncludePad,
      // a divisor override divides the whole window's sum once: each axis only sums
      ...(w.sumOnly && { divisorOverride: 1 }),
    });
  return pooled.reshape([axis.size, pooled.shape[3]!]);
}

/**
 * x `(…, H, W)` or `(…, L)` averaged along its last `axes.length` axes by constant matrices:
 * `MatMul(Rᵀ-side, x)` for the rows, `MatMul(x, C)` for the columns; `scale` multiplies the first
 * (a divisor override's 1/d).
 */
export function averageByMatrices(args: LowerArgs, x: string, axes: readonly AxisAverage[], dtype: DType, scale = 1): string {
  const { graph } = args;
  requireStaticSpatial(args, axes.length, "an average pooling written as matrices (float64, a divisor override, adaptive windows, or an ambiguous ceil mode)");
  const matrices = axes.map((a) => axisMatrix(a, dtype));
  if (scale !== 1) matrices[0] = mul(matrices[0]!, scale);
  if (axes.length === 1) return graph.op("MatMul", [x, graph.constant(matrices[0]!)]);
  // the rows: (oH, H) · (…, H, W) broadcasts over the leading axes
  const rows = graph.op("MatMul", [graph.constant(matrices[0]!.transpose().contiguous()), x]);
  return graph.op("MatMul", [rows, graph.constant(matrices[1]!)]);
}
