// Checkpoints at a path (Node only): the contents of checkpoint-format.ts written and read by
// safetensors-file.ts, so a file holds exactly the bytes saveToBytes returns for the same model.
import { checkpointContents, loadWeightsInto, readCheckpoint, weightsContents, type Checkpoint, type OptimizerLike } from "./checkpoint-format.js";
import type { LoadResult, Module } from "./module.js";
import { readSafetensorsFile, writeSafetensorsAs } from "./safetensors-file.js";

/**
 * Saves `model` to `path` as one safetensors file: its state dict as `model.<name>` tensors, its
 * architecture in the metadata (`format: "strata"`, `strata.version`, `strata.architecture`) and,
 * with `optimizer`, that optimiser's buffers as `optimizer.<i>.<buffer>` tensors and its kind,
 * options and step counts as JSON in `strata.optimizer`. Atomic: on failure a previous file at
 * `path` is unchanged. The file's bytes are exactly what {@link saveToBytes} returns. Node only.
 *
 * @throws ValueError naming `path` when the model cannot be described ({@link architectureOf}) or the optimiser state is not serialisable.
 * @throws StrataError naming `path` when writing fails, and outside Node (naming saveToBytes, the function to use there).
 * @example
 * ```ts
 * import { deepNetwork, load, save } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rmSync } from "node:fs";
 * const file = join(tmpdir(), `strata-doc-save-${process.pid}.safetensors`);
 * const net = deepNetwork([2, 3, 1], { hidden: { name: "leakyRelu", alpha: 0.1 }, rng: rng(0) });
 * save(net, file);
 * const { model } = load(file);
 * console.log(model.forward(ones([2, 4])).data.toTypedArray().join() === net.forward(ones([2, 4])).data.toTypedArray().join()); // true
 * rmSync(file);
 * ```
 */
export function save(model: Module, path: string, options: { optimizer?: OptimizerLike } = {}): void {
  const { tensors, metadata } = checkpointContents(model, options, `save ${path}`);
  writeSafetensorsAs("save", path, tensors, metadata);
}

/**
 * Loads a checkpoint written by {@link save}: rebuilds the model from its architecture, loads the
 * weights strictly (every parameter present, nothing extra, shapes matching) and returns the
 * optimiser state, ready for `new Adam(model.parameters(), …).loadStateDict(optimizerState)`.
 * {@link loadFromBytes} does the same from bytes in memory. Node only.
 *
 * @throws ValueError naming `path` when the file is malformed, is not a Strata checkpoint (e.g. written by saveWeights), or its weights do not fit the architecture.
 * @throws StrataError naming `path` when it cannot be read, and outside Node (naming loadFromBytes, the function to use there).
 * @example
 * ```ts
 * import { Dense, load, save } from "@strata/nn";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rmSync } from "node:fs";
 * const file = join(tmpdir(), `strata-doc-load-${process.pid}.safetensors`);
 * save(new Dense(3, 2, { activation: "tanh" }), file);
 * const { model, optimizerState } = load(file);
 * console.log(model instanceof Dense, (model as Dense).activation.name, optimizerState); // true tanh null
 * rmSync(file);
 * ```
 */
export function load(path: string): Checkpoint {
  return readCheckpoint(`load ${path}`, (inspect, into) => readSafetensorsFile("load", path, inspect, into));
}

/**
 * Saves only the weights of any Module (its state dict, keys as they are) to `path` as
 * safetensors, atomically. Load them into a model built the same way with {@link loadWeights}.
 * The file's bytes are exactly what {@link saveWeightsToBytes} returns. Node only.
 *
 * @throws StrataError naming `path` when writing fails, and outside Node (naming saveWeightsToBytes, the function to use there).
 * @example
 * ```ts
 * import { Dense, loadWeights, saveWeights } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rmSync } from "node:fs";
 * const file = join(tmpdir(), `strata-doc-weights-${process.pid}.safetensors`);
 * const a = new Dense(2, 2, { rng: rng(1) });
 * const b = new Dense(2, 2, { rng: rng(2) });
 * saveWeights(a, file);
 * loadWeights(b, file);
 * console.log(b.W.data.toTypedArray().join() === a.W.data.toTypedArray().join()); // true
 * rmSync(file);
 * ```
 */
export function saveWeights(model: Module, path: string): void {
  const { tensors, metadata } = weightsContents(model);
  writeSafetensorsAs("saveWeights", path, tensors, metadata);
}

/**
 * Loads weights saved by {@link saveWeights} (or any safetensors file whose names are the model's
 * parameter paths) into `model` in place. Strict by default: missing or unexpected names fail and
 * nothing changes; with `strict: false` they are reported in the result. A value the parameter's
 * dtype cannot hold (a float64 1e300 into a float32 model would become Infinity) is refused, and
 * nothing changes, unless `unchecked: true` asks for the conversion (see `Module.loadStateDict`).
 * {@link loadWeightsFromBytes} does the same from bytes in memory. Node only.
 *
 * @throws ValueError naming `path` when the file is malformed or does not fit the model.
 * @throws StrataError naming `path` when it cannot be read, and outside Node (naming loadWeightsFromBytes, the function to use there).
 * @throws DTypeError naming `path`, the tensor, the value and its index when the model's dtype cannot hold a value.
 * @example
 * ```ts
 * import { Dense, loadWeights, writeSafetensors } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rmSync } from "node:fs";
 * const file = join(tmpdir(), `strata-doc-partial-${process.pid}.safetensors`);
 * writeSafetensors(file, { W: tensor([[1, 2]]) });
 * const layer = new Dense(2, 1);
 * console.log(loadWeights(layer, file, { strict: false }).missing, layer.W.data.toArray()); // ["b"] [[1, 2]]
 * writeSafetensors(file, { W: tensor([[1e300, 2]], { dtype: "float64" }), b: tensor([[0]]) });
 * try { loadWeights(layer, file); } catch (e) { console.log((e as Error).name, layer.W.data.toArray()); } // DTypeError [[1, 2]]
 * rmSync(file);
 * ```
 */
export function loadWeights(model: Module, path: string, options: { strict?: boolean; unchecked?: boolean } = {}): LoadResult {
  const { tensors } = readSafetensorsFile("loadWeights", path);
  return loadWeightsInto(model, tensors, options, `loadWeights ${path}`);
}
