// `pnpm mnist-cnn`: trains a small CNN on the real MNIST set and prints the test accuracy, the
// time per epoch and the wall time. Flags: --epochs N (default 3), --batch N (128), --max-lr X
// (0.005), --out DIR (examples/mnist-cnn/out), --train-limit N and --test-limit N for a quick run.
import { join } from "node:path";
import { run } from "./run.js";

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`mnist-cnn: --${name} expects a positive number, got ${process.argv[at + 1]}`);
  return value;
}

const outAt = process.argv.indexOf("--out");
const result = await run({
  epochs: flag("epochs", 3),
  batchSize: flag("batch", 128),
  maxLr: flag("max-lr", 0.005),
  trainLimit: flag("train-limit", Infinity),
  testLimit: flag("test-limit", Infinity),
  outDir: outAt >= 0 ? process.argv[outAt + 1]! : join(import.meta.dirname, "out"),
});
console.log(result.model);
console.log(`MNIST CNN: trained on ${result.trainExamples} images, tested on ${result.testExamples}`);
console.log(`test accuracy ${(100 * result.testAccuracy).toFixed(2)}%, ${result.secondsPerEpoch.map((s) => s.toFixed(0)).join(" s, ")} s per epoch, wall time ${result.seconds.toFixed(1)} s`);
console.log(`learning curve: ${result.plotPath}`);
console.log(`checkpoint: ${result.checkpointPath} (reloaded model predicts the same: ${result.reloadedAgrees})`);
