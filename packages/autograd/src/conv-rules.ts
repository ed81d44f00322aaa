// The derivative table's rows for convolutions and poolings, merged into the one table
// (rules.ts). Vocabulary as there: g = dL/dy, the inputs by the names in `convInputs`.
// Every row is linear in its float inputs, and each product is written with the other rows'
// ops, so gradients of gradients close over this set:
//   conv2d(x, w)            dx = conv2dInput(x.shape, w, g)     dw = conv2dWeight(x, w.shape, g)
//   conv2dInput(w, dy)      dw = conv2dWeight(g, w.shape, dy)   ddy = conv2d(g, w)
//   conv2dWeight(x, dy)     dx = conv2dInput(x.shape, g, dy)    ddy = conv2d(x, g)
// (each from Σ conv2d(x, w)·dy = Σ x·conv2dInput(·, w, dy) = Σ w·conv2dWeight(x, ·, dy)).
import * as T from "@strata/tensor";
import type { AvgPool2dOptions, Conv2dOptions, Shape, Tensor } from "@strata/tensor";
import { row, type Inputs, type Rule } from "./rule.js";
import { noGradient } from "./no-gradient.js";
import { valueOf } from "./record.js";
import { reshape, sum } from "./structural.js";
import { conv2d, conv2dInput, conv2dWeight } from "./conv.js";
import { adaptiveAvgPool2d, adaptiveAvgPool2dBackward, avgPool2d, avgPool2dBackward, gatherPlanes, scatterAddPlanes } from "./pooling.js";

type NoAttrs = Record<string, never>;

/** The attributes of the convolution and pooling primitives (merged into PrimitiveAttrs). @internal */
export interface ConvPrimitiveAttrs {
  conv2d: { readonly options: Conv2dOptions };
  conv2dInput: { readonly inputSize: Shape; readonly options: Conv2dOptions };
  conv2dWeight: { readonly weightSize: Shape; readonly options: Conv2dOptions };
  gatherPlanes: NoAttrs;
  scatterAddPlanes: { readonly planeShape: Shape };
  avgPool2d: { readonly options: AvgPool2dOptions };
  avgPool2dBackward: { readonly inputSize: Shape; readonly options: AvgPool2dOptions };
  adaptiveAvgPool2d: { readonly outputSize: number | readonly [number, number] };
  adaptiveAvgPool2dBackward: { readonly inputSize: Shape };
}

/** Their inputs, by name and in order (merged into primitiveInputs). @internal */
export const convInputs = {
  // bias is the number 0 when the convolution has none
  conv2d: ["x", "weight", "bias"],
  conv2dInput: ["weight", "gradOutput"],
  conv2dWeight: ["input", "gradOutput"],
  gatherPlanes: ["x", "indices"],
  scatterAddPlanes: ["updates", "indices"],
  avgPool2d: ["x"],
  avgPool2dBackward: ["gradOutput"],
  adaptiveAvgPool2d: ["x"],
  adaptiveAvgPool2dBackward: ["gradOutput"],
} as const satisfies { readonly [P in keyof ConvPrimitiveAttrs]: Inputs };

const t = (x: Tensor | number): Tensor => x as Tensor;

/** Their rows (merged into rules). @internal */
export const convRules: { readonly [P in keyof ConvPrimitiveAttrs]: Rule<(typeof convInputs)[P], ConvPrimitiveAttrs[P]> } = {
  // y = conv(x, w) + b: d/dx, d/dw as in the header; d/db = Σ_{n,i,j} g, summed over each
  // image's contiguous rows of positions first (the row reduction's kernel), then the batch
  conv2d: row({
    forward: ([x, weight, bias], { options }) => T.conv2d(t(x), t(weight), typeof bias === "number" ? null : bias, options),
    saves: ["x", "weight"],
    vjp: [
      (g, { weight, shapes: [shape], attrs: { options } }) => conv2dInput(shape, weight, g, options),
      (g, { x, shapes: [, shape], attrs: { options } }) => conv2dWeight(x, shape, g, options),
      (g) => sum(sum(reshape(g, [g.shape[0]!, g.shape[1]!, g.shape[2]! * g.shape[3]!]), { axis: 2 }), { axis: 0 }),
    ],
  }),
  conv2dInput: row({
    forward: ([weight, dy], { inputSize, options }) => T.conv2dInput(inputSize, t(weight), t(dy), options),
    saves: ["weight", "gradOutput"],
    vjp: [
      (g, { gradOutput, shapes: [shape], attrs: { options } }) => conv2dWeight(g, shape, gradOutput, options),
      (g, { weight, attrs: { options } }) => conv2d(g, weight, null, options),
    ],
  }),
  conv2dWeight: row({
    forward: ([x, dy], { weightSize, options }) => T.conv2dWeight(t(x), weightSize, t(dy), options),
    saves: ["input", "gradOutput"],
    vjp: [
      (g, { gradOutput, shapes: [shape], attrs: { options } }) => conv2dInput(shape, g, gradOutput, options),
      (g, { input, attrs: { options } }) => conv2d(input, g, null, options),
    ],
  }),

  // gatherPlanes and scatterAddPlanes are each other's adjoint; indices have no gradient
  gatherPlanes: row({
    forward: ([x, indices]) => T.gatherPlanes(t(x), t(indices)),
    saves: ["indices"],
    vjp: [(g, { indices, shapes: [shape] }) => scatterAddPlanes(g, valueOf(indices), shape.slice(-2)), noGradient("integer indices")],
  }),
  scatterAddPlanes: row({
    forward: ([updates, indices], { planeShape }) => T.scatterAddPlanes(t(updates), t(indices), planeShape),
    saves: ["indices"],
    vjp: [(g, { indices }) => gatherPlanes(g, valueOf(indices)), noGradient("integer indices")],
  }),

  // the average poolings and their backward products are each other's adjoint
  avgPool2d: row({
    forward: ([x], { options }) => T.avgPool2d(t(x), options),
    vjp: [(g, { shapes: [shape], attrs: { options } }) => avgPool2dBackward(g, shape, options)],
  }),
  avgPool2dBackward: row({
    forward: ([dy], { inputSize, options }) => T.avgPool2dBackward(t(dy), inputSize, options),
    vjp: [(g, { attrs: { options } }) => avgPool2d(g, options)],
  }),
  adaptiveAvgPool2d: row({
    forward: ([x], { outputSize }) => T.adaptiveAvgPool2d(t(x), outputSize),
    vjp: [(g, { shapes: [shape] }) => adaptiveAvgPool2dBackward(g, shape)],
  }),
  adaptiveAvgPool2dBackward: row({
    forward: ([dy], { inputSize }) => T.adaptiveAvgPool2dBackward(t(dy), inputSize),
    vjp: [(g, { shapes: [shape] }) => adaptiveAvgPool2d(g, [shape[2]!, shape[3]!])],
  }),
};
