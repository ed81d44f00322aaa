// What convolutions and poolings need of their input's shape: they accept unbatched input, (C, …)
// for (N, C, …), as PyTorch does, while ONNX's operators want the batch axis, so such an input gets
// one of length 1 around the nodes; and some of their forms are written for fixed spatial sizes.
import { formatShape } from "@strata/tensor";
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
