// The custom-op demo as one function returning its figures, so main.ts prints them and the smoke
// test checks them.
import { add, grad, gradcheck, mean, mul, square, sub, sum, variable, type Variable } from "@strata/autograd";
import { Adam } from "@strata/optim";
import { rand, randn, rng, tensor } from "@strata/tensor";
import { huber, logCosh } from "./ops.js";

export interface RunOptions {
  /** Adam steps for each loss in the line fit (default 300). */
  steps?: number;
  /** Seed of the line-fit data (default 1). */
  seed?: number;
  /** Points in the line fit (default 200). */
  n?: number;
}

/** One row of the value table: x, the op, a closed form, and its first and second derivatives. */
export interface ValueRow {
  x: number;
  logCosh: number;
  /** log(cosh x) done naively with Math; Infinity once cosh overflows. */
  naive: number;
  /** |x| − log 2 + log1p(e^{−2|x|}) evaluated in plain JS doubles, the reference. */
  closedForm: number;
  d1: number;
  d2: number;
}

export interface FitResult {
  loss: "mse" | "huber" | "logCosh";
  firstLoss: number;
  lastLoss: number;
  w: number;
  b: number;
  /** The loss at every step. */
  history: number[];
}

export interface RunResult {
  rows: ValueRow[];
  gradcheck: { logCosh: { passed: boolean; maxError: number; checked: number }; huber: { passed: boolean; maxError: number; checked: number } };
  /** max |d/dx − tanh x| and max |d²/dx² − (1 − tanh² x)| over the table. */
  logCoshDerivErrors: { first: number; second: number };
  /** Huber at r = pred − target, with its gradients and second derivative (δ = 1). */
  huber: { r: number[]; value: number[]; dPred: number[]; dTarget: number[]; d2: number[] };
  fits: FitResult[];
  truth: { w: number; b: number };
}

const XS = [-800, -20, -3, -0.5, -1e-4, 0, 0.5, 3, 20, 800];
const f64 = { dtype: "float64" as const };

export function run(options: RunOptions = {}): RunResult {
  const { steps = 300, seed = 1, n = 200 } = options;

  // Values and derivatives of logCosh: grad of a sum gives the elementwise derivative, and
  // grad of (the sum of) that gives the second derivative through the recorded backward.
  const x = tensor(XS, f64);
  const value = logCosh(x).data.toArray() as number[];
  const dlc = (v: Variable) => grad((w: Variable) => sum(logCosh(w)))(v);
  const d1 = dlc(variable(x)).data.toArray() as number[];
  const d2 = grad((v: Variable) => sum(dlc(v)))(x).data.toArray() as number[];
  const rows = XS.map((xi, i) => {
    const a = Math.abs(xi);
    return { x: xi, logCosh: value[i]!, naive: Math.log(Math.cosh(xi)), closedForm: a - Math.LN2 + Math.log1p(Math.exp(-2 * a)), d1: d1[i]!, d2: d2[i]! };
  });
  const logCoshDerivErrors = {
    first: Math.max(...rows.map((r) => Math.abs(r.d1 - Math.tanh(r.x)))),
    second: Math.max(...rows.map((r) => Math.abs(r.d2 - (1 - Math.tanh(r.x) ** 2)))),
  };

  // gradcheck in float64 against central differences. Huber's inputs are random, so some
  // residuals fall in the quadratic part and some in the linear tails (a draw landing within
  // eps of |r| = δ, where the second derivative jumps, is vanishingly unlikely).
  const g = rng(seed);
  const gcLog = gradcheck((v) => logCosh(v), [tensor([-4, -1.3, -0.2, 0.05, 0.7, 2.5, 9], f64)]);
  const gcHub = gradcheck((p, t) => huber(p, t, 1), [randn([2, 4], { rng: g, dtype: "float64", std: 1.5 }), randn([2, 4], { rng: g, dtype: "float64", std: 0.3 })]);

  // Huber's gradients with respect to both inputs, and its second derivative in pred.
  const r = [-2.5, -1.2, -0.4, 0, 0.3, 0.9, 4];
  const pred = tensor(r, f64);
  const target = tensor(r.map(() => 0), f64);
  const [gp, gt] = grad((p: Variable, t: Variable) => sum(huber(p, t, 1)), { argnums: [0, 1] })(pred, target);
  const dh = (p: Variable) => grad((q: Variable) => sum(huber(q, target, 1)))(p);
  const hd2 = grad((p: Variable) => sum(dh(p)))(pred);

  // A line fit y = w·x + b on data with 10% gross outliers, once per loss: the custom robust
  // losses should land near the true line; plain MSE is dragged towards the outliers.
  const truth = { w: 2, b: -1 };
  const xs = rand([n], { rng: g, dtype: "float64" }).mul(4).sub(2);
  const clean = xs.mul(truth.w).add(truth.b).add(randn([n], { rng: g, dtype: "float64", std: 0.1 }));
  const outlier = rand([n], { rng: g, dtype: "float64" }).lt(0.1).cast("float64");
  const ys = clean.add(outlier.mul(8));
  const losses: Record<FitResult["loss"], (p: Variable) => Variable> = {
    mse: (p) => mean(square(sub(p, ys))),
    huber: (p) => mean(huber(p, ys, 1)),
    logCosh: (p) => mean(logCosh(sub(p, ys))),
  };
  const fits = (Object.keys(losses) as FitResult["loss"][]).map((name) => {
    const w = variable(tensor([0], f64), { requiresGrad: true });
    const b = variable(tensor([0], f64), { requiresGrad: true });
    const opt = new Adam([w, b], { lr: 0.05 });
    const history: number[] = [];
    for (let s = 0; s < steps; s++) {
      opt.zeroGrad();
      const loss = losses[name](add(mul(w, xs), b));
      loss.backward();
      opt.step();
      history.push(loss.item());
    }
    return { loss: name, firstLoss: history[0]!, lastLoss: history.at(-1)!, w: w.data.item(), b: b.data.item(), history };
  });

  const arr = (v: Variable) => v.data.toArray() as number[];
  return {
    rows,
    gradcheck: {
      logCosh: { passed: gcLog.passed, maxError: gcLog.maxError, checked: gcLog.checked },
      huber: { passed: gcHub.passed, maxError: gcHub.maxError, checked: gcHub.checked },
    },
    logCoshDerivErrors,
    huber: { r, value: huber(pred, target, 1).data.toArray() as number[], dPred: arr(gp!), dTarget: arr(gt!), d2: arr(hd2) },
    fits,
    truth,
  };
}
