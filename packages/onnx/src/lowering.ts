// What a lowering sees of one traced call, and the errors lowerings throw. A lowering turns one
// call (a primitive, a built-in op, a custom function or a layer) into ONNX nodes.
import { ValueError, type DType, type Tensor } from "@strata/tensor";
import type { GraphBuilder } from "./graph-builder.js";

/**
 * A value of the graph: its shape at the traced batch size, which axes change with the batch size
 * (found by tracing twice), and its dtype.
 */
export interface ValueInfo {
  readonly shape: readonly number[];
  readonly dynamic: readonly boolean[];
  readonly dtype: DType;
}

/** One traced call, as its lowering receives it. */
export interface LowerArgs<A = unknown, U = unknown> {
  readonly graph: GraphBuilder;
  /** The op's name, for messages. */
  readonly op: string;
  /** The inputs' names in the graph; "" for an absent optional input (null). */
  readonly inputs: readonly string[];
  /** The inputs' shapes and dtypes; null for an absent input. */
  readonly info: readonly (ValueInfo | null)[];
  /** The inputs' values at the first trace: tensors, numbers, null. */
  readonly values: readonly (Tensor | number | null)[];
  /** The attributes at the first trace, and at the second (another batch size). */
  readonly attrs: A;
  readonly attrsOther: A;
  /** The outputs' shapes and dtypes. */
  readonly outputs: readonly ValueInfo[];
  /** The opset being written. */
  readonly opset: number;
  /** The layer itself, for a layer lowered as a whole. */
  readonly unit: U;
}

/** A lowering: adds nodes for one call and returns the names of its outputs, in order. */
export type Lower<A = unknown, U = unknown> = (args: LowerArgs<A, U>) => string[];

/** The error of a call that has no ONNX form: names the op and says why, and what to do. */
export function cannotExport(op: string, why: string): ValueError {
  return new ValueError(`toOnnx: ${op} ${why}`);
}

/** The one input a unary lowering reads. */
export function only(args: LowerArgs): string {
  return args.inputs[0]!;
}

/** The input shape at position `i` (throws if absent: lowerings ask only for present inputs). */
export function infoOf(args: LowerArgs, i: number): ValueInfo {
  const info = args.info[i];
  if (!info) throw cannotExport(args.op, `expected input ${i} to be a tensor`);
  return info;
}

