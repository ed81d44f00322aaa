// Checkpoints as bytes in memory, in every runtime (a browser stores them in IndexedDB, offers
// them as a download or fetches them): the same contents and the same reader as the file
// functions in serialize.ts, with the same bounds on hostile input, only without the path.
import { ValueError } from "@strata/tensor";
import { checkpointContents, loadWeightsInto, readCheckpoint, weightsContents, type Checkpoint, type OptimizerLike } from "./checkpoint-format.js";
import { show } from "./checks.js";
import type { LoadResult, Module } from "./module.js";
import { bytesSource, encodeSafetensors, readSafetensorsFrom } from "./safetensors.js";

function checkBytes(where: string, bytes: unknown, from: string): void {
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`${where}: expected a Uint8Array (what ${from} returns; wrap an ArrayBuffer with new Uint8Array(buffer)), got ${show(bytes)}`);
}

/**
 * The checkpoint {@link save} would write for `model` (and `optimizer`), as bytes: the same
 * safetensors file, byte for byte (weights as `model.<name>`, the architecture and optimiser
 * state in the metadata, optimiser buffers as `optimizer.<i>.<buffer>`). Works in every runtime;
 * {@link loadFromBytes} reads it back. The bytes are a fresh array the caller owns.
 *
 * @throws ValueError naming saveToBytes when the model cannot be described ({@link architectureOf}),
 *   the optimiser state is not serialisable, or the checkpoint is larger than one Uint8Array can hold here.
 * @example
 * ```ts
 * import { deepNetwork, loadFromBytes, saveToBytes } from "@strata/nn";
 * import { Adam } from "@strata/optim";
 * import { ones, rng } from "@strata/tensor";
 * const net = deepNetwork([2, 3, 1], { rng: rng(0) });
 * const bytes = saveToBytes(net, { optimizer: new Adam(net.parameters(), { lr: 0.01 }) });
 * const { model, optimizerState } = loadFromBytes(bytes);
 * console.log(bytes instanceof Uint8Array, optimizerState?.kind, optimizerState?.options.lr); // true Adam 0.01
 * console.log(model.forward(ones([2, 4])).data.toTypedArray().join() === net.forward(ones([2, 4])).data.toTypedArray().join()); // true
 * ```
 */
export function saveToBytes(model: Module, options: { optimizer?: OptimizerLike } = {}): Uint8Array {
  const { tensors, metadata } = checkpointContents(model, options ?? {}, "saveToBytes");
  return encodeSafetensors(tensors, metadata, "saveToBytes");
}

/**
 * Loads a checkpoint from the bytes {@link saveToBytes} returned (or a file {@link save} wrote,
 * read by any means): rebuilds the model, loads its weights strictly and returns the optimiser
 * state, exactly as {@link load} does for a path. The bytes are untrusted input with the same
 * bounds as a file: the header is capped at 100 MB and checked against the bytes present, and the
 * architecture against the tensors before any weight is allocated. Works in every runtime; the
 * bytes are copied, not kept.
 *
 * @throws ValueError starting "loadFromBytes: " when `bytes` is not a Uint8Array, is malformed, is
 *   not a Strata checkpoint (e.g. written by saveWeightsToBytes), or its weights do not fit the architecture.
 * @throws DTypeError when a weight holds a value the architecture's dtype cannot hold.
 * @example
 * ```ts
 * import { Dense, loadFromBytes, saveToBytes } from "@strata/nn";
 * const { model, optimizerState } = loadFromBytes(saveToBytes(new Dense(3, 2, { activation: "tanh" })));
 * console.log(model instanceof Dense, (model as Dense).activation.name, optimizerState); // true tanh null
 * try { loadFromBytes(new Uint8Array(4)); } catch (e) { console.log((e as Error).message); } // loadFromBytes: the file has 4 bytes, fewer than the 8-byte header length
 * ```
 */
export function loadFromBytes(bytes: Uint8Array): Checkpoint {
  checkBytes("loadFromBytes", bytes, "saveToBytes");
  return readCheckpoint("loadFromBytes", (inspect, into) => readSafetensorsFrom(bytesSource(bytes, "loadFromBytes"), "loadFromBytes", inspect, into));
}

/**
 * The weights {@link saveWeights} would write for any Module (its state dict, keys as they are),
 * as bytes: the same safetensors file, byte for byte. Works in every runtime; load them into a
 * model built the same way with {@link loadWeightsFromBytes}.
 *
 * @throws ValueError naming saveWeightsToBytes when the weights are larger than one Uint8Array can hold here.
 * @example
 * ```ts
 * import { Dense, loadWeightsFromBytes, saveWeightsToBytes } from "@strata/nn";
 * import { rng } from "@strata/tensor";
 * const a = new Dense(2, 2, { rng: rng(1) });
 * const b = new Dense(2, 2, { rng: rng(2) });
 * const bytes = saveWeightsToBytes(a);
 * console.log(loadWeightsFromBytes(b, bytes), b.W.data.toTypedArray().join() === a.W.data.toTypedArray().join()); // { missing: [], unexpected: [] } true
 * ```
 */
export function saveWeightsToBytes(model: Module): Uint8Array {
  const { tensors, metadata } = weightsContents(model);
  return encodeSafetensors(tensors, metadata, "saveWeightsToBytes");
}

/**
 * Loads weights from bytes ({@link saveWeightsToBytes}'s, or any safetensors file whose names are
 * the model's parameter paths) into `model` in place, exactly as {@link loadWeights} does for a
 * path: strict by default (missing or unexpected names fail and nothing changes; with
 * `strict: false` they are reported in the result), values the parameter's dtype cannot hold
 * refused unless `unchecked: true`. The bytes are bounded as a file is. Works in every runtime.
 *
 * @throws ValueError starting "loadWeightsFromBytes: " when `bytes` is not a Uint8Array, is malformed, or does not fit the model.
 * @throws DTypeError naming the tensor, the value and its index when the model's dtype cannot hold a value.
 * @example
 * ```ts
 * import { Dense, encodeSafetensors, loadWeightsFromBytes } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const layer = new Dense(2, 1);
 * const bytes = encodeSafetensors({ W: tensor([[1, 2]]) });
 * console.log(loadWeightsFromBytes(layer, bytes, { strict: false }).missing, layer.W.data.toArray()); // ["b"] [[1, 2]]
 * try { loadWeightsFromBytes(layer, bytes); } catch (e) { console.log((e as Error).message); } // loadWeightsFromBytes: loadStateDict: missing b; nothing was loaded
 * ```
 */
export function loadWeightsFromBytes(model: Module, bytes: Uint8Array, options: { strict?: boolean; unchecked?: boolean } = {}): LoadResult {
  checkBytes("loadWeightsFromBytes", bytes, "saveWeightsToBytes");
  const { tensors } = readSafetensorsFrom(bytesSource(bytes, "loadWeightsFromBytes"), "loadWeightsFromBytes");
  return loadWeightsInto(model, tensors, options ?? {}, "loadWeightsFromBytes");
}
