// `pnpm start`: trains on the real MNIST set and prints the test accuracy and the wall time.
// Flags: --epochs N (default 8), --batch N (128), --lr X (0.001), --out DIR (examples/mnist/out),
// --train-limit N and --test-limit N for a quick run on the first images.
import { join } from "node:path";
import { run } from "./run.js";

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`mnist: --${name} expects a positive number, got ${process.argv[at + 1]}`);
  return value;
}

const outAt = process.argv.indexOf("--out");
const result = await run({
  epochs: flag("epochs", 8),
  batchSize: flag("batch", 128),
  lr: flag("lr", 0.001),
  trainLimit: flag("train-limit", Infinity),
  testLimit: flag("test-limit", Infinity),
  outDir: outAt >= 0 ? process.argv[outAt + 1]! : join(import.meta.dirname, "out"),
});
console.log(`MNIST: trained on ${result.trainExamples} images, tested on ${result.testExamples}`);
console.log(`test accuracy ${(100 * result.testAccuracy).toFixed(2)}%, wall time ${result.seconds.toFixed(1)} s`);
console.log(`learning curve: ${result.plotPath}`);
console.log(`checkpoint: ${result.checkpointPath} (reloaded model predicts the same: ${result.reloadedAgrees})`);
