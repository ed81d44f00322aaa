// Writes mnist-cnn's trained model as ONNX: loads the checkpoint `pnpm mnist-cnn` writes (weights
// in safetensors plus the architecture) and saves it with @strata/onnx, which traces the model in
// evaluation mode (batch norm on its running statistics, as a served model must).
//   npx tsx examples/serve/export.ts [--checkpoint FILE] [--out FILE]
// defaults: examples/mnist-cnn/out/mnist-cnn.safetensors -> examples/serve/out/model.onnx
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { load } from "@strata/nn";
import { ValueError } from "@strata/tensor";
import { saveOnnx } from "@strata/onnx";
import { textFlag } from "../shared/flags.js";
import { defaultCheckpoint, defaultModelPath } from "./paths.js";

/** One image batch-first, as mnist-cnn takes it: (batch, 1, 28, 28); the batch axis stays dynamic in the file. */
export const MNIST_INPUT_SHAPE: readonly number[] = [1, 1, 28, 28];

/**
 * Loads the checkpoint at `checkpoint` and writes its model to `out` as ONNX (creating the folder),
 * with the graph input "input" (float32 pixels from 0 to 1, shape (batch, 1, 28, 28)) and output
 * "output" (the 10 logits). Returns the file's size in bytes.
 * @throws ValueError naming the command that writes the checkpoint when `checkpoint` does not exist.
 */
export function exportCheckpoint(checkpoint: string, out: string): number {
  if (!existsSync(checkpoint)) {
    throw new ValueError(`serve export: no checkpoint at ${checkpoint}; \`pnpm mnist-cnn\` writes one to ${defaultCheckpoint} (or pass --checkpoint FILE)`);
  }
  const { model } = load(checkpoint);
  mkdirSync(dirname(out), { recursive: true });
  saveOnnx(model, out, { inputShape: [...MNIST_INPUT_SHAPE] });
  return statSync(out).size;
}

if (process.argv[1] === import.meta.filename) {
  const checkpoint = textFlag("checkpoint", defaultCheckpoint);
  const out = textFlag("out", defaultModelPath);
  const bytes = exportCheckpoint(checkpoint, out);
  console.log(`serve export: ${checkpoint} -> ${out} (${(bytes / 1024).toFixed(0)} KiB)`);
}
