// ONNX's reductions changed how they take their axes: an attribute at first, an input later
// (ReduceSum from opset 13, the others from opset 18). Every lowering that reduces writes its node
// here, so the opset rule lives in one place.
import type { GraphBuilder } from "./graph-builder.js";

/** The reductions the exporter writes. */
export type ReduceOp = "ReduceSum" | "ReduceMax" | "ReduceMin" | "ReduceMean";

/** The first opset in which `opType` reads its axes from an input rather than an attribute. */
const AXES_AS_INPUT_FROM: Readonly<Record<ReduceOp, number>> = { ReduceSum: 13, ReduceMax: 18, ReduceMin: 18, ReduceMean: 18 };

/**
 * `opType` of `x` over `axes` (negative counting from the end), keeping them as length 1 when
 * `keepdims`, in the form `opset` defines. No axes is Identity: for Strata a reduction over no
 * axes leaves x as it is, while ONNX reads an empty axes list as "every axis".
 */
export function reduceNode(graph: GraphBuilder, opType: ReduceOp, x: string, axes: readonly number[], keepdims: boolean, opset: number): string {
  if (axes.length === 0) return graph.op("Identity", [x]);
  const keep = keepdims ? 1 : 0;
  if (opset >= AXES_AS_INPUT_FROM[opType]) return graph.op(opType, [x, graph.int64s(axes)], { keepdims: keep });
  return graph.op(opType, [x], { axes: [...axes], keepdims: keep });
}
