// `pnpm start`: trains on the real MNIST set and prints the test accuracy and the wall time.
// Flags: --epochs N (default 8), --batch N (128), --lr X (0.001), --out DIR (examples/mnist/out),
// --train-limit N and --test-limit N for a quick run on the first images.
import { join } from "node:path";
import { run } from "./run.js";
import { positiveFlag, textFlag } from "../shared/flags.js";

const result = await run({
  epochs: positiveFlag("mnist", "epochs", 8),
  batchSize: positiveFlag("mnist", "batch", 128),
  lr: positiveFlag("mnist", "lr", 0.001),
  trainLimit: positiveFlag("mnist", "train-limit", Infinity),
  testLimit: positiveFlag("mnist", "test-limit", Infinity),
  outDir: textFlag("out", join(import.meta.dirname, "out")),
});
console.log(`MNIST: trained on ${result.trainExamples} images, tested on ${result.testExamples}`);
console.log(`test accuracy ${(100 * result.testAccuracy).toFixed(2)}%, wall time ${result.seconds.toFixed(1)} s`);
console.log(`learning curve: ${result.plotPath}`);
console.log(`checkpoint: ${result.checkpointPath} (reloaded model predicts the same: ${result.reloadedAgrees})`);
