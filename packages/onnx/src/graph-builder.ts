// The ONNX graph being written: nodes in order, initializers, unique names. Lowerings add to it
// through the OnnxGraph interface that @strata/autograd declares for custom functions.
import type { OnnxAttribute, OnnxGraph } from "@strata/autograd";
import { Tensor, ValueError, formatShape, full, shapeSize, type DType } from "@strata/tensor";
import { onnx, type proto } from "./proto.js";

const TensorType = onnx.TensorProto.DataType;
const AttrType = onnx.AttributeProto.AttributeType;

/** ONNX's element type of a Strata dtype (bool and the integers as themselves). */
export function elementType(dtype: DType): number {
  switch (dtype) {
    case "float32": return TensorType.FLOAT;
    case "float64": return TensorType.DOUBLE;
    case "int32": return TensorType.INT32;
    case "bool": return TensorType.BOOL;
    default: throw new ValueError(`toOnnx: no ONNX element type for dtype ${String(dtype)}`);
  }
}

/** The little-endian bytes of a tensor's values in row-major order (ONNX's raw_data). */
function rawBytes(t: Tensor): Uint8Array {
  const values = t.toTypedArray();
  if (t.dtype === "bool") return Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
  const copy = (values as Float32Array).slice();
  return new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength);
}

/** A TensorProto of a Strata tensor, or of int64 values (shapes and axes, which ONNX wants as int64). */
export function tensorProto(name: string, value: Tensor | { int64: readonly number[]; shape: readonly number[] }): proto.ITensorProto {
  if (value instanceof Tensor) return { name, dims: [...value.shape], dataType: elementType(value.dtype), rawData: rawBytes(value) };
  const data = BigInt64Array.from(value.int64, (v) => BigInt(v));
  return { name, dims: [...value.shape], dataType: TensorType.INT64, rawData: new Uint8Array(data.buffer) };
}

/** An attribute as ONNX encodes it; integers stay INT, floats come tagged ({ float }). */
function attributeProto(op: string, name: string, value: OnnxAttribute): proto.IAttributeProto {
  if (value instanceof Tensor) return { name, type: AttrType.TENSOR, t: tensorProto("", value) };
  if (typeof value === "string") return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new ValueError(`${op}: attribute ${name} = ${value} is not an integer; write { float: ${value} } for a FLOAT attribute`);
    return { name, type: AttrType.INT, i: value };
  }
  if (Array.isArray(value)) {
    // an empty list has no element type to go by: it is INTS, as every list attribute the exporter
    // can write empty is (a 0-d Transpose's perm, axes); every([]) would call it STRINGS
    if (value.length > 0 && value.every((v) => typeof v === "string")) return { name, type: AttrType.STRINGS, strings: (value as string[]).map((v) => new TextEncoder().encode(v)) };
    if (!value.every((v) => Number.isInteger(v))) throw new ValueError(`${op}: attribute ${name} = [${value.join(", ")}] holds non-integers; write { floats: [...] } for FLOATS`);
    return { name, type: AttrType.INTS, ints: [...(value as number[])] };
  }
  if ("float" in value) return { name, type: AttrType.FLOAT, f: value.float };
  if ("floats" in value) return { name, type: AttrType.FLOATS, floats: [...value.floats] };
  throw new ValueError(`${op}: attribute ${name} has an unsupported value ${String(value)}`);
}

/** How {@link GraphBuilder.constant} names an initializer and when it shares one. */
export interface ConstantOptions {
  /** The exact name, reserved (a parameter's state-dict key); by default a fresh name from `base`. */
  readonly name?: string;
  /** The start of a fresh name ("const" by default). */
  readonly base?: string;
  /** Shares the initializer: every call with this key (and owner) gets the first call's name. */
  readonly key?: string;
  /**
   * What `key` belongs to (by identity): a layer called many times (a decoder's steps) shares its
   * constants while two layers asking for the same key get their own. The graph by default.
   */
  readonly owner?: object;
}

/** The graph under construction; implements the interface lowerings see. */
export class GraphBuilder implements OnnxGraph {
  readonly nodes: proto.INodeProto[] = [];
  readonly domains = new Set<string>();
  #initializers: proto.ITensorProto[] = [];
  #initializerNames = new Set<string>();
  #used = new Set<string>();
  /** The shared constants' names, by owner (the graph itself, or a layer) and key. */
  #shared = new Map<object, Map<string, string>>();

  /** The initializers, in the order they were made. */
  get initializers(): readonly proto.ITensorProto[] {
    return this.#initializers;
  }

  /** A name not used yet, from `base`. */
  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, "_") || "v";
    let name = clean;
    for (let k = 1; this.#used.has(name); k++) name = `${clean}_${k}`;
    this.#used.add(name);
    return name;
  }

  /** Reserves `name` exactly (graph inputs and outputs, parameters' state-dict keys). */
  reserve(name: string): string {
    if (this.#used.has(name)) throw new ValueError(`toOnnx: the name ${name} is used twice in the graph (input and output names must differ from each other and from the parameters' state-dict keys)`);
    this.#used.add(name);
    return name;
  }

  /** Adds a node; `options.names` gives its outputs names reserved by the caller (the graph's outputs). */
  node(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, OnnxAttribute>> = {}, options: { readonly outputs?: number; readonly domain?: string; readonly names?: readonly string[] } = {}): string[] {
    if (typeof opType !== "string" || opType === "") throw new ValueError(`toOnnx: a node needs an op type, got ${String(opType)}`);
    const count = options.outputs ?? 1;
    const outputs = options.names ? [...options.names] : Array.from({ length: count }, () => this.fresh(opType));
    const attribute = Object.entries(attributes).map(([name, value]) => attributeProto(opType, name, value));
    const node: proto.INodeProto = { opType, input: [...inputs], output: outputs, name: this.fresh(`${opType}_node`), attribute };
    if (options.domain) {
      node.domain = options.domain;
      this.domains.add(options.domain);
    }
    this.nodes.push(node);
    return outputs;
  }

  /** Adds one node with one output; its name. */
  op(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>): string {
    return this.node(opType, inputs, attributes)[0]!;
  }

  /**
   * `parts` joined along `axis` by one Concat; a single part is returned as it is, with no node
   * (a one-input Concat would only copy it).
   */
  concat(parts: readonly string[], axis: number): string {
    if (parts.length === 0) throw new ValueError(`toOnnx: Concat along axis ${axis} needs at least one input, got none`);
    return parts.length === 1 ? parts[0]! : this.op("Concat", parts, { axis });
  }

  /**
   * An initializer holding `value` (or what `value()` makes, called only when the initializer is
   * new); its name. A string for `options` is `{ name }`. With a `key`, the first call for that
   * key (within `owner`) writes the initializer and every later one returns the same name.
   */
  constant(value: Tensor | (() => Tensor), options: string | ConstantOptions = {}): string {
    const { name, base = "const", key, owner = this } = typeof options === "string" ? { name: options } : options;
    const write = (): string => this.#initializer(name === undefined ? this.fresh(base) : this.reserve(name), typeof value === "function" ? value() : value);
    if (key === undefined) return write();
    let shared = this.#shared.get(owner);
    if (shared === undefined) this.#shared.set(owner, (shared = new Map<string, string>()));
    const known = shared.get(key);
    if (known !== undefined) return known;
    const id = write();
    shared.set(key, id);
    return id;
  }

  /** An int64 initializer (shapes, axes, slice bounds), as ONNX's shape ops take them. */
  int64s(values: readonly number[], shape: readonly number[] = [values.length]): string {
    // custom functions' lowerings call this too: say what is wrong rather than fail in BigInt()
    if (!values.every((v) => Number.isInteger(v))) throw new ValueError(`toOnnx: int64s takes integers, got [${values.join(", ")}]`);
    const size = shapeSize(shape);
    if (size !== values.length) throw new ValueError(`toOnnx: int64s of shape ${formatShape(shape)} needs ${size} values, got ${values.length}`);
    return this.#initializer(this.fresh("ints"), { int64: values, shape });
  }

  /** Whether `name` is an initializer: a value fixed at export, the same for every input. */
  isInitializer(name: string): boolean {
    return this.#initializerNames.has(name);
  }

  #initializer(id: string, value: Parameters<typeof tensorProto>[1]): string {
    this.#initializers.push(tensorProto(id, value));
    this.#initializerNames.add(id);
    return id;
  }

  /**
   * The nodes that compute `outputs` and the initializers they read: traced ops whose results
   * nothing uses (a recurrent layer's final state that forward drops, a bias given as the number
   * 0) are left out, so that engines have nothing to warn about.
   */
  used(outputs: readonly string[]): { nodes: proto.INodeProto[]; initializers: proto.ITensorProto[] } {
    const needed = new Set(outputs);
    const kept: proto.INodeProto[] = [];
    // from the last node back: a node is kept when a kept node (or the graph's output) reads it
    for (let k = this.nodes.length - 1; k >= 0; k--) {
      const node = this.nodes[k]!;
      if (!(node.output ?? []).some((o) => needed.has(o))) continue;
      kept.push(node);
      for (const i of node.input ?? []) if (i !== "") needed.add(i);
    }
    return { nodes: kept.reverse(), initializers: this.#initializers.filter((t) => needed.has(t.name ?? "")) };
  }

  /** A scalar constant of `dtype`, shared by every use of the same value. */
  scalar(value: number, dtype: DType): string {
    return this.constant(() => full([], value, { dtype }), { key: `scalar:${dtype}:${Object.is(value, -0) ? "-0" : String(value)}` });
  }
}
