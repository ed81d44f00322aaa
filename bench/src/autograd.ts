// Autograd overhead: a training step of the MLP 784-256-128-10 (batch 128, float32) through
// autograd against the same step written by hand with tensor ops (the same kernels, no graph);
// the cost per recorded op on a chain of 100,000 ops; the memory a graph holds before and after
// backward() frees it.
import { add, logSoftmax, matmul, mean, mul, noGrad, relu, sum, variable, type Variable } from "@strata/autograd";
import { Tensor, oneHot, randint, randn, rng, gt, matmul as tmatmul, add as tadd, relu as trelu, type Rng } from "@strata/tensor";
import { printTable, quick, time } from "./harness.js";

const sizes = [784, 256, 128, 10];
const batch = 128;

function init(r: Rng): Tensor[] {
  const params: Tensor[] = [];
  for (let l = 1; l < sizes.length; l++) {
    params.push(randn([sizes[l]!, sizes[l - 1]!], { rng: r }).mul(Math.sqrt(2 / sizes[l - 1]!)), randn([sizes[l]!, 1], { rng: r }).mul(0));
  }
  return params;
}

/** Cross-entropy of softmax over the rows (classes), mean over the columns (examples). */
function autogradStep(params: Variable[], X: Tensor, Y: Tensor): Variable {
  let A: Variable | Tensor = X;
  for (let l = 0; l < 3; l++) {
    const Z = add(matmul(params[2 * l]!, A), params[2 * l + 1]!);
    A = l < 2 ? relu(Z) : Z;
  }
  const loss = mul(mean(sum(mul(Y, logSoftmax(A as Variable, { axis: 0 })), { axis: 0 })), -1);
  for (const p of params) p.grad = null;
  loss.backward();
  return loss;
}

/** The same forward and backward by hand: dZ3 = (softmax - Y)/m, dW = dZ·Aᵀ, db = Σ dZ, dA = Wᵀ·dZ. */
function handStep(params: Tensor[], X: Tensor, Y: Tensor): Tensor[] {
  const As: Tensor[] = [X];
  const Zs: Tensor[] = [];
  for (let l = 0; l < 3; l++) {
    const Z = tadd(tmatmul(params[2 * l]!, As[l]!), params[2 * l + 1]!);
    Zs.push(Z);
    As.push(l < 2 ? trelu(Z) : Z);
  }
  let dZ = As[3]!.softmax({ axis: 0 }).sub(Y).div(batch);
  const grads: Tensor[] = [];
  for (let l = 2; l >= 0; l--) {
    grads[2 * l] = tmatmul(dZ, As[l]!.T);
    grads[2 * l + 1] = dZ.sum({ axis: 1, keepDims: true });
    if (l > 0) dZ = tmatmul(params[2 * l]!.T, dZ).mul(gt(Zs[l - 1]!, 0));
  }
  return grads;
}

/** Heap plus array buffers in MB, after collections with pauses (buffers are released lazily). */
async function settledMb(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 2 ** 20;
}

/**
 * Memory still held after one forward + backward while the loss is alive: the gradients, plus
 * the graph's saved tensors when it is retained. Everything is local, so it is garbage afterwards.
 */
async function heldAfterBackward(params: Variable[], X: Tensor, Y: Tensor, retainGraph: boolean): Promise<number> {
  for (const p of params) p.grad = null;
  const before = await settledMb();
  const loss = autogradForwardLoss(params, X, Y);
  loss.backward(undefined, { retainGraph });
  const after = await settledMb();
  return loss.size * (after - before);
}

/** Runs the autograd benchmarks and returns their figures. */
export async function run(): Promise<Record<string, number>> {
  const r = rng(3);
  const tensors = init(r);
  const params = tensors.map((t) => variable(t, { requiresGrad: true }));
  const X = randn([784, batch], { rng: r });
  const Y = oneHot(randint(0, 10, [batch], { rng: r }), 10);

  const auto = time("autograd step", () => autogradStep(params, X, Y));
  const hand = time("hand step", () => handStep(tensors, X, Y));
  const forwardGraph = time("forward, recording", () => autogradForward(params, X));
  const forwardNoGrad = time("forward, noGrad", () => noGrad(() => autogradForward(params, X)));

  const chainLength = quick ? 20_000 : 100_000;
  let chain: Variable | null = null;
  const leaf = variable([1], { requiresGrad: true, dtype: "float64" });
  const chainForward = time("chain forward", () => {
    let c: Variable = leaf;
    for (let i = 0; i < chainLength; i++) c = add(c, 1e-5);
    chain = c;
  }, { warmup: 1, reps: quick ? 3 : 5 });
  const chainBackward = time("chain backward", () => {
    let c: Variable = leaf;
    for (let i = 0; i < chainLength; i++) c = add(c, 1e-5);
    c.backward();
  }, { warmup: 1, reps: quick ? 3 : 5 });
  void chain;

  const gcOn = typeof (globalThis as { gc?: unknown }).gc === "function";
  const memoryBatch = 2048;
  const Xm = randn([784, memoryBatch], { rng: r });
  const Ym = oneHot(randint(0, 10, [memoryBatch], { rng: r }), 10);
  await heldAfterBackward(params, Xm, Ym, false);
  const retained = gcOn ? await heldAfterBackward(params, Xm, Ym, true) : NaN;
  const freed = gcOn ? await heldAfterBackward(params, Xm, Ym, false) : NaN;

  const rows: [string, number][] = [
    ["MLP step, autograd (ms)", auto.medianMs],
    ["MLP step, by hand with tensor ops (ms)", hand.medianMs],
    ["autograd / by hand (ratio)", auto.medianMs / hand.medianMs],
    ["MLP forward, recording the graph (ms)", forwardGraph.medianMs],
    ["MLP forward, noGrad (ms)", forwardNoGrad.medianMs],
    [`chain of ${chainLength} adds, forward (µs per op)`, (chainForward.medianMs * 1000) / chainLength],
    [`chain of ${chainLength} adds, forward + backward (µs per op)`, (chainBackward.medianMs * 1000) / chainLength],
  ];
  if (gcOn) {
    rows.push(
      [`memory held after backward, batch ${memoryBatch}, retainGraph (MB)`, retained],
      [`memory held after backward, batch ${memoryBatch}, graph freed (MB)`, freed],
    );
  }
  printTable(`Autograd: MLP ${sizes.join("-")}, batch ${batch}, float32 (median)${gcOn ? "" : " — run with --expose-gc for memory"}`, ["workload", "value"], rows);
  return Object.fromEntries(rows);
}

function autogradForward(params: Variable[], X: Tensor): Variable {
  let A: Variable | Tensor = X;
  for (let l = 0; l < 3; l++) {
    const Z = add(matmul(params[2 * l]!, A), params[2 * l + 1]!);
    A = l < 2 ? relu(Z) : Z;
  }
  return A as Variable;
}

function autogradForwardLoss(params: Variable[], X: Tensor, Y: Tensor): Variable {
  return mul(mean(sum(mul(Y, logSoftmax(autogradForward(params, X), { axis: 0 })), { axis: 0 })), -1);
}
