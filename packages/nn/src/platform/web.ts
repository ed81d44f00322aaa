// The platform of browsers, workers and any runtime without Node's APIs: no files (each path
// function says which in-memory function to use instead), no terminal bar, and progress lines,
// when asked for with verbose: true, through console.log.
import { StrataError } from "@strata/tensor";
import type { ProgressStream } from "../progress-format.js";
import type { Platform } from "./types.js";

// What the caller of each of @strata/nn's path functions can do instead, with the bytes in memory.
const INSTEAD = new Map<string, string>([
  ["save", "writing to a file path needs Node; in a browser use saveToBytes(model, { optimizer }) and store the bytes yourself (IndexedDB, a download)"],
  ["saveWeights", "writing to a file path needs Node; in a browser use saveWeightsToBytes(model) and store the bytes yourself (IndexedDB, a download)"],
  ["writeSafetensors", "writing to a file path needs Node; in a browser use encodeSafetensors(tensors, metadata) and store the bytes yourself (IndexedDB, a download)"],
  ["load", "reading a file path needs Node; in a browser get the bytes yourself (fetch(url).arrayBuffer(), IndexedDB, a file input) and use loadFromBytes(new Uint8Array(buffer))"],
  ["loadWeights", "reading a file path needs Node; in a browser get the bytes yourself (fetch(url).arrayBuffer(), IndexedDB, a file input) and use loadWeightsFromBytes(model, new Uint8Array(buffer))"],
  ["readSafetensors", "reading a file path needs Node; in a browser get the bytes yourself (fetch(url).arrayBuffer(), IndexedDB, a file input) and use decodeSafetensors(new Uint8Array(buffer))"],
]);

// Any other writer (writeFileAtomic, and other packages' functions that write through it, such as
// saveOnnx) already holds its bytes: the advice is to keep them.
const WRITE = "writing to a file path needs Node; in a browser keep the bytes in memory and store them yourself (IndexedDB, a download)";
const READ = "reading a file path needs Node; in a browser get the bytes yourself (fetch(url).arrayBuffer(), IndexedDB, a file input)";

const refuse = (op: string, path: string, otherwise: string): never => {
  throw new StrataError(`${op}: ${INSTEAD.get(op) ?? otherwise} (path ${JSON.stringify(path)})`);
};

/** Whole lines to console.log, without their newline (a browser console adds its own). */
function consoleLines(): ProgressStream {
  let pending = "";
  return {
    write(text: string) {
      const lines = (pending + text).split("\n");
      pending = lines.pop()!;
      for (const line of lines) console.log(line);
      return true;
    },
  };
}

export const platform: Platform = {
  name: "web",
  readFile: (op, path) => refuse(op, path, READ),
  writeFile: (op, path) => refuse(op, path, WRITE),
  // A page's console is a developer's tool: by default fit leaves it alone (onProgress is for the
  // page); verbose: true asks for the plain lines there.
  defaultOutput: (verbose) => (verbose === true ? consoleLines() : undefined),
  terminalBar: () => undefined,
};
