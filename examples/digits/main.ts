// Trains a 64-64-10 network on the 8x8 digits and prints the test accuracy and the wall time.
// Flags: --epochs N (30), --batch-size N (32), --lr X (0.003), --hidden N (64), --seed N (0), --quiet.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeLearningCurve } from "../shared/plot.js";
import { run } from "./run.js";

const { values } = parseArgs({
  options: {
    epochs: { type: "string", default: "30" },
    "batch-size": { type: "string", default: "32" },
    lr: { type: "string", default: "0.003" },
    hidden: { type: "string", default: "64" },
    seed: { type: "string", default: "0" },
    quiet: { type: "boolean", default: false },
  },
});

const r = run({
  epochs: Number(values.epochs), batchSize: Number(values["batch-size"]), lr: Number(values.lr),
  hidden: Number(values.hidden), seed: Number(values.seed), verbose: !values.quiet,
});
const pct = (a: number) => `${(100 * a).toFixed(2)}%`;
console.log(`\ndigits: ${r.trainSize} training / ${r.testSize} test examples, ${r.history.epochs} epochs`);
console.log(`loss ${r.history.loss[0]!.toFixed(4)} -> ${r.history.loss.at(-1)!.toFixed(4)}`);
console.log(`train accuracy ${pct(r.trainAccuracy)}, test accuracy ${pct(r.testAccuracy)}`);
console.log(`wall time ${r.seconds.toFixed(2)} s`);

const outDir = join(import.meta.dirname, "out");
mkdirSync(outDir, { recursive: true });
const plot = join(outDir, "learning-curve.svg");
await writeLearningCurve(plot, [
  ...r.history.loss.map((value, i) => ({ x: i + 1, value, series: "training loss" })),
  ...(r.history.valAccuracy ?? []).map((value, i) => ({ x: i + 1, value, series: "test accuracy" })),
], { title: "digits 64-64-10, Adam", xTitle: "epoch", yTitle: "loss / accuracy" });
console.log(`learning curve: ${plot}`);
