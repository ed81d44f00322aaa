// The shape and dtype checks shared by the building blocks and Dense, so both word errors alike:
// `Dense(layer 2): expected input with 20 rows (n[1]), got 7`.
import { Variable, type Operand } from "@strata/autograd";
import * as T from "@strata/tensor";
import { DTypeError, ShapeError, StrataError, ValueError, formatShape, isFloatDType, type DType, type Tensor } from "@strata/tensor";

/** What a checked value looks like: a Tensor or a Variable. */
export interface Shaped {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/**
 * Checks that an input to layer `layer` (1-based; undefined when unknown) is (nIn, m) in `dtype`.
 * `what` names the input in the message ("input", "A1").
 */
export function checkLayerInput(where: string, x: Shaped, nIn: number, dtype: DType, layer?: number, what = "input"): void {
  const n = layer === undefined ? "" : ` (n[${layer - 1}])`;
  if (x.shape.length !== 2) {
    throw new ShapeError(`${where}: expected ${what} of shape (${nIn}, m)${n} with one column per example, got ${formatShape(x.shape)}`);
  }
  const [rows, cols] = x.shape as [number, number];
  if (rows !== nIn) {
    // Only data can arrive transposed: an inner layer's input comes from the layer before it.
    const hint = cols === nIn && (layer === undefined || layer === 1) ? `; it looks like (m, ${nIn}) with examples as rows: pass its transpose (examples are columns)` : "";
    throw new ShapeError(`${where}: expected ${what} with ${nIn} rows${n}, got ${rows}${hint}`);
  }
  if (x.dtype !== dtype) {
    throw new DTypeError(`${where}: ${what} is ${x.dtype} but the weights are ${dtype}; cast one of them (x.cast("${dtype}"))`);
  }
}

/** Checks W (nOut, nIn) and b (nOut, 1) of one layer, both in the same float dtype. */
export function checkWeights(where: string, W: Shaped, b: Shaped): void {
  if (W.shape.length !== 2) throw new ShapeError(`${where}: expected W of shape (n[l], n[l-1]), got ${formatShape(W.shape)}`);
  if (!isFloatDType(W.dtype)) throw new DTypeError(`${where}: expected float32 or float64 weights, got W of ${W.dtype}`);
  const nOut = W.shape[0]!;
  if (b.shape.length !== 2 || b.shape[0] !== nOut || b.shape[1] !== 1) {
    throw new ShapeError(`${where}: expected b of shape (${nOut}, 1) to match W ${formatShape(W.shape)}, got ${formatShape(b.shape)}`);
  }
  if (b.dtype !== W.dtype) throw new DTypeError(`${where}: W is ${W.dtype} but b is ${b.dtype}; expected one dtype`);
}

/** Checks that a gradient flowing back into a layer has the layer output's shape. */
export function checkSameShape(where: string, what: string, x: Shaped, expected: readonly number[]): void {
  if (x.shape.length !== expected.length || x.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`${where}: expected ${what} of shape ${formatShape(expected)}, got ${formatShape(x.shape)}`);
  }
}

/** The tensor inside an operand (a number is a 0-d tensor). */
export function tensorOf(x: Operand): Tensor {
  if (x instanceof Variable) return x.data;
  return x instanceof T.Tensor ? x : T.tensor(x);
}

/** A value as error messages quote it: strings quoted, objects by their tag. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value === "object" && value !== null ? Object.prototype.toString.call(value) : String(value);
}

/** `e` with `where` before its message, of the same class (ValueError, DTypeError, …), when it is
 * one of Strata's errors; anything else as it is. */
export const prefixed = (where: string, e: unknown): unknown => {
  if (!(e instanceof StrataError)) return e;
  const Class = e.constructor as new (message: string) => StrataError;
  return Object.assign(new Class(`${where}: ${e.message}`), { cause: e });
};

/** The checked dropout probability. @internal */
export function checkDropout(layer: string, p: unknown): number {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(`${layer}: dropout must be a probability in [0, 1], got ${show(p)}`);
  return p;
}
