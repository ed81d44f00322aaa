// A chain of modules. It numbers its Dense layers 1, 2, … so their errors can say which one.
import { Variable, type Operand } from "@strata/autograd";
import { Tensor, ValueError } from "@strata/tensor";
import { Dense } from "./dense.js";
import { Module } from "./module.js";

/**
 * Applies its modules in order: `forward(x) = layers[k-1](… layers[0](x))`. Children are named
 * `"0"`, `"1"`, … (parameters `"0.W"`, `"0.b"`, …), and its Dense layers learn their layer number.
 * With Dense layers the input is (n[0], m) and the output (n[L], m), one column per example.
 *
 * @throws ValueError from the constructor when an argument is not a Module. `forward` throws
 *   whatever its layers throw (a Dense says which layer: `Dense(layer 2): expected input with 3
 *   rows (n[1]), got 4`).
 * @example
 * ```ts
 * import { ActivationLayer, Dense, Sequential } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const net = new Sequential(new Dense(4, 3, { rng: rng(0) }), new ActivationLayer("tanh"), new Dense(3, 1, { rng: rng(1) }));
 * console.log(net.namedParameters().map(([k]) => k)); // ["0.W", "0.b", "2.W", "2.b"]
 * console.log(net.forward(ones([4, 6])).shape); // [1, 6]
 * ```
 */
export class Sequential extends Module {
  /** The modules, in the order they are applied. */
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = adoptLayers(layers);
  }

  override namedChildren(): [string, Module][] {
    return this.layers.map((m, i) => [String(i), m]);
  }

  /** The output of the last module (the input itself, as a variable, when there are none). */
  forward(x: Operand): Variable {
    let out: Operand = x;
    for (const m of this.layers) out = m.forward(out);
    if (out instanceof Variable) return out;
    return new Variable(out instanceof Tensor ? out : new Tensor(Float32Array.of(out), []));
  }
}

/** Checks that every item is a Module and numbers the Dense layers 1, 2, … in order. */
function adoptLayers(layers: readonly Module[]): readonly Module[] {
  layers.forEach((m, i) => {
    if (!(m instanceof Module)) throw new ValueError(`Sequential: item ${i} is not a Module (got ${String(m)})`);
  });
  let l = 0;
  for (const m of layers) if (m instanceof Dense) m.layer = ++l;
  return [...layers];
}

/**
 * Gives `sequential` (built with no arguments) its layers from a list: for models whose layers
 * come from data, as spreading hundreds of thousands of layers into the constructor's arguments
 * overflows the call stack.
 */
export function setLayers<S extends Sequential>(sequential: S, layers: readonly Module[]): S {
  (sequential as { layers: readonly Module[] }).layers = adoptLayers(layers);
  return sequential;
}
