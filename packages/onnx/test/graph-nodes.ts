// Reading an exported model's nodes back (with onnx-proto, the encoder's own library): which ONNX
// operators a layer lowered to, and their attributes.
import onnxProto from "onnx-proto";

/** One node: its operator, its inputs' names and its integer and integer-list attributes. */
export interface NodeSummary {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly ints: Readonly<Record<string, number | number[]>>;
}

/** The graph's nodes in order. */
export function nodesOf(bytes: Uint8Array): NodeSummary[] {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  return (model.graph?.node ?? []).map((node) => {
    const ints: Record<string, number | number[]> = {};
    for (const a of node.attribute ?? []) {
      if (a.type === onnxProto.onnx.AttributeProto.AttributeType.INT) ints[a.name!] = Number(a.i);
      if (a.type === onnxProto.onnx.AttributeProto.AttributeType.INTS) ints[a.name!] = (a.ints ?? []).map(Number);
    }
    return { opType: node.opType!, inputs: [...(node.input ?? [])], ints };
  });
}

/** The graph's operators, without the Identity nodes that name its outputs. */
export function opTypesOf(bytes: Uint8Array): string[] {
  return nodesOf(bytes).map((n) => n.opType).filter((t) => t !== "Identity");
}

/** The one node of `opType` (fails when there is not exactly one). */
export function onlyNode(bytes: Uint8Array, opType: string): NodeSummary {
  const found = nodesOf(bytes).filter((n) => n.opType === opType);
  if (found.length !== 1) throw new Error(`expected one ${opType} node, found ${found.length} among ${opTypesOf(bytes).join(", ")}`);
  return found[0]!;
}
