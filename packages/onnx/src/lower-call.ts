// Which lowering a traced call takes: the primitive's row, the built-in op's, the custom
// function's own (its spec's `onnx`), or the layer's.
import type { Primitive, TracedCall } from "@strata/autograd";
import { ValueError } from "@strata/tensor";
import { cannotExport, type Lower, type LowerArgs } from "./lowering.js";
import { opLowerings } from "./lower-ops.js";
import { primitiveLowerings } from "./lower-primitives.js";
import { unitLowering } from "./lower-units.js";

const HOW_TO = "declare its ONNX form in the spec, e.g. defineFunction({ name, forward, backward, onnx: (graph, { inputs: [x] }) => graph.node(\"Mul\", [x!, x!])[0]! })";

/** The call's nodes, from the lowering its kind and name select. */
export function lowerCall(call: TracedCall, args: LowerArgs): string[] {
  switch (call.kind) {
    case "primitive":
      return (primitiveLowerings[call.op as Primitive] as Lower)(args);
    case "op": {
      const lower = opLowerings[call.op] as Lower | undefined;
      if (!lower) throw new ValueError(`toOnnx: the built-in op ${call.op} has no ONNX lowering yet; please report this`);
      return lower(args);
    }
    case "function": {
      const onnx = call.spec?.onnx;
      if (!onnx) throw cannotExport(`custom function ${call.op}`, `(defineFunction) has no ONNX form; ${HOW_TO}`);
      // a custom function's inputs are never null (defineFunction takes tensors and numbers); the 0 only satisfies the type
      return [onnx(args.graph, { inputs: args.inputs, values: args.values.map((v) => v ?? 0), output: call.outputs[0]!.data })];
    }
    case "unit":
      return unitLowering(call.op)(args);
  }
}
