// A convolution written as a gather and a matrix product, for float64: ONNX Runtime has no float64
// Conv kernel ("Could not find an implementation for Conv(11)"), while Pad, Gather, Reshape and
// MatMul all run in float64. The input's padded planes are flattened, one Gather picks every
// window's taps at once (the indices depend only on the spatial sizes, which the graph fixes),
// and a MatMul per channel group sums taps times weights: the convolution's own sum, in float64.
import { contiguousStrides, shapeSize } from "@strata/tensor";
import type { ConvSpec } from "./lower-conv.js";
import { requireStaticSpatial } from "./lower-batched.js";
import { infoOf, type LowerArgs } from "./lowering.js";


/** Every multi-index of `sizes`, in row-major order. */
function multiIndices(sizes: readonly number[]): number[][] {
  let all: number[][] = [[]];
  for (const n of sizes) all = all.flatMap((prefix) => Array.from({ length: n }, (_, i) => [...prefix, i]));
  return all;
}

/**
 * The flat positions, in the padded plane, of each output's taps: `(taps, outputs)`, tap t of
 * output o at `Σ_axis (o·stride + t·dilation)·planeStride`.
 */
function tapIndices(spec: ConvSpec, padded: readonly number[], outSpatial: readonly number[]): number[] {
  const planeStrides = contiguousStrides(padded);
  const outputs = multiIndices(outSpatial);
  const values: number[] = [];
  for (const tap of multiIndices(spec.kernel)) {
    for (const out of outputs) {
      values.push(out.reduce((at, o, axis) => at + (o * spec.strides[axis]! + tap[axis]! * spec.dilations[axis]!) * planeStrides[axis]!, 0));
    }
  }
  return values;
}

/**
 * The convolution of x `(N, C, …spatial)` (the graph value `x`, batched) by weight
 * `(O, C/group, …kernel)` and bias `(O)` (or null) as Pad, Gather, MatMul and Reshape nodes;
 * `outSpatial` the output's spatial sizes.
 */
export function convAsMatMul(args: LowerArgs, x: string, weight: string, bias: string | null, spec: ConvSpec, outSpatial: readonly number[]): string {
  const { graph } = args;
  const dims = spec.kernel.length;
  requireStaticSpatial(args, dims, "a float64 convolution's gather (ONNX Runtime has no float64 Conv)");
  const shape = infoOf(args, 0).shape;
  const channels = shape[shape.length - dims - 1]!;
  const spatial = shape.slice(shape.length - dims);
  const outChannels = infoOf(args, 1).shape[0]!;
  const begins = spec.pads.slice(0, dims);
  const ends = spec.pads.slice(dims);
  const padded = spatial.map((n, k) => n + begins[k]! + ends[k]!);
  const taps = shapeSize(spec.kernel);
  const outputs = shapeSize(outSpatial);
  const perGroup = (channels / spec.group) * taps;

  const xp = spec.pads.some((p) => p !== 0) ? graph.op("Pad", [x, graph.int64s([0, 0, ...begins, 0, 0, ...ends])]) : x;
  const planes = graph.op("Reshape", [xp, graph.int64s([-1, channels, shapeSize(padded)])]);
  // (N, C, taps, outputs), then the taps of one group's channels side by side, channel-major as the weight's
  const windows = graph.op("Gather", [planes, graph.int64s(tapIndices(spec, padded, outSpatial), [taps, outputs])], { axis: 2 });
  const columns = graph.op("Reshape", [windows, graph.int64s([-1, spec.group, perGroup, outputs])]);
  const kernels = graph.op("Reshape", [weight, graph.int64s([spec.group, outChannels / spec.group, perGroup])]);
  const summed = graph.op("MatMul", [kernels, columns]);
  const y = graph.op("Reshape", [summed, graph.int64s([-1, outChannels, ...outSpatial])]);
  if (bias === null) return y;
  return graph.op("Add", [y, graph.op("Reshape", [bias, graph.int64s([outChannels, ...outSpatial.map(() => 1)])])]);
}
