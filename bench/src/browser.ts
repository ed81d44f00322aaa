// Strata in a browser: (a) what the README's circle classifier weighs once bundled for a page
// (minified, gzipped), and (b) the compare suite's training step (MLP 784-256-128-10, batch 128,
// SGD) timed in Chromium with Web Workers (page cross-origin isolated), in Chromium on one thread
// (page not isolated), and in Node with and without threads. Each page times itself with
// performance.now() around single steps, after warm-up, as harness.time() does in Node. The
// warm-up is long (20 steps) because a page's first steps run before V8 has optimised the hot
// code and are several times slower.
import { gzipSync } from "node:zlib";
import { kernelOptions, kernelsReady, setKernelOptions } from "@strata/tensor";
import { bundle } from "../../examples/browser/bundle.js";
import { serve } from "../../examples/browser/server.js";
import { launchChromium, openPage } from "../../test/browser/chromium.js";
import { mlpWorkload } from "./compare-workloads.js";
import { printTable, quick, time } from "./harness.js";

const repoRoot = new URL("../..", import.meta.url).pathname;
const MLP_DIMS = [784, 256, 128, 10];
const MLP_BATCH = 128;
const WARMUP = quick ? 2 : 20;
const REPS = quick ? 5 : 25;
// tf.min.js of @tensorflow/tfjs 4.22 (core, layers, converter, CPU and WebGL backends), gzipped
const TFJS_MIN_GZIP_KB = 366;

// The README's program, as a page would import it.
const CIRCLE_PROGRAM = `
import { noGrad } from "@strata/autograd";
import { binaryCrossEntropy, deepNetwork, fit } from "@strata/nn";
import { Adam } from "@strata/optim";
import { rand, rng } from "@strata/tensor";
const X = rand([2, 1000], { rng: rng(0) }).mul(2).sub(1);
const Y = X.square().sum({ axis: 0, keepDims: true }).lt(0.49).cast("float32");
const model = deepNetwork([2, 16, 16, 1], { hidden: "tanh", output: "sigmoid", rng: rng(1) });
const optimizer = new Adam(model.parameters(), { lr: 0.02 });
fit(model, { x: X, y: Y, loss: binaryCrossEntropy, optimizer, epochs: 100, batchSize: 100, verbose: false });
const predicted = noGrad(() => model.eval().forward(X).data.gt(0.5).cast("float32"));
console.log("training accuracy", predicted.eq(Y).cast("float64").mean().item().toFixed(3));
`;

// The page's side of (b): the same workload builder as compare.ts, timed step by step.
const STEP_PAGE = `
import { kernelOptions, kernelsReady } from "@strata/tensor";
import { mlpWorkload } from "./bench/src/compare-workloads.ts";
globalThis.timeSteps = async (dims, batch, warmup, reps) => {
  await kernelsReady();
  const { strata } = mlpWorkload(dims, batch, 0);
  for (let i = 0; i < warmup; i++) strata.run();
  const samples = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    strata.run();
    samples.push(performance.now() - t0);
  }
  return { samples, threads: kernelOptions().threads, isolated: crossOriginIsolated };
};
`;

/** One place the step ran: median milliseconds per step over `reps` steps. */
export interface StepRow {
  where: string;
  threads: number;
  medianMs: number;
  minMs: number;
  reps: number;
}

/** What the suite returns (and `--json` saves). */
export interface BrowserResults {
  bundle: { minifiedBytes: number; gzipBytes: number };
  steps: StepRow[];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function inChromium(isolated: boolean, code: string): Promise<StepRow> {
  const page = `<!doctype html><meta charset="utf-8"><script type="module" src="./steps.js"></script>`;
  const served = await serve({ files: { "/index.html": page, "/steps.js": code }, isolated });
  const browser = await launchChromium();
  try {
    const { page: tab, errors } = await openPage(browser, served.url);
    await tab.waitForFunction(() => "timeSteps" in globalThis);
    const { samples, threads } = await tab.evaluate(
      ([dims, batch, warmup, reps]) =>
        (globalThis as unknown as { timeSteps(...a: unknown[]): Promise<{ samples: number[]; threads: number }> }).timeSteps(dims, batch, warmup, reps),
      [MLP_DIMS, MLP_BATCH, WARMUP, REPS] as const,
    );
    if (errors.length > 0) throw new Error(`bench browser: the page reported ${errors.join("; ")}`);
    return { where: `Chromium, ${isolated ? "cross-origin isolated (Web Workers)" : "not isolated"}`, threads, medianMs: median(samples), minMs: Math.min(...samples), reps: samples.length };
  } finally {
    await browser.close();
    await served.close();
  }
}

function inNode(threads: number): StepRow {
  const saved = kernelOptions().threads;
  setKernelOptions({ threads });
  try {
    const { strata } = mlpWorkload(MLP_DIMS, MLP_BATCH, 0);
    const t = time("mlp step", strata.run, { warmup: WARMUP, reps: REPS, budgetMs: 60_000 });
    return { where: "Node", threads, medianMs: t.medianMs, minMs: t.minMs, reps: t.reps };
  } finally {
    setKernelOptions({ threads: saved });
  }
}

/** Runs the suite and prints its two tables. */
export async function run(): Promise<BrowserResults> {
  const minified = await bundle("circle.ts", { contents: CIRCLE_PROGRAM, resolveDir: repoRoot, minify: true });
  const gzipBytes = gzipSync(minified, { level: 9 }).length;
  printTable("Browser bundle of the README's circle classifier (esbuild --bundle --minify --platform=browser)", ["bundle", "minified KB", "gzipped KB"], [
    ["Strata: tensor, autograd, nn, optim (what the program reaches)", minified.length / 1024, gzipBytes / 1024],
    ["TensorFlow.js tf.min.js 4.22 (for comparison, not measured here)", "-", TFJS_MIN_GZIP_KB],
  ]);

  const stepPage = await bundle("steps.ts", { contents: STEP_PAGE, resolveDir: repoRoot });
  await kernelsReady();
  const nodeThreads = kernelOptions().threads;
  const steps = [inNode(nodeThreads), inNode(1), await inChromium(true, stepPage), await inChromium(false, stepPage)];
  const base = steps[0]!.medianMs;
  printTable(`MLP ${MLP_DIMS.join("-")}, batch ${MLP_BATCH}, one SGD step (forward, backward, update), float32, median of ${REPS}`, ["where", "threads", "ms/step", "steps/s", "speed (first row = 1)"], steps.map((s) => [
    s.where, s.threads, s.medianMs, 1000 / s.medianMs, `${(base / s.medianMs).toFixed(2)}x`,
  ]));
  return { bundle: { minifiedBytes: minified.length, gzipBytes }, steps };
}
