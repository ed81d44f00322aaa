// Convolutions and poolings accept unbatched input, (C, …) for (N, C, …), as PyTorch does; ONNX's
// operators want the batch axis, so such an input gets one of length 1 around the nodes.
import { cannotExport, infoOf, type LowerArgs } from "./lowering.js";

/**
 * `build` applied to input 0 with a batch axis: as it is when it has `spatial + 2` axes, between
 * an Unsqueeze and a Squeeze of axis 0 when it has one fewer.
 */
export function batched(args: LowerArgs, spatial: number, build: (x: string) => string): string {
  const rank = infoOf(args, 0).shape.length;
  if (rank === spatial + 2) return build(args.inputs[0]!);
  if (rank !== spatial + 1) throw cannotExport(args.op, `expected an input of ${spatial + 2} axes (N, C, …) or ${spatial + 1} (unbatched), got ${rank}`);
  const axis = args.graph.int64s([0]);
  return args.graph.op("Squeeze", [build(args.graph.op("Unsqueeze", [args.inputs[0]!, axis])), axis]);
}
