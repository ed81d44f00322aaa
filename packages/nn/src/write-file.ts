// Writing a file whole or not at all, for every package that saves: checkpoints here, ONNX
// models in @strata/onnx.
import { ValueError } from "@strata/tensor";
import { platform } from "#platform";

/**
 * Writes `bytes` (one array, or pieces written in order) to `path` atomically, as checkpoints are
 * saved: to a temporary file in the same directory, fsynced, then renamed over `path`. On any
 * failure nothing is left behind and a file already at `path` is unchanged. `op` names the public
 * function in errors (default "writeFileAtomic"). Node only; in a browser it throws.
 *
 * @throws StrataError when the file cannot be written (the message names `op`, the path and the
 *   cause); ValueError when `bytes` is not a Uint8Array or a list of them.
 * @example
 * ```ts
 * import { writeFileAtomic } from "@strata/nn";
 * import { mkdtempSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * const dir = mkdtempSync(join(tmpdir(), "strata-"));
 * writeFileAtomic(join(dir, "hello.bin"), Uint8Array.of(1, 2, 3));
 * console.log([...readFileSync(join(dir, "hello.bin"))]); // [1, 2, 3]
 * rmSync(dir, { recursive: true });
 * ```
 */
export function writeFileAtomic(path: string, bytes: Uint8Array | readonly Uint8Array[], options: { op?: string } = {}): void {
  const op = options.op ?? "writeFileAtomic";
  if (typeof path !== "string" || path === "") throw new ValueError(`${op}: expected a file path, got ${String(path)}`);
  const pieces = bytes instanceof Uint8Array ? [bytes] : bytes;
  if (!Array.isArray(pieces) || !pieces.every((p) => p instanceof Uint8Array)) {
    throw new ValueError(`${op}: expected the bytes as a Uint8Array or a list of them, got ${Object.prototype.toString.call(bytes)}`);
  }
  platform.writeFile(op, path, (put) => {
    for (const piece of pieces) put(piece);
  });
}
