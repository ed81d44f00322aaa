// fit's step on one mini-batch, compiled by default: recorded on the first batch of each shape and
// replayed on the others (see compile in @strata/autograd), or run eagerly.
import { compile, type CompileStatus, type Variable } from "@strata/autograd";
import { compute, ValueError, type Tensor } from "@strata/tensor";
import type { FitOptimizer } from "./fit-types.js";
import type { Module } from "./module.js";

/** Where fit is, for the message of a loss that is not finite; read when the check runs. */
export interface StepPosition {
  epoch: number;
  batch: number;
}

/** One step's loss value and the model's outputs on the batch. */
export interface StepResult {
  loss: number;
  out: Tensor;
}

/** The step and, when it is compiled, what compile has done. */
export interface TrainStep {
  run(bx: Tensor, by: Tensor): StepResult;
  status: CompileStatus | null;
}

/**
 * `zeroGrad; l = loss(forward(bx), by); check l; l.backward(); step`, compiled unless `compiled`
 * is false or the optimiser does not declare `compilable` (its step() could keep JavaScript state
 * that a replay would not advance). A refused recording makes the step eager, silently: the
 * reason is in `status.eager`.
 */
export function trainStep(
  model: Module,
  loss: (output: Variable, target: Tensor) => Variable,
  optimizer: FitOptimizer,
  position: StepPosition,
  compiled: boolean,
): TrainStep {
  const step = (bx: Tensor, by: Tensor): [Variable, Variable] => {
    optimizer.zeroGrad();
    const out = model.forward(bx) as Variable;
    const l = loss(out, by);
    requireFinite(l.data, position);
    l.backward();
    optimizer.step();
    return [l, out];
  };
  const finish = ([l, out]: [Variable, Variable]): StepResult => ({ loss: l.data.data[l.data.offset] as number, out: out.data });
  if (!compiled || optimizer.compilable !== true) return { run: (bx, by) => finish(step(bx, by)), status: null };
  const fast = compile(step, { onRefusal: "silent" });
  return { run: (bx, by) => finish(fast(bx, by)), status: fast.status };
}

// Kept as work, so that a replayed step stops before its backward and update, as an eager one does.
function requireFinite(l: Tensor, position: StepPosition): void {
  compute(() => {
    const value = l.data[l.offset] as number;
    if (!Number.isFinite(value)) throw new ValueError(`fit: loss became ${value} at epoch ${position.epoch}, batch ${position.batch}`);
  });
}
