// A chain of modules. It numbers its Dense layers 1, 2, … so their errors can say which one.
import { Variable, type Operand } from "@strata/autograd";
import { Tensor, ValueError } from "@strata/tensor";
import { show } from "./checks.js";
import { field } from "./config-fields.js";
import { Dense } from "./dense.js";
import { layerEntry, type StateShape } from "./layer-type.js";
import { Module } from "./module.js";
import { setPosition } from "./layer-position.js";

/**
 * Applies its modules in order: `forward(x) = layers[k-1](… layers[0](x))`, each module's output
 * passed as the next one's input, whatever it is (a module may return a pair that the next one
 * takes). Children are named `"0"`, `"1"`, … (parameters `"0.W"`, `"0.b"`, …), and its Dense
 * layers learn their layer number. With Dense layers the input is (n[0], m) and the output
 * (n[L], m), one column per example.
 *
 * @throws ValueError from the constructor when an argument is not a Module; from `forward` when
 *   the last module returns something other than a tensor. `forward` throws whatever its layers
 *   throw (a Dense says which layer: `Dense(layer 2): expected input with 3 rows (n[1]), got 4`).
 * @example
 * ```ts
 * import { ActivationLayer, Dense, Sequential } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const net = new Sequential(new Dense(4, 3, { rng: rng(0) }), new ActivationLayer("tanh"), new Dense(3, 1, { rng: rng(1) }));
 * console.log(net.namedParameters().map(([k]) => k)); // ["0.W", "0.b", "2.W", "2.b"]
 * console.log(net.forward(ones([4, 6])).shape); // [1, 6]
 * console.log(String(net).split("\n")); // ["Sequential(", "  (0): Dense(4, 3, activation=identity)", "  (1): ActivationLayer(tanh)", "  (2): Dense(3, 1, activation=identity)", ")"]
 * ```
 */
export class Sequential extends Module<[Operand], Variable> {
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
    let out: unknown = x;
    for (const m of this.layers) out = m.forward(out);
    if (out instanceof Variable) return out;
    if (out instanceof Tensor) return new Variable(out);
    if (typeof out === "number") return new Variable(new Tensor(Float32Array.of(out), []));
    const last = this.layers.length - 1;
    throw new ValueError(`Sequential: module ${last} (${this.layers[last]!.constructor.name}) returned ${Array.isArray(out) ? `an array of ${out.length}` : show(out)}, not a tensor; a Sequential's output is one Variable, so end it with a module that returns one`);
  }
}

/** Checks that every item is a Module and numbers the Dense layers 1, 2, … in order. */
function adoptLayers(layers: readonly Module[]): readonly Module[] {
  layers.forEach((m, i) => {
    if (!(m instanceof Module)) throw new ValueError(`Sequential: item ${i} is not a Module (got ${String(m)})`);
  });
  let l = 0;
  for (const m of layers) if (m instanceof Dense) m.layer = ++l;
  layers.forEach((m, i) => setPosition(m, i));
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

/** The state shapes of child layers under their names (`0.W`, `1.running_mean`). @internal */
export function* childStateShapes(children: Iterable<[string, Module]>, shapesOf: (child: Module) => Iterable<StateShape>): Generator<StateShape> {
  for (const [name, child] of children) for (const [key, shape, dtype] of shapesOf(child)) yield [`${name}.${key}`, shape, dtype];
}

/** Sequential in architectures: `{ type: "sequential", layers: [...] }`. @internal */
export const sequentialLayer = layerEntry(Sequential, {
  type: "sequential",
  fields: { layers: field.layers() },
  config: (m) => ({ layers: [...m.layers] }),
  fromConfig: (c) => setLayers(new Sequential(), c.layers),
  stateShapes: (c, shapesOf) => childStateShapes(c.layers.map((m, i): [string, Module] => [String(i), m]), shapesOf),
});
