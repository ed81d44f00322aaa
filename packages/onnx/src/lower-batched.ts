// What layers that accept unbatched input need of their input's shape: convolutions, poolings and
// recurrent layers take (C, …) for (N, C, …) or (L, F) for (L, N, F), as PyTorch does, while ONNX's
// operators want the batch axis, so such an input gets one of length 1 around the nodes; and some
// forms of convolution and pooling are written for fixed spatial sizes.
import { formatShape } from "@strata/tensor";
import type { GraphBuilder } from "./graph-builder.js";
import { cannotExport, infoOf, type LowerArgs } from "./lowering.js";

/**
 * `build` applied to `inputs` each given an axis of length 1 at `axis` (an absent input, "",
 * stays absent), and its outputs with that axis removed: an unbatched call run as a batch of one.
 */
export function withBatchAxis(graph: GraphBuilder, axis: number, inputs: readonly string[], build: (batched: string[]) => string[]): string[] {
  const axes = graph.int64s([axis]);
  const outputs = build(inputs.map((x) => (x === "" ? "" : graph.op("Unsqueeze", [x, axes]))));
  return outputs.map((y) => graph.op("Squeeze", [y, axes]));
}

/**
 * `build` applied to input 0 with a batch axis: as it is when it has `spatial + 2` axes, between
 * an Unsqueeze and a Squeeze of axis 0 when it has one fewer.
 */
export function batched(args: LowerArgs, spatial: number, build: (x: string) => string): string {
  const rank = infoOf(args, 0).shape.length;
  if (rank === spatial + 2) return build(args.inputs[0]!);
  if (rank !== spatial + 1) throw cannotExport(args.op, `expected an input of ${spatial + 2} axes (N, C, …) or ${spatial + 1} (unbatched), got ${rank}`);
  return withBatchAxis(args.graph, 0, [args.inputs[0]!], ([x]) => [build(x!)])[0]!;
}

/**
 * Refuses a convolution or pooling whose spatial axes (the last `dims` of input 0) change with the
 * batch size, where the nodes written depend on their lengths (`what` says which).
 */
export function requireStaticSpatial(args: LowerArgs, dims: number, what: string): void {
  const x = infoOf(args, 0);
  const dynamic = x.dynamic.slice(-dims);
  if (dynamic.some(Boolean)) {
    throw cannotExport(args.op, `on input ${formatShape(x.shape)}, whose spatial axes follow the batch size, cannot be exported: ${what} depends on their lengths`);
  }
}
