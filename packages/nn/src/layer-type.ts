// The layer protocol: what a layer type tells save/load about itself (its name in architecture
// JSON, its config's fields, how to describe a module and rebuild one, and optionally the state
// its config implies). Printing and summary need none of it: they use Module's own methods.
import { ValueError, type DType } from "@strata/tensor";
import type { ConfigFields, ConfigOf } from "./config-fields.js";
import type { Module } from "./module.js";

/**
 * One tensor a layer's config implies in its state dict: its dotted name, its shape and, for a
 * buffer that is not float, its dtype (`"int32"` for a step count; a float is float32 or float64,
 * either of which loads).
 *
 * @example
 * ```ts
 * import type { StateShape } from "@strata/nn";
 * const shapes: StateShape[] = [["weight", [8, 4]], ["bias", [8]], ["num_batches_tracked", [], "int32"]];
 * console.log(shapes.map(([name, shape]) => `${name}(${shape.join(", ")})`).join(" ")); // weight(8, 4) bias(8) num_batches_tracked()
 * ```
 */
export type StateShape = readonly [name: string, shape: readonly number[], dtype?: DType];

/**
 * How a layer type describes itself to `save`/`load` (and `architectureOf`/`modelFromArchitecture`),
 * given once to {@link registerLayer}:
 *
 * - `type`: its name in architecture JSON (`"dense"`, `"MyBlock"`), unique among layer types.
 * - `fields`: its config's fields with their validators ({@link field}); a checkpoint's
 *   architecture is checked against them, field by field and naming the path of the first bad
 *   one, before anything is built.
 * - `config(module)`: the module's config, one value per field (child fields hold modules).
 *   `save` checks that what it writes passes `fields` again, so a checkpoint it writes loads.
 * - `fromConfig(config)`: a new module for a checked config; the weights are loaded after.
 * - `check(config)` (optional): a problem that concerns several fields, as a message, or undefined.
 * - `stateShapes(config, childShapes)` (optional): the names and shapes of the state dict the
 *   config implies (parameters and persistent buffers, a child's under its name: `childShapes(c)`
 *   gives a child field's own). With it, `load` checks a file's tensors before building anything,
 *   so a small hostile file cannot make it allocate what its architecture declares; without it,
 *   `load` checks only that the file holds at least the values of the parts that do say (its
 *   built-in children), builds the layer from its checked config, then checks the tensors: the
 *   bounds in `fields` then bound what a file can make it allocate. Child fields hold
 *   placeholders here (and in `check`): pass them to `childShapes`, nothing else.
 *
 * @example
 * ```ts
 * import { variable, type Operand, type Variable } from "@strata/autograd";
 * import { Module, field, type LayerType } from "@strata/nn";
 * import { zeros } from "@strata/tensor";
 * class Scale extends Module {
 *   readonly scale: Variable;
 *   constructor(readonly size: number) {
 *     super();
 *     this.scale = variable(zeros([size, 1]), { requiresGrad: true });
 *   }
 *   forward(x: Operand): Variable {
 *     return this.scale.mul(x);
 *   }
 * }
 * const fields = { size: field.integer({ min: 1, max: 1 << 20 }) };
 * const scaleLayer: LayerType<Scale, typeof fields> = {
 *   type: "Scale",
 *   fields,
 *   config: (m) => ({ size: m.size }),
 *   fromConfig: (c) => new Scale(c.size),
 *   stateShapes: (c) => [["scale", [c.size, 1]]],
 * };
 * console.log(scaleLayer.fromConfig({ size: 3 }).scale.shape); // [3, 1]
 * ```
 */
export interface LayerType<M extends Module, F extends ConfigFields> {
  /** The name in architecture JSON. */
  type: string;
  /** The config's fields and their validators. */
  fields: F;
  /** The config of `module`, one value per field. */
  config(module: M): NoInfer<ConfigOf<F>>;
  /** A new module for a checked config. */
  fromConfig(config: NoInfer<ConfigOf<F>>): M;
  /** A problem across fields, or undefined. */
  check?(config: NoInfer<ConfigOf<F>>): string | undefined;
  /** The state dict's names and shapes that the config implies. */
  stateShapes?(config: NoInfer<ConfigOf<F>>, childShapes: (child: Module) => Iterable<StateShape>): Iterable<StateShape>;
}

/** A layer class with its type, as the registry keeps them. @internal */
export interface LayerEntry {
  readonly layerClass: abstract new (...args: never[]) => Module;
  readonly layer: LayerType<any, ConfigFields>;
}

/** Pairs a class with its layer type, checking the type against the class. @internal */
export function layerEntry<M extends Module, F extends ConfigFields>(layerClass: abstract new (...args: never[]) => M, layer: LayerType<M, F>): LayerEntry {
  return { layerClass, layer: layer as unknown as LayerType<Module, ConfigFields> };
}

/**
 * Thrown by a layer type's `config` for a module that has no JSON form (a hand-made activation):
 * `architectureOf` says which part of the model it is and what to do instead. @internal
 */
export class Undescribable extends ValueError {
  /** What cannot be described, e.g. `the custom activation "swish"`. */
  readonly what: string;
  constructor(what: string) {
    super(`${what} cannot be described as an architecture`);
    this.what = what;
  }
}
