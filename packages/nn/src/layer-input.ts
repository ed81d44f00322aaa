// The input checks of the batch-first layers: each says which layer (and where in its
// Sequential), what it expected, what it got, and how to fix it.
import { Variable, type Operand } from "@strata/autograd";
import { DTypeError, ShapeError, Tensor, isFloatDType, type DType } from "@strata/tensor";
import { layerLabel } from "./layer-position.js";
import type { Module } from "./module.js";

/** A shape as messages show it: `(32, 1, 28, 28)`. @internal */
export const shapeText = (shape: readonly number[]): string => `(${shape.join(", ")})`;

/** The input as a Variable of the layer's float dtype, or a DTypeError/ShapeError naming the layer. @internal */
export function layerInput(module: Module, x: Operand, dtype: DType): Variable {
  const label = layerLabel(module);
  if (!(x instanceof Variable) && !(x instanceof Tensor)) {
    throw new ShapeError(`${label}: expected a Tensor or Variable input, got ${typeof x === "number" ? `the number ${x}` : String(x)}`);
  }
  if (!isFloatDType(x.dtype)) throw new DTypeError(`${label}: input is ${x.dtype}; expected ${dtype} (cast it with .cast("${dtype}"))`);
  if (x.dtype !== dtype) {
    throw new DTypeError(`${label}: input is ${x.dtype} but the layer's weights are ${dtype}; cast the input with .cast("${dtype}") or the model with .to("${x.dtype}")`);
  }
  return x instanceof Variable ? x : new Variable(x);
}

/** The largest integer whose square is n, when n is a perfect square; else undefined. */
function squareSide(n: number): number | undefined {
  const s = Math.round(Math.sqrt(n));
  return s * s === n ? s : undefined;
}

/**
 * Checks a convolution's input `(N, C, …spatial)` (or unbatched `(C, …spatial)`) with `channels`
 * channels and `spatial` spatial axes, suggesting the reshape that would fit. @internal
 */
export function checkChannelsInput(module: Module, x: Variable, channels: number, spatial: 1 | 2): void {
  const axes = spatial === 2 ? "H, W" : "L";
  const want = `(N, ${channels}, ${axes})`;
  const shape = x.shape;
  const fits = (shape.length === spatial + 2 && shape[1] === channels) || (shape.length === spatial + 1 && shape[0] === channels);
  if (fits) return;
  const label = layerLabel(module);
  let fix: string;
  if (shape.length === 2 && shape[1]! % channels === 0) {
    const per = shape[1]! / channels;
    const side = spatial === 2 ? squareSide(per) : per;
    fix = side === undefined ? `reshape it to (${shape[0]}, ${channels}, H, W)` : `reshape it to ${shapeText(spatial === 2 ? [shape[0]!, channels, side, side] : [shape[0]!, channels, per])}`;
  } else if (shape.length === spatial + 2) {
    fix = `it has ${shape[1]} channels (axis 1), the layer was built for ${channels}`;
  } else {
    fix = `give it ${spatial + 2} axes, channels on axis 1`;
  }
  throw new ShapeError(`${label}: expected input ${want}, got ${shapeText(shape)}; ${fix}`);
}
