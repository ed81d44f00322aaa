// Programs the browser tests run twice, in Node inside the test and in a page, comparing results.
// They use only the four packages' public API, so both runs execute the same code.
import { binaryCrossEntropy, deepNetwork } from "@strata/nn";
import { Adam } from "@strata/optim";
import { matmul, rand, rng, type Tensor } from "@strata/tensor";

/** A training run: the README's circle classifier on `features` inputs (the label looks at the
 * first two), Adam, minibatches taken in order. */
export interface TrainSpec {
  dtype: "float32" | "float64";
  features: number;
  hidden: number;
  examples: number;
  batchSize: number;
  epochs: number;
}

/** The loss of every step of `spec`'s training run, in order. */
export function trainLosses(spec: TrainSpec): number[] {
  const { dtype, features, hidden, examples, batchSize, epochs } = spec;
  // points in [-1, 1]^features, one per column; label 1 inside the circle of radius 0.7
  const X = rand([features, examples], { rng: rng(0), dtype }).mul(2).sub(1);
  const Y = X.slice([0, 2], null).square().sum({ axis: 0, keepDims: true }).lt(0.49).cast(dtype);
  const model = deepNetwork([features, hidden, hidden, 1], { hidden: "tanh", output: "sigmoid", rng: rng(1), dtype });
  const optimizer = new Adam(model.parameters(), { lr: 0.02 });
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let start = 0; start < examples; start += batchSize) {
      const columns: [number, number] = [start, Math.min(start + batchSize, examples)];
      optimizer.zeroGrad();
      const loss = binaryCrossEntropy(model.forward(X.slice(null, columns)), Y.slice(null, columns));
      loss.backward();
      optimizer.step();
      losses.push(loss.item());
    }
  }
  return losses;
}

/**
 * Seeded A (n, k) and B (k, p), uniform in [-1, 1), and their product C, each as a flat row-major
 * array. Uniform draws use exact arithmetic only (randn's Math.log rounds differently in different
 * engines), so the inputs are the same bits in Node and in a page.
 */
export function product(n: number, k: number, p: number, dtype: "float32" | "float64"): { a: number[]; b: number[]; c: number[] } {
  const r = rng(7);
  const a: Tensor = rand([n, k], { rng: r, dtype }).mul(2).sub(1);
  const b: Tensor = rand([k, p], { rng: r, dtype }).mul(2).sub(1);
  const flat = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array | Float64Array);
  return { a: flat(a), b: flat(b), c: flat(matmul(a, b)) };
}
