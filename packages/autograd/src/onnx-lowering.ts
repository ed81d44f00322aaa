// How a custom function declares its ONNX form. The types live here, with the functions that
// carry them, so that autograd stays free of ONNX's encoding: @strata/onnx implements OnnxGraph.
import type { Tensor } from "@strata/tensor";

/**
 * An ONNX node attribute: an integer (INT), `{ float }` (FLOAT: a plain number is always taken as
 * an integer, so a float says so), a string, a list of integers, `{ floats }`, a list of strings, or
 * a tensor. An empty list is written as a list of integers (INTS).
 *
 * @example
 * ```ts
 * import type { OnnxAttribute } from "@strata/autograd";
 * const attributes: Record<string, OnnxAttribute> = { axis: 1, alpha: { float: 0.2 }, perm: [1, 0] };
 * console.log(Object.keys(attributes)); // ["axis", "alpha", "perm"]
 * ```
 */
export type OnnxAttribute =
  | number
  | string
  | readonly number[]
  | readonly string[]
  | { readonly float: number }
  | { readonly floats: readonly number[] }
  | Tensor;

/**
 * The graph a lowering adds its nodes to (implemented by `@strata/onnx`): `node` adds one ONNX node
 * and returns the names of its outputs; `constant` adds a tensor as an initializer and returns its
 * name; `int64s` does the same for int64 values. Names are made unique by the graph.
 *
 * @example
 * ```ts
 * import type { OnnxGraph } from "@strata/autograd";
 * // x·2 + 1 written as nodes
 * const lower = (graph: OnnxGraph, x: string, two: string, one: string): string =>
 *   graph.node("Add", [graph.node("Mul", [x, two])[0]!, one])[0]!;
 * // x (N, 2, 3) as (N, 6): 0 copies the batch axis, so the graph works for any N
 * const flatten = (graph: OnnxGraph, x: string): string => graph.node("Reshape", [x, graph.int64s([0, 6])])[0]!;
 * console.log(typeof lower, typeof flatten); // "function" "function"
 * ```
 */
export interface OnnxGraph {
  node(opType: string, inputs: readonly string[], attributes?: Readonly<Record<string, OnnxAttribute>>, options?: { readonly outputs?: number; readonly domain?: string }): string[];
  constant(value: Tensor): string;
  /**
   * Adds int64 `values` of `shape` (by default a list, `[values.length]`; `[]` for a scalar) as an
   * initializer and returns its name: the shapes, axes and bounds that Reshape, Slice, Unsqueeze,
   * Expand and other ONNX operators take as inputs must be int64, a dtype Strata's tensors lack.
   */
  int64s(values: readonly number[], shape?: readonly number[]): string;
}

/**
 * What a lowering receives besides the graph: the names of the call's inputs in the ONNX graph
 * (numbers are made scalar constants of the output's dtype), their values at the traced call
 * (tensors, numbers) and the traced output.
 *
 * @example
 * ```ts
 * import type { OnnxLoweringCall } from "@strata/autograd";
 * const describe = (call: OnnxLoweringCall): string => `${call.inputs.length} inputs, output ${call.output.shape.join("x")}`;
 * console.log(typeof describe); // "function"
 * ```
 */
export interface OnnxLoweringCall {
  readonly inputs: readonly string[];
  readonly values: readonly (Tensor | number)[];
  readonly output: Tensor;
}

/**
 * A custom function's ONNX form ({@link FunctionSpec.onnx}): adds the nodes that compute the
 * output from the inputs and returns the output's name. The traced batch size is an example: the
 * nodes must work for any (use shapes read from the graph, not from `values`, on the batch axis).
 *
 * @example
 * ```ts
 * import type { OnnxLowering } from "@strata/autograd";
 * // cube(x) = x·x·x
 * const cube: OnnxLowering = (graph, { inputs: [x] }) => graph.node("Mul", [graph.node("Mul", [x!, x!])[0]!, x!])[0]!;
 * console.log(typeof cube); // "function"
 * ```
 */
export type OnnxLowering = (graph: OnnxGraph, call: OnnxLoweringCall) => string;
