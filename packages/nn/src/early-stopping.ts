// A callback for fit: stop when a logged value has stopped improving, and restore the best weights.
import { ValueError } from "@strata/tensor";
import { show } from "./checks.js";
import type { Callback, EpochLogs } from "./fit-types.js";
import type { StateDict } from "./module.js";

/**
 * Options of {@link earlyStopping}: which {@link EpochLogs} value to watch, for how many epochs
 * without an improvement greater than `minDelta`, and whether to restore the best weights.
 *
 * @example
 * ```ts
 * import { deepNetwork, earlyStopping, fit, mse, type EarlyStoppingOptions } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor } from "@strata/tensor";
 * const x = tensor([[0, 1, 2, 3, 4, 5]], { dtype: "float64" });
 * const model = deepNetwork([1, 1], { output: "identity", rng: rng(0), dtype: "float64" });
 * // the loss keeps falling, but by less than 0.05 per epoch from epoch 15 on
 * const options: EarlyStoppingOptions = { monitor: "loss", patience: 2, minDelta: 0.05, restoreBest: true };
 * const stopper = earlyStopping(options);
 * const history = fit(model, {
 *   x, y: x, loss: mse, optimizer: new SGD(model.parameters(), { lr: 0.01 }),
 *   epochs: 50, batchSize: 6, callbacks: [stopper], verbose: false,
 * });
 * console.log(history.epochs, stopper.bestEpoch, stopper.stoppedEpoch); // 16 14 16
 * ```
 */
export interface EarlyStoppingOptions {
  /** The value watched: `"valLoss"` (default), `"loss"` (lower is better), `"valAccuracy"`, `"accuracy"` (higher is better). */
  monitor?: keyof EpochLogs;
  /** Epochs without improvement before stopping, an integer ≥ 1 (default 5). */
  patience?: number;
  /** The smallest change that counts as an improvement, ≥ 0 (default 0). */
  minDelta?: number;
  /** On stopping, load the best epoch's weights back into the model (default true). */
  restoreBest?: boolean;
}

/**
 * A callback that stops {@link fit} when `monitor` has not improved on its best value by more than
 * `minDelta` for `patience` epochs in a row, and then (with `restoreBest`) loads the weights of
 * the best epoch back with `model.loadStateDict`. The best value and weights are reset at the
 * start of each fit. The epoch it stopped after and the best epoch are in `stoppedEpoch` and
 * `bestEpoch` (1-based; 0 before any).
 *
 * @throws ValueError for an unknown monitor or a bad patience/minDelta; after fit's first epoch when
 *   the monitored value is not logged (e.g. `"valLoss"` without `validation`).
 * @example
 * ```ts
 * import { deepNetwork, earlyStopping, fit, mse } from "@strata/nn";
 * import { SGD } from "@strata/optim";
 * import { rng, tensor } from "@strata/tensor";
 * const x = tensor([[0, 1, 2, 3]], { dtype: "float64" });
 * const model = deepNetwork([1, 1], { output: "identity", rng: rng(0), dtype: "float64" });
 * const stopper = earlyStopping({ monitor: "loss", patience: 2 });
 * const history = fit(model, {
 *   x, y: x, loss: mse, optimizer: new SGD(model.parameters(), { lr: 0 }), // lr 0: a plateau
 *   epochs: 10, batchSize: 4, callbacks: [stopper], verbose: false,
 * });
 * console.log(history.epochs, history.stopped, stopper.bestEpoch); // 3 true 1
 * ```
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): Callback & { readonly bestEpoch: number; readonly stoppedEpoch: number } {
  const { monitor = "valLoss", patience = 5, minDelta = 0, restoreBest = true } = options;
  const monitors = ["loss", "accuracy", "valLoss", "valAccuracy"];
  if (!monitors.includes(monitor)) throw new ValueError(`earlyStopping: monitor must be one of ${monitors.map((s) => `"${s}"`).join(", ")}, got ${show(monitor)}`);
  if (typeof patience !== "number" || !Number.isInteger(patience) || patience < 1) throw new ValueError(`earlyStopping: patience must be an integer >= 1, got ${show(patience)}`);
  if (typeof minDelta !== "number" || !(minDelta >= 0) || !Number.isFinite(minDelta)) throw new ValueError(`earlyStopping: minDelta must be a finite number >= 0, got ${show(minDelta)}`);
  const higherIsBetter = monitor === "accuracy" || monitor === "valAccuracy";
  let best = Infinity;
  let wait = 0;
  let weights: StateDict | null = null;
  const state = { bestEpoch: 0, stoppedEpoch: 0 };
  return {
    get bestEpoch() { return state.bestEpoch; },
    get stoppedEpoch() { return state.stoppedEpoch; },
    onTrainBegin() {
      best = Infinity;
      wait = 0;
      weights = null;
      state.bestEpoch = state.stoppedEpoch = 0;
    },
    onEpochEnd(epoch, logs, model) {
      const raw = logs[monitor];
      if (raw === undefined) {
        throw new ValueError(`earlyStopping: monitor "${monitor}" is not in fit's logs (${Object.keys(logs).join(", ")}); ${monitor.startsWith("val") ? "pass validation to fit" : 'pass metrics: ["accuracy"] to fit'} or monitor another value`);
      }
      const value = higherIsBetter ? -raw : raw;
      if (value < best - minDelta) {
        best = value;
        wait = 0;
        state.bestEpoch = epoch;
        if (restoreBest) weights = model.stateDict();
        return;
      }
      if (++wait < patience) return;
      state.stoppedEpoch = epoch;
      if (restoreBest && weights) model.loadStateDict(weights);
      return "stop";
    },
  };
}
