// @strata/nn and @strata/optim: a training step of the course's network with the building blocks
// against Dense + autograd + SGD; a step of the MLP 784-256-128-10 through Dense layers against
// the same network composed from primitive ops; optimiser updates on 1M parameters, fused loops
// against the same formula written with out-of-place tensor ops.
import { add, logSoftmax, matmul, mean, mul, relu, sum, variable, type Variable } from "@strata/autograd";
import { binaryCrossEntropy, deepNetwork, modelBackward, modelForward, softmaxCrossEntropy, updateParameters } from "@strata/nn";
import { Adam, AdamW, RMSprop, SGD, type Optimizer } from "@strata/optim";
import { oneHot, rand, randint, randn, rng, sqrt as tsqrt, type DType, type Tensor } from "@strata/tensor";
import { printTable, quick, time } from "./harness.js";

function courseStep(dtype: DType): { blocks: number; autograd: number } {
  const r = rng(1);
  const X = randn([30, 455], { rng: r, dtype });
  const Y = rand([1, 455], { rng: r, dtype }).gt(0.5).cast(dtype);
  const model = deepNetwork([30, 20, 7, 5, 1], { rng: r, dtype });
  let params = model.stateDict();
  const blocks = time("blocks", () => {
    const { AL, caches } = modelForward(X, params);
    params = updateParameters(params, modelBackward(AL, Y, caches), 0.0075);
  });
  const opt = new SGD(model.parameters(), { lr: 0.0075 });
  const autograd = time("autograd", () => {
    opt.zeroGrad();
    binaryCrossEntropy(model.forward(X), Y).backward();
    opt.step();
  });
  return { blocks: blocks.medianMs, autograd: autograd.medianMs };
}

function mlpStep(): { dense: number; primitives: number } {
  const r = rng(2);
  const X = randn([784, 128], { rng: r });
  const labels = randint(0, 10, [128], { rng: r });
  const model = deepNetwork([784, 256, 128, 10], { output: "identity", rng: r });
  const opt = new SGD(model.parameters(), { lr: 0.01 });
  const dense = time("dense", () => {
    opt.zeroGrad();
    softmaxCrossEntropy(model.forward(X), labels).backward();
    opt.step();
  });
  const params = model.parameters();
  const Y = oneHot(labels, 10);
  const primitives = time("primitives", () => {
    opt.zeroGrad();
    let A: Variable | Tensor = X;
    for (let l = 0; l < 3; l++) {
      const Z = add(matmul(params[2 * l]!, A), params[2 * l + 1]!);
      A = l < 2 ? relu(Z) : Z;
    }
    mul(mean(sum(mul(Y, logSoftmax(A as Variable, { axis: 0 })), { axis: 0 })), -1).backward();
    opt.step();
  });
  return { dense: dense.medianMs, primitives: primitives.medianMs };
}

/** Adam's update written with out-of-place tensor ops: what the fused loop replaces. */
function adamWithTensorOps(p: Tensor, g: Tensor, state: { m: Tensor; v: Tensor; t: number }): Tensor {
  state.t += 1;
  state.m = state.m.mul(0.9).add(g.mul(0.1));
  state.v = state.v.mul(0.999).add(g.mul(g).mul(0.001));
  const mHat = state.m.div(1 - 0.9 ** state.t);
  const vHat = state.v.div(1 - 0.999 ** state.t);
  return p.sub(mHat.mul(1e-3).div(tsqrt(vHat).add(1e-8)));
}

function optimizerSteps(n: number): [string, number][] {
  const r = rng(3);
  const make = (): Variable => {
    const v = variable(randn([n], { rng: r }), { requiresGrad: true });
    v.grad = randn([n], { rng: r });
    return v;
  };
  const rows: [string, number][] = [];
  const kinds: [string, (p: Variable[]) => Optimizer][] = [
    ["SGD", (p) => new SGD(p, { lr: 0.01 })],
    ["SGD momentum 0.9, nesterov", (p) => new SGD(p, { lr: 0.01, momentum: 0.9, nesterov: true })],
    ["Adam", (p) => new Adam(p, { lr: 1e-3 })],
    ["AdamW", (p) => new AdamW(p, { lr: 1e-3 })],
    ["RMSprop", (p) => new RMSprop(p, { lr: 1e-3 })],
  ];
  for (const [name, build] of kinds) {
    const opt = build([make()]);
    rows.push([`${name}, fused loop (ms)`, time(name, () => opt.step()).medianMs]);
  }
  const p = make();
  const state = { m: p.data.mul(0), v: p.data.mul(0), t: 0 };
  let value = p.data;
  rows.push(["Adam, out-of-place tensor ops (ms)", time("adam ops", () => (value = adamWithTensorOps(value, p.grad!, state))).medianMs]);
  return rows;
}

/** Runs the nn and optim benchmarks and returns their figures. */
export async function run(): Promise<Record<string, number>> {
  const c64 = courseStep("float64");
  const c32 = courseStep("float32");
  const mlp = mlpStep();
  const n = quick ? 250_000 : 1_000_000;
  const opt = optimizerSteps(n);
  const adamFused = opt.find(([k]) => k.startsWith("Adam, fused"))![1];
  const adamOps = opt.find(([k]) => k.startsWith("Adam, out-of-place"))![1];
  const rows: [string, number][] = [
    ["[30,20,7,5,1], m=455, float64: blocks step (ms)", c64.blocks],
    ["[30,20,7,5,1], m=455, float64: Dense + autograd + SGD step (ms)", c64.autograd],
    ["[30,20,7,5,1], m=455, float32: blocks step (ms)", c32.blocks],
    ["[30,20,7,5,1], m=455, float32: Dense + autograd + SGD step (ms)", c32.autograd],
    ["MLP 784-256-128-10, batch 128: deepNetwork + softmaxCrossEntropy + SGD (ms)", mlp.dense],
    ["MLP 784-256-128-10, batch 128: primitive ops + SGD (ms)", mlp.primitives],
    ["primitive ops / Dense (ratio)", mlp.primitives / mlp.dense],
    ...opt.map(([k, v]): [string, number] => [`${n} float32 parameters: ${k}`, v]),
    ["Adam: tensor ops / fused loop (ratio)", adamOps / adamFused],
  ];
  printTable("nn and optim (median)", ["workload", "value"], rows);
  return Object.fromEntries(rows);
}
