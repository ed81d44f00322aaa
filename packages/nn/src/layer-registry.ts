// The registry of layer types: the built-in ones from their one list (builtin-layers.ts), then
// whatever a program registers. save looks a module's class up here; load looks up the type a
// checkpoint names. Nothing registers itself by being imported.
import { ValueError } from "@strata/tensor";
import { builtInLayers } from "./builtin-layers.js";
import { show } from "./checks.js";
import type { ConfigFields } from "./config-fields.js";
import { layerEntry, type LayerEntry, type LayerType } from "./layer-type.js";
import { Module } from "./module.js";

const byType = new Map<string, LayerEntry>();
const byClass = new Map<abstract new (...args: never[]) => Module, LayerEntry>();
const builtInTypes = new Set<string>();

// Filled on first use rather than at import, so that the order in which modules load never matters.
function ready(): void {
  if (builtInTypes.size > 0) return;
  for (const entry of builtInLayers) {
    byType.set(entry.layer.type, entry);
    byClass.set(entry.layerClass, entry);
    builtInTypes.add(entry.layer.type);
  }
}

/** The layer type of `module`'s exact class (a subclass needs its own), or undefined. @internal */
export function layerOfModule(module: Module): LayerEntry | undefined {
  ready();
  return byClass.get(module.constructor as abstract new (...args: never[]) => Module);
}

/**
 * Whether `module` and every module under it are instances of built-in layer classes (exactly,
 * not subclasses): code this package wrote and tested, e.g. for replay in a compiled step. @internal
 */
export function isBuiltInModel(module: Module): boolean {
  ready();
  return module.modules().every((m) => builtInTypes.has(layerOfModule(m)?.layer.type ?? ""));
}

/** The layer type a checkpoint names, or undefined. @internal */
export function layerOfType(type: string): LayerEntry | undefined {
  ready();
  return byType.get(type);
}

/** The registered type names, built-in ones first, for messages. @internal */
export function layerTypeNames(): string[] {
  ready();
  return [...byType.keys()];
}

const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/;

/**
 * Registers a layer class with its {@link LayerType}, once per program (before `save` of a model
 * that contains it, or `load` of a checkpoint that names it): `save`/`saveToBytes` then describe
 * its modules in the checkpoint's architecture, children included, and `load`/`loadFromBytes`
 * rebuild them, every field of a file's JSON validated by `fields` first. The built-in layers
 * (Dense, Sequential, deepNetwork, Dropout, ActivationLayer, ModuleList, ModuleDict) are
 * registered already. A class is matched exactly: a subclass needs its own registration.
 * Registering the same class under the same type again replaces the entry. Declare `fields` as a
 * constant first (as below): TypeScript then knows each field's type in `config` and
 * `fromConfig`, whereas a field made by a generic helper (`field.list`, `field.oneOf`, …) written
 * inline beside those functions is typed `unknown`.
 *
 * @throws ValueError when `layerClass` is not a Module class; the type's name is not 1–100 letters,
 *   digits, `_`, `.` or `-` starting with a letter or `_`, is built in, or belongs to another class;
 *   the class is registered under another type; `fields` holds something other than functions or
 *   names `type`; or `config`, `fromConfig`, `check` or `stateShapes` is not a function.
 * @example
 * ```ts
 * import { matmul, variable, type Operand, type Variable } from "@strata/autograd";
 * import { Module, field, loadFromBytes, registerLayer, saveToBytes } from "@strata/nn";
 * import { ones, rng, randn } from "@strata/tensor";
 * class Bilinear extends Module {
 *   readonly W: Variable;
 *   constructor(readonly size: number) {
 *     super();
 *     this.W = variable(randn([size, size], { rng: rng(0) }), { requiresGrad: true });
 *   }
 *   forward(x: Operand): Variable {
 *     return matmul(this.W, x);
 *   }
 * }
 * const fields = { size: field.integer({ min: 1, max: 4096 }) };
 * registerLayer(Bilinear, {
 *   type: "Bilinear",
 *   fields,
 *   config: (m) => ({ size: m.size }),
 *   fromConfig: (c) => new Bilinear(c.size),
 *   stateShapes: (c) => [["W", [c.size, c.size]]],
 * });
 * const model = new Bilinear(3);
 * const copy = loadFromBytes(saveToBytes(model)).model as Bilinear;
 * console.log(copy instanceof Bilinear, copy.W.data.equals(model.W.data)); // true true
 * console.log(copy.forward(ones([3, 1])).shape); // [3, 1]
 * ```
 */
export function registerLayer<M extends Module, F extends ConfigFields>(layerClass: abstract new (...args: never[]) => M, layerType: LayerType<M, F>): void {
  ready();
  if (typeof layerClass !== "function" || !(layerClass.prototype instanceof Module)) {
    throw new ValueError(`registerLayer: expected a class that extends Module, got ${show(layerClass)}`);
  }
  const name = layerClass.name || "the class";
  if (layerType === null || typeof layerType !== "object") throw new ValueError(`registerLayer(${name}): expected { type, fields, config, fromConfig }, got ${show(layerType)}`);
  const { type, fields } = layerType;
  if (typeof type !== "string" || !TYPE_NAME.test(type)) {
    throw new ValueError(`registerLayer(${name}): type must be 1 to 100 letters, digits, "_", "." or "-" starting with a letter or "_", got ${show(type)}`);
  }
  if (builtInTypes.has(type)) throw new ValueError(`registerLayer(${name}): "${type}" is a built-in layer type; choose another name`);
  const owner = byType.get(type);
  if (owner !== undefined && owner.layerClass !== layerClass) throw new ValueError(`registerLayer(${name}): the type "${type}" is registered already, for ${owner.layerClass.name}`);
  const registered = byClass.get(layerClass);
  if (registered !== undefined && registered.layer.type !== type) throw new ValueError(`registerLayer(${name}): ${name} is registered already, as "${registered.layer.type}"`);
  if (fields === null || typeof fields !== "object") throw new ValueError(`registerLayer(${name}): fields must be an object of validators (see field), got ${show(fields)}`);
  for (const [key, f] of Object.entries(fields)) {
    if (key === "type") throw new ValueError(`registerLayer(${name}): "type" cannot be a field; it holds the layer type's name`);
    if (typeof f !== "function") throw new ValueError(`registerLayer(${name}): fields.${key} must be a validator (value, path) => value, such as field.integer(), got ${show(f)}`);
  }
  for (const method of ["config", "fromConfig", "check", "stateShapes"] as const) {
    const f = layerType[method];
    if ((f !== undefined || method === "config" || method === "fromConfig") && typeof f !== "function") {
      throw new ValueError(`registerLayer(${name}): ${method} must be a function, got ${show(f)}`);
    }
  }
  const entry = layerEntry(layerClass, { ...layerType, fields: { ...fields } });
  byType.set(type, entry);
  byClass.set(layerClass, entry);
}
