// Observing the ops a computation applies, for exporters (ONNX): each call of a primitive, a
// built-in op or a custom function is reported once, with its inputs, attributes and outputs. An op
// reported as a whole hides the ops it is built from, so an exporter sees `layerNorm` once rather
// than its kernels or its composite, and a layer it lowers itself hides everything inside.
import { ValueError } from "@strata/tensor";
import type { FunctionSpec } from "./function.js";
import { Variable } from "./variable.js";

/**
 * What kind of call a {@link TracedCall} is: a primitive of the derivative table (`attrs` as in
 * {@link PrimitiveAttrs}), a built-in op reported as a whole (`op` its function's name), a custom
 * function made with {@link defineFunction} (`spec` its definition), or a unit an exporter
 * reports itself through {@link tracedCall} (a layer, say).
 *
 * @example
 * ```ts
 * import { traceCalls, variable, type TracedKind } from "@strata/autograd";
 * const kinds: TracedKind[] = [];
 * traceCalls((c) => kinds.push(c.kind), () => variable([1]).mul(2).relu());
 * console.log(kinds); // ["primitive", "op"]
 * ```
 */
export type TracedKind = "primitive" | "op" | "function" | "unit";

/**
 * One reported call: the op, its inputs as it received them (variables, tensors, numbers, null
 * for an absent optional input), its attributes and its outputs in order.
 *
 * @example
 * ```ts
 * import { mul, traceCalls, variable, type TracedCall } from "@strata/autograd";
 * const calls: TracedCall[] = [];
 * traceCalls((call) => calls.push(call), () => mul(variable([1, 2]), 3));
 * console.log(calls.map((c) => `${c.kind} ${c.op}`)); // ["primitive mul"]
 * ```
 */
export interface TracedCall {
  readonly kind: TracedKind;
  readonly op: string;
  readonly inputs: readonly unknown[];
  readonly attrs: unknown;
  readonly outputs: readonly Variable[];
  /** The definition of a custom function (kind "function"). */
  readonly spec?: FunctionSpec<never>;
}

let observer: ((call: TracedCall) => void) | null = null;
let depth = 0;

/**
 * Runs `fn` and reports to `onCall` every op it applies at the outermost level, in the order
 * applied: primitives, built-in ops as a whole, custom functions and {@link tracedCall} units. Ops
 * that do not depend on any traced value are reported too (constants computed with autograd ops).
 * Tensor methods called directly (`x.data.mul(2)`) are not ops of autograd and are not seen.
 *
 * @throws ValueError when called while another trace runs.
 * @example
 * ```ts
 * import { relu, traceCalls, variable } from "@strata/autograd";
 * const ops: string[] = [];
 * traceCalls((c) => ops.push(c.op), () => relu(variable([-1, 2]).mul(2)));
 * console.log(ops); // ["mul", "relu"]
 * ```
 */
export function traceCalls<T>(onCall: (call: TracedCall) => void, fn: () => T): T {
  if (observer !== null) throw new ValueError("traceCalls: a trace is already running; traces do not nest");
  observer = onCall;
  depth = 0;
  try {
    return fn();
  } finally {
    observer = null;
    depth = 0;
  }
}

/** The variables in an op's result, in order: a variable, or arrays or records of them, nested. */
function variablesIn(out: unknown, into: Variable[] = []): Variable[] {
  if (out instanceof Variable) into.push(out);
  else if (Array.isArray(out)) for (const o of out) variablesIn(o, into);
  else if (out !== null && typeof out === "object" && Object.getPrototypeOf(out) === Object.prototype) for (const o of Object.values(out)) variablesIn(o, into);
  return into;
}

/**
 * Runs `compute` as one traced call: while a trace runs, the ops inside it are hidden and the call
 * is reported once, after it returns, with the variables of its result as outputs. Outside a
 * trace it only runs `compute`. Built-in ops use it with kind "op"; an exporter uses it with kind
 * "unit" to report a layer it lowers as a whole. Never throws itself; what `compute` throws
 * passes through.
 *
 * @example
 * ```ts
 * import { add, mul, traceCalls, tracedCall, variable } from "@strata/autograd";
 * const x = variable([1, 2]);
 * const ops: string[] = [];
 * traceCalls((c) => ops.push(c.op), () => tracedCall("unit", "axpy", [x], { a: 2 }, () => add(mul(x, 2), 1)));
 * console.log(ops); // ["axpy"]
 * ```
 */
export function tracedCall<T>(kind: TracedKind, op: string, inputs: readonly unknown[], attrs: unknown, compute: () => T): T {
  if (observer === null) return compute();
  depth += 1;
  let out: T;
  try {
    out = compute();
  } finally {
    depth -= 1;
  }
  reportCall(kind, op, inputs, attrs, out);
  return out;
}

/** Runs `compute` with the ops inside it hidden from a running trace (bookkeeping ops that compute nothing of the result). @internal */
export function untraced<T>(compute: () => T): T {
  if (observer === null) return compute();
  depth += 1;
  try {
    return compute();
  } finally {
    depth -= 1;
  }
}

/** Reports a call that has already run (primitives, custom functions), when it is outermost. @internal */
export function reportCall(kind: TracedKind, op: string, inputs: readonly unknown[], attrs: unknown, out: unknown, spec?: FunctionSpec<never>): void {
  if (observer === null || depth > 0) return;
  observer({ kind, op, inputs, attrs, outputs: variablesIn(out), ...(spec ? { spec } : {}) });
}
