// The program test/consumer.test.ts compiles and runs in a fresh project that installed Strata's
// four packed tarballs with npm: it uses each package as a user would, and prints what the test checks.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { noGrad } from "@strata/autograd";
import { binaryCrossEntropy, deepNetwork, fit, load, save, trainTestSplit } from "@strata/nn";
import { saveOnnx, toOnnx } from "@strata/onnx";
import { Adam } from "@strata/optim";
import { kernelOptions, matmul, rand, randn, rng, setKernelOptions, type Tensor } from "@strata/tensor";

// Points in the square [-1, 1]²: label 1 inside the circle of radius 0.7, else 0. Columns are examples.
const r = rng(42);
const m = 1200;
const X = rand([2, m], { rng: r }).mul(2).sub(1);
const Y = X.square().sum({ axis: 0, keepDims: true }).lt(0.49).cast("float32");
const { xTrain, yTrain, xTest, yTest } = trainTestSplit(X, Y, { testFraction: 0.25, rng: r });

const model = deepNetwork([2, 16, 16, 1], { hidden: "tanh", output: "sigmoid", rng: rng(1) });
const optimizer = new Adam(model.parameters(), { lr: 0.02 });
const history = fit(model, { x: xTrain, y: yTrain, loss: binaryCrossEntropy, optimizer, epochs: 150, batchSize: 100, rng: rng(2), verbose: false });

const accuracy = (net: typeof model, x: Tensor, y: Tensor): number =>
  noGrad(() => net.eval().forward(x).data.gt(0.5).cast("float32").eq(y).cast("float64").mean().item());
console.log(`loss ${history.loss[0]!.toFixed(4)} -> ${history.loss.at(-1)!.toFixed(4)}`);
console.log(`test accuracy ${accuracy(model, xTest, yTest).toFixed(4)}`);

// A checkpoint written and read back predicts the same.
const dir = mkdtempSync(join(tmpdir(), "strata-consumer-"));
try {
  save(model, join(dir, "circle.safetensors"), { optimizer });
  const reloaded = load(join(dir, "circle.safetensors")).model as typeof model;
  console.log(`reloaded accuracy ${accuracy(reloaded, xTest, yTest).toFixed(4)}`);
  // The same model as ONNX (the package's own tests run such files in ONNX Runtime): the file
  // holds toOnnx's bytes, with the dynamic batch axis and the parameters under their keys.
  saveOnnx(model, join(dir, "circle.onnx"), { inputShape: [2, 1] });
  const file = readFileSync(join(dir, "circle.onnx"));
  const text = file.toString("latin1");
  const named = Object.keys(model.stateDict()).every((key) => text.includes(key));
  console.log(`onnx file as toOnnx gives ${file.equals(toOnnx(model, { inputShape: [2, 1] }))}, batch axis ${text.includes("batch")}, parameters named ${named}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// The WebAssembly kernels load from the installed package and split a product over two threads
// with the same result as the TypeScript kernels, up to float32 rounding.
const a = randn([256, 256], { rng: r });
const b = randn([256, 256], { rng: r });
setKernelOptions({ threads: 2 });
const fast = matmul(a, b);
setKernelOptions({ wasm: false });
const reference = matmul(a, b);
console.log(`wasm kernels ${kernelOptions().wasmAvailable}, products agree ${fast.allClose(reference, { rtol: 1e-4, atol: 1e-4 })}`);
