// Where a module sits in its Sequential, for error messages: `Conv2d(layer 0)` names the same
// index as the state dict's keys (`0.weight`). Kept beside the modules rather than in them, so
// every module, built-in or a user's, gets it without declaring a field.
import { StrataError } from "@strata/tensor";
import type { Module } from "./module.js";

const positions = new WeakMap<Module, number>();

/** Records that `module` is child `index` of a Sequential (the latest Sequential wins). @internal */
export function setPosition(module: Module, index: number): void {
  positions.set(module, index);
}

/** The module's index in the Sequential that holds it, or undefined. @internal */
export function positionOf(module: Module): number | undefined {
  return positions.get(module);
}

/** How errors name a layer: `Conv2d(layer 0)` inside a Sequential, `Conv2d` alone. @internal */
export function layerLabel(module: Module): string {
  const name = module.constructor.name || "Module";
  const at = positions.get(module);
  return at === undefined ? name : `${name}(layer ${at})`;
}

/**
 * Runs a functional op for a layer, naming the layer instead of the op in any Strata error it
 * throws (`maxPool2d: …` becomes `MaxPool2d(layer 2): …`), of the same class. @internal
 */
export function asLayer<R>(module: Module, run: () => R): R {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof StrataError)) throw e;
    const Class = e.constructor as new (message: string) => StrataError;
    throw Object.assign(new Class(`${layerLabel(module)}: ${e.message.replace(/^\w+: /, "")}`), { cause: e });
  }
}
