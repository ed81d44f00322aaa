// embedding(ids, weight) as ONNX's Gather: the rows of the table at the ids. The padding row
// matters only to the gradient, so the graph ignores it.
import { cannotExport, infoOf, type Lower } from "./lowering.js";

/** embedding: Gather(weight, ids) along the table's rows, giving `(…ids, embeddingDim)`. */
export const lowerEmbedding: Lower<{ paddingIdx: number | null }> = (args) => {
  const ids = infoOf(args, 0);
  if (ids.dtype !== "int32") throw cannotExport(args.op, `expected int32 ids, got ${ids.dtype} (export with inputDtype: "int32")`);
  return [args.graph.op("Gather", [args.inputs[1]!, args.inputs[0]!], { axis: 0 })];
};
