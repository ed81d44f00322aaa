// Layers lowered as a whole, because ONNX has an operator for the whole layer (the recurrent
// layers' loops over time): their forward is reported as one call and lowered here.
import type { Module } from "@strata/nn";
import { ValueError } from "@strata/tensor";
import type { Lower } from "./lowering.js";
import { recurrentUnits } from "./lower-recurrent.js";

/** The layer classes lowered as a whole, with their lowerings (each for its own class), by op name. */
const units: readonly { readonly op: string; readonly layer: abstract new (...args: never[]) => Module; readonly lower: Lower<never, never> }[] = [...recurrentUnits];

/** The modules of `model` that are lowered as a whole, with their op names. */
export function unitsOf(model: Module): Map<Module, string> {
  const found = new Map<Module, string>();
  for (const m of model.modules()) {
    const unit = units.find((u) => m instanceof u.layer);
    if (unit) found.set(m, unit.op);
  }
  return found;
}

/** The lowering of unit `op`. */
export function unitLowering(op: string): Lower {
  const unit = units.find((u) => u.op === op);
  if (!unit) throw new ValueError(`toOnnx: no lowering for layer ${op}`);
  return unit.lower as Lower;
}
