// Custom ops with their own backward (logCosh, huber): values, gradcheck, second derivatives,
// and a robust line fit trained with Adam. Flags: --steps N, --seed N, --n N.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeLearningCurve } from "../shared/plot.js";
import { parseArgs } from "node:util";
import { run } from "./run.js";

const { values } = parseArgs({ options: { steps: { type: "string" }, seed: { type: "string" }, n: { type: "string" } } });
const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
const res = run({ steps: num(values.steps), seed: num(values.seed), n: num(values.n) });

const f = (v: number, d = 6) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
console.log("logCosh(x) = |x| + log1p(e^(-2|x|)) - log 2, d/dx = tanh x, d2/dx2 = 1 - tanh^2 x");
console.log("         x        logCosh    naive log(cosh)   closed form       d/dx        d2/dx2");
for (const r of res.rows) {
  console.log(`${r.x.toString().padStart(10)} ${f(r.logCosh).padStart(14)} ${f(r.naive).padStart(17)} ${f(r.closedForm).padStart(13)} ${f(r.d1).padStart(11)} ${r.d2.toExponential(4).padStart(13)}`);
}
console.log(`max |d/dx - tanh x| = ${res.logCoshDerivErrors.first.toExponential(2)}, max |d2/dx2 - (1 - tanh^2 x)| = ${res.logCoshDerivErrors.second.toExponential(2)}`);

console.log("\nhuber(pred, target = 0, delta = 1):");
console.log(`  r            ${res.huber.r.map((v) => v.toFixed(2).padStart(7)).join("")}`);
console.log(`  value        ${res.huber.value.map((v) => v.toFixed(3).padStart(7)).join("")}`);
console.log(`  d/dpred      ${res.huber.dPred.map((v) => v.toFixed(2).padStart(7)).join("")}`);
console.log(`  d/dtarget    ${res.huber.dTarget.map((v) => v.toFixed(2).padStart(7)).join("")}`);
console.log(`  d2/dpred2    ${res.huber.d2.map((v) => v.toFixed(2).padStart(7)).join("")}`);

for (const [name, gc] of Object.entries(res.gradcheck)) {
  console.log(`\ngradcheck(${name}, float64): passed=${gc.passed}, maxError=${gc.maxError.toExponential(2)} over ${gc.checked} pairs`);
}

console.log(`\nline fit with 10% outliers (true w=${res.truth.w}, b=${res.truth.b}), Adam lr 0.05:`);
for (const fit of res.fits) {
  console.log(`  ${fit.loss.padEnd(8)} loss ${f(fit.firstLoss, 4)} -> ${f(fit.lastLoss, 4)}   w=${f(fit.w, 3)} b=${f(fit.b, 3)}`);
}

// Each loss relative to its own start, so the three fits share one axis.
const outDir = join(import.meta.dirname, "out");
mkdirSync(outDir, { recursive: true });
const plot = join(outDir, "learning-curve.svg");
await writeLearningCurve(plot, res.fits.flatMap((fit) => fit.history.map((loss, step) => ({ x: step, value: loss / fit.firstLoss, series: fit.loss }))), {
  title: "line fit with 10% outliers, Adam", xTitle: "step", yTitle: "loss / first loss",
});
console.log(`learning curve: ${plot}`);
