// softmax and logSoftmax along the last axis of (32·4, 64, 64) float32 scores (attention's shape:
// batch 32, 4 heads, sequence 64), forward + backward to the input as one training step does: the
// composite (shift by the maximum, exp, sum, divide: what softmax ran before it was one op)
// against the single recorded op. ms per call, medians.
import { div, exp, log, logSoftmax, mul, softmax, sub, sum, variable, type Variable } from "@strata/autograd";
import * as T from "@strata/tensor";
import { randn, rng, type Tensor } from "@strata/tensor";
import { printTable, quick, time } from "./harness.js";

/** Median and minimum milliseconds per op and path. */
export type SoftmaxResults = Record<string, Record<string, { median: number; min: number }>>;

const SHAPE = [32 * 4, 64, 64];
const AXIS = 2;

/** The composite forms, as they were written before the ops (the maximum a constant shift). */
const composite = {
  softmax(x: Variable): Variable {
    const e = exp(sub(x, T.max(x.data, { axis: AXIS, keepDims: true })));
    return div(e, sum(e, { axis: AXIS, keepDims: true }));
  },
  logSoftmax(x: Variable): Variable {
    const shifted = sub(x, T.max(x.data, { axis: AXIS, keepDims: true }));
    return sub(shifted, log(sum(exp(shifted), { axis: AXIS, keepDims: true })));
  },
};

function step(forward: (x: Variable) => Variable, xt: Tensor, gy: Tensor): () => void {
  return () => {
    const x = variable(xt, { requiresGrad: true });
    sum(mul(forward(x), gy)).backward();
  };
}

export async function run(): Promise<SoftmaxResults> {
  const results: SoftmaxResults = {};
  const rows: (string | number)[][] = [];
  const options = { reps: quick ? 10 : 30, budgetMs: quick ? 1000 : 4000 };
  const r = rng(1);
  const [xt, gy] = [randn(SHAPE, { rng: r }), randn(SHAPE, { rng: r })];
  const seedOnly = time("Σ y·g alone", step((x) => x, xt, gy), options);
  for (const [name, op] of [["softmax", softmax], ["logSoftmax", logSoftmax]] as const) {
    const before = time(`${name} composite`, step(composite[name], xt, gy), options);
    const after = time(`${name} one op`, step((x) => op(x, { axis: AXIS }), xt, gy), options);
    results[name] = {
      "Σ y·g alone": { median: seedOnly.medianMs, min: seedOnly.minMs },
      composite: { median: before.medianMs, min: before.minMs },
      "one op": { median: after.medianMs, min: after.minMs },
    };
    rows.push([name, before.medianMs, after.medianMs, before.medianMs / after.medianMs, seedOnly.medianMs]);
  }
  printTable("softmax along the last axis of (128, 64, 64), float32, forward + backward, ms per call (medians)", [
    "op", "composite", "one op", "speed-up", "of which Σ y·g",
  ], rows);
  return results;
}
