// The course's deep network, trained with the building blocks and again as a module.
// Flags: --iterations N (2500), --lr X (0.0075), --data DIR (cat/non-cat bytes), --init FILE.safetensors,
//        --seed N (1), --print-every N (100).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeLearningCurve } from "../shared/plot.js";
import { optionsFromArgs, run } from "./run.js";

const r = run({ ...optionsFromArgs(process.argv.slice(2)), log: (line) => console.log(line) });
const pct = (a: number) => `${(100 * a).toFixed(2)}%`;
console.log(`\n${r.data}: ${r.trainSize} training / ${r.testSize} test examples, layers [${r.layerDims.join(", ")}]`);
for (const [name, f] of [["building blocks", r.blocks], ["module + SGD   ", r.module]] as const) {
  console.log(`${name}: train accuracy ${pct(f.trainAccuracy)}, test accuracy ${pct(f.testAccuracy)}, final cost ${f.costs.at(-1)!.toFixed(6)}, ${f.seconds.toFixed(2)} s`);
}
console.log(`largest cost difference between the two runs: ${r.maxCostDifference.toExponential(3)}`);

// The course's plot: the cost every 100 iterations, for both runs (they coincide).
const outDir = join(import.meta.dirname, "out");
mkdirSync(outDir, { recursive: true });
const plot = join(outDir, "learning-curve.svg");
const every100 = (costs: number[], series: string) =>
  costs.flatMap((value, i) => (i % 100 === 0 || i === costs.length - 1 ? [{ x: i, value, series }] : []));
await writeLearningCurve(plot, [...every100(r.blocks.costs, "building blocks"), ...every100(r.module.costs, "Dense + autograd + SGD")], {
  title: `[${r.layerDims.join(", ")}] on ${r.data}, learning rate 0.0075`, xTitle: "iteration", yTitle: "cost",
});
console.log(`learning curve: ${plot}`);
