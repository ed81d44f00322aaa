// fit's step on one mini-batch, compiled by default: recorded on the first batch of each shape and
// replayed on the others (see compile in @strata/autograd), or run eagerly.
import { compile, crossEntropy, nllLoss, type CompileStatus, type Variable } from "@strata/autograd";
import { compute, makeResident, ValueError, type Tensor } from "@strata/tensor";
import type { FitOptimizer } from "./fit-types.js";
import { isBuiltInModel } from "./layer-registry.js";
import { binaryCrossEntropy, binaryCrossEntropyWithLogits, mse, softmaxCrossEntropy } from "./losses.js";
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

// Losses whose code is ours and replays: with "auto", fit compiles only these (a loss of your own
// may keep JavaScript state, or have side effects, that a replay would skip).
const BUILT_IN_LOSSES = new Set<unknown>([binaryCrossEntropy, binaryCrossEntropyWithLogits, softmaxCrossEntropy, mse, crossEntropy, nllLoss]);

/** Whether fit's `compile` option asks to compile this model, loss and optimiser. */
function wantsCompile(option: boolean | "auto", model: Module, loss: unknown, optimizer: FitOptimizer): boolean {
  if (option === false || optimizer.compilable !== true) return false;
  return option === true || (BUILT_IN_LOSSES.has(loss) && isBuiltInModel(model));
}

/**
 * `zeroGrad; l = loss(forward(bx), by); check l; l.backward(); step`, compiled when `option` and
 * the parts allow it (see {@link FitOptions.compile}). A refused recording makes the step eager,
 * silently: the reason is in `status.eager`.
 */
export function trainStep(
  model: Module,
  loss: (output: Variable, target: Tensor) => Variable,
  optimizer: FitOptimizer,
  position: StepPosition,
  option: boolean | "auto",
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
  if (!wantsCompile(option, model, loss, optimizer)) return { run: (bx, by) => finish(step(bx, by)), status: null };
  // the step's own buffers are allocated in the kernels' memory while it records; the parameters
  // and buffers it reads and updates are moved there once, so its kernels copy nothing
  for (const p of model.parameters()) makeResident(p.data);
  for (const b of model.buffers()) makeResident(b);
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
