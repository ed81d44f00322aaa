// The course's deep network, trained with the building blocks and again as a module.
// Flags: --iterations N (2500), --lr X (0.0075), --data DIR (cat/non-cat bytes), --init FILE.safetensors,
//        --seed N (1), --print-every N (100).
import { optionsFromArgs, run } from "./run.js";

const r = run({ ...optionsFromArgs(process.argv.slice(2)), log: (line) => console.log(line) });
const pct = (a: number) => `${(100 * a).toFixed(2)}%`;
console.log(`\n${r.data}: ${r.trainSize} training / ${r.testSize} test examples, layers [${r.layerDims.join(", ")}]`);
for (const [name, f] of [["building blocks", r.blocks], ["module + SGD   ", r.module]] as const) {
  console.log(`${name}: train accuracy ${pct(f.trainAccuracy)}, test accuracy ${pct(f.testAccuracy)}, final cost ${f.costs.at(-1)!.toFixed(6)}, ${f.seconds.toFixed(2)} s`);
}
console.log(`largest cost difference between the two runs: ${r.maxCostDifference.toExponential(3)}`);
