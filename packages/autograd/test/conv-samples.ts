// Gradcheck samples for the convolution and pooling rows of the derivative table (conv-rules.ts),
// spread into primitives.test.ts's table, which runs each on contiguous, strided and broadcast
// inputs in float64. Together they cover stride, padding (numbers, pairs, "same" with an odd
// total, "valid"), dilation, groups, depthwise, 1 × 1 kernels, unbatched inputs, ceilMode,
// countIncludePad, divisorOverride, overlapping windows and a bias.
import {
  adaptiveAvgPool2d, adaptiveAvgPool2dBackward, avgPool1d, avgPool2d, avgPool2dBackward, conv1d, conv2d, conv2dInput, conv2dWeight,
  gatherPlanes, maxPool1d, maxPool2d, scatterAddPlanes, type Primitive, type Variable,
} from "@strata/autograd";
import { permutation, rand, randint, randn, type Conv2dOptions, type Rng, type Shape, type Tensor } from "@strata/tensor";

/** One sample as primitives.test.ts runs it (the same structure as its own Sample). */
export interface ConvSample {
  readonly name: string;
  readonly inputs: (g: Rng) => Tensor[];
  readonly fn: (...xs: Variable[]) => Variable;
}

const normal = (g: Rng, shape: Shape): Tensor => randn(shape, { rng: g, dtype: "float64" });
/** Values at least 0.2 apart, so no window of a max pooling nearly ties (finite differences of 1e-6 never swap a maximum). */
const distinct = (g: Rng, shape: Shape): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return permutation(n, { rng: g }).cast("float64").mul(0.25).add(rand([n], { rng: g, dtype: "float64", high: 0.05 })).reshape(shape);
};
const int32 = (g: Rng, high: number, shape: Shape): Tensor => randint(0, high, shape, { rng: g });

/** conv2d of x (xs) by w (ws), with a bias unless `bias` is false. */
function convCase(name: string, xs: Shape, ws: Shape, options: Conv2dOptions, bias = true): ConvSample {
  return bias
    ? { name, inputs: (g) => [normal(g, xs), normal(g, ws), normal(g, [ws[0]!])], fn: (x, w, b) => conv2d(x, w, b, options) }
    : { name, inputs: (g) => [normal(g, xs), normal(g, ws)], fn: (x, w) => conv2d(x, w, null, options) };
}

/** The output shape of conv2d for the samples of its two gradient primitives. */
function outShape(xs: Shape, ws: Shape, o: Conv2dOptions): number[] {
  const pair = (v: number | readonly number[] | undefined, d: number) => (v === undefined ? [d, d] : typeof v === "number" ? [v, v] : [...v]);
  const [sh, sw] = pair(o.stride, 1);
  const [dh, dw] = pair(o.dilation, 1);
  const spans = [dh! * (ws[2]! - 1) + 1, dw! * (ws[3]! - 1) + 1];
  const pads = o.padding === "same" ? [spans[0]! - 1, spans[1]! - 1] : o.padding === "valid" ? [0, 0] : pair(o.padding, 0).map((p) => 2 * p);
  return [xs[0]!, ws[0]!, Math.floor((xs[2]! + pads[0]! - spans[0]!) / sh!) + 1, Math.floor((xs[3]! + pads[1]! - spans[1]!) / sw!) + 1];
}

const GEOMETRIES: [string, Shape, Shape, Conv2dOptions][] = [
  ["(2,3,5,6) by (4,3,3,2)", [2, 3, 5, 6], [4, 3, 3, 2], {}],
  ["stride [2,1], padding [1,2], dilation [1,2]", [2, 2, 7, 6], [3, 2, 3, 2], { stride: [2, 1], padding: [1, 2], dilation: [1, 2] }],
  ['padding "same", kernel (2,4): odd totals pad one more after', [1, 2, 5, 6], [2, 2, 2, 4], { padding: "same" }],
  ["groups 2, stride 2", [2, 4, 6, 5], [6, 2, 3, 3], { groups: 2, stride: 2 }],
  ['depthwise (groups = C = 3), padding "same", dilation 2', [1, 3, 6, 6], [3, 1, 3, 3], { groups: 3, padding: "same", dilation: 2 }],
];

/** Samples keyed by the convolution and pooling primitives. */
export const convSamples: { readonly [P in Extract<Primitive, "conv2d" | "conv2dInput" | "conv2dWeight" | "gatherPlanes" | "scatterAddPlanes" | "avgPool2d" | "avgPool2dBackward" | "adaptiveAvgPool2d" | "adaptiveAvgPool2dBackward">]: readonly ConvSample[] } = {
  conv2d: [
    ...GEOMETRIES.map(([name, xs, ws, o]) => convCase(`${name}, bias`, xs, ws, o)),
    convCase('padding "valid", no bias', [2, 2, 4, 5], [3, 2, 2, 3], { padding: "valid" }, false),
    convCase("1 × 1 kernel (the unfolded matrix is the input)", [2, 3, 4, 4], [5, 3, 1, 1], {}),
    { name: "unbatched (C, H, W)", inputs: (g) => [normal(g, [2, 5, 4]), normal(g, [3, 2, 3, 3]), normal(g, [3])], fn: (x, w, b) => conv2d(x, w, b, { padding: 1 }) },
    { name: "conv1d: stride 2, padding 1, dilation 2", inputs: (g) => [normal(g, [2, 3, 9]), normal(g, [4, 3, 3]), normal(g, [4])], fn: (x, w, b) => conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2 }) },
  ],
  conv2dInput: GEOMETRIES.map(([name, xs, ws, o]) => ({
    name, inputs: (g: Rng) => [normal(g, ws), normal(g, outShape(xs, ws, o))], fn: (w: Variable, dy: Variable) => conv2dInput(xs, w, dy, o),
  })),
  conv2dWeight: GEOMETRIES.map(([name, xs, ws, o]) => ({
    name, inputs: (g: Rng) => [normal(g, xs), normal(g, outShape(xs, ws, o))], fn: (x: Variable, dy: Variable) => conv2dWeight(x, ws, dy, o),
  })),
  gatherPlanes: [
    { name: "(2,3,4,4) at (2,3,2,3) indices, repeats", inputs: (g) => [normal(g, [2, 3, 4, 4]), int32(g, 16, [2, 3, 2, 3])], fn: (x, i) => gatherPlanes(x, i) },
    { name: "maxPool2d 2 × 2", inputs: (g) => [distinct(g, [2, 3, 6, 6])], fn: (x) => maxPool2d(x, { kernelSize: 2 }) },
    {
      name: "maxPool2d 3 × 2, stride [2, 1], padding 1, dilation [1, 2], ceilMode (overlapping windows)",
      inputs: (g) => [distinct(g, [2, 2, 7, 6])],
      fn: (x) => maxPool2d(x, { kernelSize: [3, 2], stride: [2, 1], padding: 1, dilation: [1, 2], ceilMode: true }),
    },
    { name: "maxPool1d 3, stride 2, ceilMode, unbatched", inputs: (g) => [distinct(g, [3, 8])], fn: (x) => maxPool1d(x, { kernelSize: 3, stride: 2, ceilMode: true }) },
  ],
  scatterAddPlanes: [
    { name: "(2,3,2,3) into planes (4,4), repeats", inputs: (g) => [normal(g, [2, 3, 2, 3]), int32(g, 16, [2, 3, 2, 3])], fn: (u, i) => scatterAddPlanes(u, i, [4, 4]) },
    { name: "(1,5) into (2,3)", inputs: (g) => [normal(g, [1, 5]), int32(g, 6, [1, 5])], fn: (u, i) => scatterAddPlanes(u, i, [2, 3]) },
  ],
  avgPool2d: [
    { name: "2 × 2", inputs: (g) => [normal(g, [2, 3, 4, 6])], fn: (x) => avgPool2d(x, { kernelSize: 2 }) },
    { name: "3, stride 2, padding 1, ceilMode, countIncludePad", inputs: (g) => [normal(g, [2, 2, 6, 7])], fn: (x) => avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }) },
    {
      name: "[3, 2], padding [1, 0], ceilMode, countIncludePad false",
      inputs: (g) => [normal(g, [1, 2, 6, 5])],
      fn: (x) => avgPool2d(x, { kernelSize: [3, 2], stride: 2, padding: [1, 0], ceilMode: true, countIncludePad: false }),
    },
    { name: "divisorOverride 5, unbatched", inputs: (g) => [normal(g, [2, 5, 5])], fn: (x) => avgPool2d(x, { kernelSize: 2, stride: 1, divisorOverride: 5 }) },
    { name: "avgPool1d 3, stride 2, padding 1", inputs: (g) => [normal(g, [2, 3, 8])], fn: (x) => avgPool1d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }) },
  ],
  avgPool2dBackward: [
    { name: "2 × 2 of (2,3,4,6)", inputs: (g) => [normal(g, [2, 3, 2, 3])], fn: (dy) => avgPool2dBackward(dy, [2, 3, 4, 6], { kernelSize: 2 }) },
    { name: "3, stride 2, padding 1, ceilMode, countIncludePad false", inputs: (g) => [normal(g, [2, 2, 4, 4])], fn: (dy) => avgPool2dBackward(dy, [2, 2, 6, 7], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false }) },
  ],
  adaptiveAvgPool2d: [
    { name: "(2,2,7,5) to [3, 2]: overlapping windows", inputs: (g) => [normal(g, [2, 2, 7, 5])], fn: (x) => adaptiveAvgPool2d(x, [3, 2]) },
    { name: "(1,3,4,4) to 1: global average", inputs: (g) => [normal(g, [1, 3, 4, 4])], fn: (x) => adaptiveAvgPool2d(x, 1) },
    { name: "(2,3,5) unbatched to [4, 4]: upsampling", inputs: (g) => [normal(g, [2, 3, 5])], fn: (x) => adaptiveAvgPool2d(x, 4) },
  ],
  adaptiveAvgPool2dBackward: [
    { name: "(2,2,3,2) back to (2,2,7,5)", inputs: (g) => [normal(g, [2, 2, 3, 2])], fn: (dy) => adaptiveAvgPool2dBackward(dy, [2, 2, 7, 5]) },
  ],
};
