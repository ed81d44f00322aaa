// Fits a rigid transform (rotation + translation) to noisy 3-D point pairs by gradient descent
// through Strata, then compares the recovered gl-matrix mat4 with the truth.
// Flags: --n N (points), --steps N (Adam steps), --seed N.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeLearningCurve } from "../shared/plot.js";
import { parseArgs } from "node:util";
import type { mat4 } from "gl-matrix";
import { run } from "./run.js";

const { values } = parseArgs({ options: { n: { type: "string" }, steps: { type: "string" }, seed: { type: "string" } } });
const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
const opts = { n: num(values.n) ?? 200, steps: num(values.steps) ?? 400, seed: num(values.seed) ?? 3 };
const res = run(opts);

// gl-matrix is column-major; print row by row as the matrix is written on paper.
const show = (m: mat4) => [0, 1, 2, 3].map((i) => "  " + [0, 1, 2, 3].map((j) => m[4 * j + i]!.toFixed(4).padStart(8)).join(" ")).join("\n");

console.log(`${opts.n} points, noise sigma 0.01, ${opts.steps} Adam steps (seed ${opts.seed})`);
const marks = [0, 1, 10, 50, 100, 200, opts.steps - 1].filter((s, i, a) => s < opts.steps && a.indexOf(s) === i);
for (const s of marks) console.log(`  step ${String(s).padStart(4)}  loss ${res.losses[s]!.toExponential(4)}`);
console.log(`\ntrue transform:\n${show(res.truth)}`);
console.log(`recovered transform:\n${show(res.estimate)}`);
console.log(`\nrotation error      ${res.rotationErrorDeg.toFixed(4)} deg`);
console.log(`translation error   ${res.translationError.toExponential(3)}`);
console.log(`max point error     ${res.maxPointError.toExponential(3)}  (estimate vs truth on the clean points)`);
console.log(`final RMS residual  ${res.finalRms.toExponential(3)}  (noise alone gives about 0.01 * sqrt(3) = ${(0.01 * Math.sqrt(3)).toExponential(3)})`);

// The loss falls over four decades, so the curve is drawn on a log scale.
const outDir = join(import.meta.dirname, "out");
mkdirSync(outDir, { recursive: true });
const plot = join(outDir, "learning-curve.svg");
await writeLearningCurve(plot, res.losses.map((loss, step) => ({ x: step, value: Math.log10(loss), series: "log10 mean squared residual" })), {
  title: `pose-fit: ${opts.n} points, Adam`, xTitle: "step", yTitle: "log10 loss",
});
console.log(`learning curve: ${plot}`);
