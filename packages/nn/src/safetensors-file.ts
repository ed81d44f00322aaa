// Safetensors files at a path: the in-memory format of safetensors.ts (one planner, one writer,
// one reader) over the platform's files, so that a file and the bytes of the same tensors cannot
// differ. Under Node the platform reads and writes in pieces (files over 2 GiB work), refuses
// what is not a regular file and writes atomically; elsewhere it refuses paths, naming the
// in-memory function to use instead.
import type { Tensor } from "@strata/tensor";
import { platform } from "#platform";
import { emitSafetensors, planSafetensors, readSafetensorsFrom, type Entry, type Header, type SafetensorsContents, type Storage } from "./safetensors.js";

/**
 * Writes `tensors` (and `metadata`) to `path` as a safetensors file, atomically: the bytes go to a
 * temporary file in the same directory (`<name>.tmp-<pid>-<thread>-<random>`), written in pieces
 * of at most 64 MiB (so files over 2 GiB work), fsynced and renamed over `path`. On any failure the
 * temporary file is removed and a file already at `path` is left as it was. Temporary files of
 * `path` left by saves that were killed (their process no longer runs) are removed first; the
 * checkpoint itself and other processes' saves in progress are never touched.
 *
 * The bytes are exactly those {@link encodeSafetensors} returns for the same arguments. Node only.
 *
 * @throws ValueError as {@link encodeSafetensors} does; StrataError naming `path` when writing fails, and outside Node (naming encodeSafetensors, the function to use there).
 * @example
 * ```ts
 * import { readSafetensors, writeSafetensors } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rmSync } from "node:fs";
 * const file = join(tmpdir(), `strata-doc-${process.pid}.safetensors`);
 * writeSafetensors(file, { w: tensor([[1, 2], [3, 4]], { dtype: "float64" }) }, { source: "doc" });
 * const { tensors, metadata } = readSafetensors(file);
 * console.log(tensors.w!.dtype, tensors.w!.toArray(), metadata.source); // float64 [[1, 2], [3, 4]] doc
 * rmSync(file);
 * ```
 */
export function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  writeSafetensorsAs("writeSafetensors", path, tensors, metadata);
}

/** {@link writeSafetensors} for the public function `op`, which the web platform's refusal names. */
export function writeSafetensorsAs(op: string, path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  // Planned (and so checked) before the platform touches the path.
  const plan = planSafetensors(tensors, metadata, path);
  platform.writeFile(op, path, (put) => emitSafetensors(plan, put));
}

/**
 * Reads the safetensors file at `path` with the reader behind {@link decodeSafetensors} (see
 * `readSafetensorsFrom`: `inspect` sees the header before anything is allocated, `into` may give
 * each tensor's storage); errors name `path`.
 */
export function readSafetensorsFile(op: string, path: string, inspect?: (header: Header) => void, into?: (entry: Entry) => Storage | undefined): SafetensorsContents {
  return platform.readFile(op, path, (source) => readSafetensorsFrom(source, path, inspect, into));
}

/**
 * Reads and validates the safetensors file at `path` (see {@link decodeSafetensors}), in pieces,
 * so files over 2 GiB load too. Only a regular file is read, never more than its size: a device
 * such as `/dev/zero`, a FIFO or a directory is refused before anything is read.
 *
 * Node only.
 *
 * @throws ValueError naming `path` when the file is malformed or not a regular file; StrataError when it cannot be read, and outside Node (naming decodeSafetensors, the function to use there).
 * @example
 * ```ts
 * import { readSafetensors, writeSafetensors } from "@strata/nn";
 * import { arange } from "@strata/tensor";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rmSync } from "node:fs";
 * const file = join(tmpdir(), `strata-doc-read-${process.pid}.safetensors`);
 * writeSafetensors(file, { idx: arange(3, { dtype: "int32" }) });
 * console.log(readSafetensors(file).tensors.idx!.toArray()); // [0, 1, 2]
 * try { readSafetensors("/dev/zero"); } catch (e) { console.log((e as Error).message); } // readSafetensors: /dev/zero is a character device; expected a regular safetensors file
 * rmSync(file);
 * ```
 */
export function readSafetensors(path: string): SafetensorsContents {
  return readSafetensorsFile("readSafetensors", path);
}
