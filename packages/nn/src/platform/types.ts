// What @strata/nn needs of the runtime it runs in, as one small interface: files, the terminal
// bar and the default output. `#platform` (package.json `imports`) picks node.ts under Node and
// web.ts everywhere else, so a browser bundle never sees node:fs or cli-progress.
import type { ProgressStream, Reporter } from "../progress-format.js";
import type { ByteSource } from "../safetensors.js";

/**
 * In each file method, `op` is the public function the caller called ("save", "saveOnnx", …): its
 * errors name it, and the web platform's refusal says what to use instead of it.
 */
export interface Platform {
  readonly name: "node" | "web";
  /**
   * Opens the regular file at `path` and lets `use` read it as a {@link ByteSource} (bounded by
   * the file's size); closes it afterwards, also when `use` throws.
   */
  readFile<T>(op: string, path: string, use: (source: ByteSource) => T): T;
  /**
   * Writes what `write` puts, in order, to `path` atomically: all of it or, on any error, nothing
   * (a file already at `path` stays as it was).
   */
  writeFile(op: string, path: string, write: (put: (bytes: Uint8Array) => void) => void): void;
  /** Where progress goes when fit is given no `output`, or undefined for nowhere. */
  defaultOutput(verbose: true | "auto"): ProgressStream | undefined;
  /** A bar redrawn in place on a terminal, or undefined where there is none. */
  terminalBar(out: ProgressStream, epochs: number, clock: () => number): Reporter | undefined;
}
