// A layer whose forward branches on `training` (Dropout, BatchNorm, attention and recurrent
// dropout) records one branch: a compiled step must record afresh after train() or eval().
import { guard } from "@strata/tensor";
import { layerLabel } from "./layer-position.js";
import type { Module } from "./module.js";

/** While recording, adds a guard that `module.training` keeps the value it has now. @internal */
export function guardTraining(module: Module): void {
  const mode = module.training;
  guard(() => module.training === mode, `${layerLabel(module)}.training is ${mode}`);
}
