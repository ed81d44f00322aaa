// Reading an exported file back with onnx-proto, for tests that check what the graph holds (which
// operators, which initializers) or free an axis the exporter fixed.
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/** The decoded model. */
export function decode(bytes: Uint8Array): InstanceType<typeof onnx.ModelProto> {
  return onnx.ModelProto.decode(bytes);
}

/** The op types of the graph's nodes, in order. */
export function opTypes(bytes: Uint8Array): string[] {
  return decode(bytes).graph!.node!.map((n) => n.opType!);
}

/**
 * The model with every fixed length `length` of its inputs' and outputs' shapes made a named free
 * axis: the exporter leaves only the batch axis free, and this lets a test run the graph at
 * another sequence length to show that nothing inside it fixed that length.
 */
export function freeLength(bytes: Uint8Array, length: number, name = "length"): Uint8Array {
  const model = decode(bytes);
  for (const value of [...model.graph!.input!, ...model.graph!.output!]) {
    for (const dim of value.type!.tensorType!.shape!.dim!) {
      if (dim.dimValue != null && Number(dim.dimValue) === length) {
        dim.dimValue = null;
        dim.dimParam = name;
        delete (dim as { value?: unknown }).value;
      }
    }
  }
  return onnx.ModelProto.encode(model).finish();
}
