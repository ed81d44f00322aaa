// `pnpm mnist-cnn`: trains a small CNN on the real MNIST set and prints the test accuracy, the
// time per epoch and the wall time. Flags: --epochs N (default 3), --batch N (128), --max-lr X
// (0.005), --out DIR (examples/mnist-cnn/out), --train-limit N and --test-limit N for a quick run.
import { join } from "node:path";
import { run } from "./run.js";
import { positiveFlag, textFlag } from "../shared/flags.js";

const result = await run({
  epochs: positiveFlag("mnist-cnn", "epochs", 3),
  batchSize: positiveFlag("mnist-cnn", "batch", 128),
  maxLr: positiveFlag("mnist-cnn", "max-lr", 0.005),
  trainLimit: positiveFlag("mnist-cnn", "train-limit", Infinity),
  testLimit: positiveFlag("mnist-cnn", "test-limit", Infinity),
  outDir: textFlag("out", join(import.meta.dirname, "out")),
});
console.log(result.model);
console.log(`MNIST CNN: trained on ${result.trainExamples} images, tested on ${result.testExamples}`);
console.log(`test accuracy ${(100 * result.testAccuracy).toFixed(2)}%, ${result.secondsPerEpoch.map((s) => s.toFixed(0)).join(" s, ")} s per epoch, wall time ${result.seconds.toFixed(1)} s`);
console.log(`learning curve: ${result.plotPath}`);
console.log(`checkpoint: ${result.checkpointPath} (reloaded model predicts the same: ${result.reloadedAgrees})`);
