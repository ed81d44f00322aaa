// Convolutions and pooling at the sizes of the LeNet-like net of issue 17 (batch 32, float32):
//   1. each product of its two convolutions (Conv2d 1→8 5×5 on (32, 1, 28, 28), Conv2d 8→16 5×5
//      on (32, 8, 12, 12)): forward, input gradient, weight gradient, on the TypeScript kernels
//      and on the WebAssembly ones with one and two threads; ms per call and GFLOP/s, and how much
//      of the call the kernels themselves take (the rest stages operands and copies results);
//   2. its 2×2 max pools, forward (values and indices) and backward (scatter-add);
//   3. the conv + pool part of a training step through autograd: conv1, pool, conv2, pool, forward
//      and backward to the weights and biases, without and with the relus between them;
//   4. the whole SGD step of the net (+ flatten, Linear 256→10, cross-entropy, lr 0.05), steps/s.
import { add, conv2d, gradients, logSoftmax, matmul, maxPool2d, mean, mul, relu, reshape, sum, variable, type Variable } from "@strata/autograd";
import {
  conv2d as tconv2d, conv2dInput, conv2dWeight, kernelOptions, kernelsReady, maxPool2dWithIndices, oneHot, randint, randn, rng,
  scatterAddPlanes, setKernelOptions, subInPlace, type Tensor,
} from "@strata/tensor";
import { kernelClock } from "../../packages/tensor/src/backends/wasm/pool.js";
import { printTable, quick, time } from "./harness.js";

/** Median and minimum milliseconds per workload and configuration. */
export type ConvResults = Record<string, Record<string, { median: number; min: number }>>;

const initial = kernelOptions();
const CONFIGS: [string, { wasm: boolean; threads: number }][] = [
  ["TypeScript", { wasm: false, threads: 1 }],
  ["wasm 1 thread", { wasm: true, threads: 1 }],
  ["wasm 2 threads", { wasm: true, threads: 2 }],
];

/** Times `fn` under each configuration; also the share of the time spent inside the kernels. */
async function configs(label: string, fn: () => unknown, results: ConvResults): Promise<{ median: number; min: number; share: number }[]> {
  const out = [];
  results[label] = {};
  for (const [name, options] of CONFIGS) {
    setKernelOptions(options);
    await kernelsReady();
    const t = time(`${label} ${name}`, fn, { reps: quick ? 10 : 40, budgetMs: quick ? 1000 : 4000 });
    // the kernels' share, over ten more calls (warm by now)
    const [kernel0, wall0] = [kernelClock.ms, performance.now()];
    for (let i = 0; i < 10; i++) fn();
    const share = (kernelClock.ms - kernel0) / (performance.now() - wall0);
    results[label]![name] = { median: t.medianMs, min: t.minMs };
    out.push({ median: t.medianMs, min: t.minMs, share });
  }
  setKernelOptions({ wasm: initial.wasm, threads: initial.threads });
  return out;
}

const LAYERS: [string, number[], number[]][] = [
  ["conv1 1→8 5×5 (32,1,28,28)", [32, 1, 28, 28], [8, 1, 5, 5]],
  ["conv2 8→16 5×5 (32,8,12,12)", [32, 8, 12, 12], [16, 8, 5, 5]],
];

async function products(results: ConvResults): Promise<void> {
  const r = rng(1);
  const rows: (string | number)[][] = [];
  for (const [label, xs, ws] of LAYERS) {
    const [x, w, b] = [randn(xs, { rng: r }), randn(ws, { rng: r }), randn([ws[0]!], { rng: r })];
    const y = tconv2d(x, w, b);
    const dy = randn(y.shape, { rng: r });
    const flop = 2 * y.size * ws[1]! * ws[2]! * ws[3]!;
    for (const [product, fn] of [
      ["forward", () => tconv2d(x, w, b)], ["input gradient", () => conv2dInput(xs, w, dy)], ["weight gradient", () => conv2dWeight(x, ws, dy)],
    ] as const) {
      const [ts, one, two] = await configs(`${label} ${product}`, fn, results);
      const gflops = (ms: number) => (flop / ms / 1e6).toFixed(1);
      rows.push([label, product, ts!.median, one!.median, `${gflops(one!.median)} (${Math.round(100 * one!.share)}%)`, two!.median, gflops(two!.median), two!.min]);
    }
  }
  printTable(
    "Convolution products, LeNet sizes, float32 (ms per call, median; GFLOP/s from the median; % = share inside the kernels)",
    ["layer", "product", "TypeScript", "wasm 1 thread", "GFLOP/s (kernels)", "wasm 2 threads", "GFLOP/s", "2 threads min"],
    rows,
  );
}

async function pools(results: ConvResults): Promise<void> {
  const r = rng(2);
  const rows: (string | number)[][] = [];
  for (const shape of [[32, 8, 24, 24], [32, 16, 8, 8]]) {
    const x = randn(shape, { rng: r });
    const { values, indices } = maxPool2dWithIndices(x, { kernelSize: 2 });
    for (const [what, fn] of [
      ["forward (values, indices)", () => maxPool2dWithIndices(x, { kernelSize: 2 })], ["backward (scatter-add)", () => scatterAddPlanes(values, indices, [shape[2]!, shape[3]!])],
    ] as const) {
      const [ts, one, two] = await configs(`maxPool2d 2×2 (${shape}) ${what}`, fn, results);
      rows.push([`(${shape})`, what, ts!.median, one!.median, two!.median]);
    }
  }
  printTable("Max pooling 2×2, float32 (ms per call, median)", ["input", "pass", "TypeScript", "wasm 1 thread", "wasm 2 threads"], rows);
}

interface Net {
  x: Tensor;
  labels: Tensor;
  params: Variable[];
}

function lenet(): Net {
  const r = rng(3);
  const scale = (t: Tensor, fanIn: number) => t.mul(1 / Math.sqrt(fanIn));
  const params = [
    scale(randn([8, 1, 5, 5], { rng: r }), 25), randn([8], { rng: r }).mul(0.1),
    scale(randn([16, 8, 5, 5], { rng: r }), 200), randn([16], { rng: r }).mul(0.1),
    scale(randn([256, 10], { rng: r }), 256), randn([10], { rng: r }).mul(0.1),
  ].map((t) => variable(t, { requiresGrad: true }));
  return { x: randn([32, 1, 28, 28], { rng: r }), labels: randint(0, 10, [32], { rng: r }), params };
}

/** conv1, relu, pool, conv2, relu, pool (without the relus when `activation` is false). */
function features(net: Net, activation = true): Variable {
  const [w1, b1, w2, b2] = net.params;
  const g = activation ? relu : (v: Variable) => v;
  const h = maxPool2d(g(conv2d(net.x, w1!, b1!)), { kernelSize: 2 });
  return maxPool2d(g(conv2d(h, w2!, b2!)), { kernelSize: 2 });
}

async function steps(results: ConvResults): Promise<void> {
  const net = lenet();
  const probe = randn([32, 16, 4, 4], { rng: rng(4) });
  const part = (activation: boolean) => () => gradients([sum(mul(features(net, activation), probe))], net.params.slice(0, 4));
  const onehot = oneHot(net.labels, 10, { axis: 1, dtype: "float32" });
  const step = () => {
    const [, , , , w3, b3] = net.params;
    const logits = add(matmul(reshape(features(net), [32, 256]), w3!), b3!);
    const loss = mul(mean(sum(mul(logSoftmax(logits, { axis: 1 }), onehot), { axis: 1 })), -1);
    const grads = gradients([loss], net.params);
    net.params.forEach((p, i) => subInPlace(p.data, grads[i]!.data, { alpha: 0.05 }));
  };
  const rows: (string | number)[][] = [];
  for (const [what, fn] of [
    ["convolutions and pools, forward + backward", part(false)], ["the same with the two relus", part(true)], ["whole SGD step (batch 32)", step],
  ] as const) {
    const [ts, one, two] = await configs(`LeNet ${what}`, fn, results);
    rows.push([what, ts!.median, one!.median, two!.median, two!.min, (1000 / two!.median).toFixed(0)]);
  }
  printTable("LeNet-like net through autograd, batch 32, float32 (ms, median)", ["", "TypeScript", "wasm 1 thread", "wasm 2 threads", "2 threads min", "per second (2 threads)"], rows);
}

/** Runs the suite and returns its figures. */
export async function run(): Promise<ConvResults> {
  const results: ConvResults = {};
  await products(results);
  await pools(results);
  await steps(results);
  return results;
}
