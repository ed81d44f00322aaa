// The Node platform: files on disk (node-files.ts), the cli-progress bar (node-bar.ts) and
// process.stdout. The only module of @strata/nn that reaches Node's APIs; `#platform` resolves
// here under the "node" condition.
import type { ProgressStream } from "../progress-format.js";
import { Bar } from "./node-bar.js";
import { readFileBounded, writeFileAtomicWith } from "./node-files.js";
import type { Platform } from "./types.js";

export const platform: Platform = {
  name: "node",
  readFile: (_op, path, use) => readFileBounded(path, use),
  writeFile: (op, path, write) => writeFileAtomicWith(op, path, write),
  defaultOutput: (): ProgressStream => process.stdout,
  terminalBar: (out, epochs, clock) => new Bar(out, epochs, clock),
};
