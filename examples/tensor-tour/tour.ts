// The steps of the tour, kept apart from printing so that the smoke test can check the values.
import { arange, matmul, rand, randn, rng, softmax, logSumExp, tensor, type Tensor } from "@strata/tensor";

/** One step of the tour: a title, what it shows, and the tensor it produced. */
export interface TourStep {
  title: string;
  note: string;
  value: Tensor;
}

/** Runs the tour and returns every step in order. */
export function tour(seed = 7): TourStep[] {
  const steps: TourStep[] = [];
  const show = (title: string, note: string, value: Tensor): Tensor => {
    steps.push({ title, note, value });
    return value;
  };

  const a = show("a = arange(12).reshape([3, 4])", "a contiguous 3x4 matrix", arange(12, { dtype: "float32" }).reshape([3, 4]));
  const at = show("a.T", `a transposed view: strides [${a.T.strides}], same buffer: ${a.T.data === a.data}`, a.T);
  show("a.slice(null, [null, null, -2])", "every other column, walking backwards (a view)", a.slice(null, [null, null, -2]));
  show("a.slice(1)", "picking row 1 drops the axis", a.slice(1));

  const col = tensor([[10], [20], [30]]);
  show("a.add(col)", "a (3,4) plus a (3,1) column: the column broadcasts over the 4 columns", a.add(col));
  show("col.broadcastTo([3, 4]).strides", "broadcasting is a view with stride 0", tensor([...col.broadcastTo([3, 4]).strides], { dtype: "int32" }));

  show("a.sum({ axis: 0 })", "sum down each column", a.sum({ axis: 0 }));
  show("a.mean({ axis: 1, keepDims: true })", "mean of each row, kept as a column", a.mean({ axis: 1, keepDims: true }));
  show("a.argmax({ axis: 0 })", "row of the largest entry in each column", a.argmax({ axis: 0 }));
  const logits = tensor([[1e4, -1e4], [0, 0], [-1e4, 1e4]]);
  show("softmax(logits, { axis: 0 })", "stable softmax over the class axis for logits of ±1e4", softmax(logits, { axis: 0 }));
  show("logSumExp(logits, { axis: 0 })", "stable log-sum-exp: finite where exp overflows", logSumExp(logits, { axis: 0 }));

  show("matmul(a, a.T)", "a (3,4) times its transposed view (no copy): a (3,3) Gram matrix", matmul(a, at));
  const g = rng(seed);
  const W = show("W = randn([2, 3], { rng })", `seeded normal draws (rng(${seed}))`, randn([2, 3], { rng: g }));
  const X = show("X = rand([3, 5], { rng })", "seeded uniform draws; 5 examples as columns", rand([3, 5], { rng: g }));
  const b = tensor([[0.1], [-0.1]]);
  show("Z = matmul(W, X).add(b)", "one linear layer: Z = W·X + b, b broadcast across the examples", matmul(W, X).add(b));
  return steps;
}
