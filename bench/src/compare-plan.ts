// The rows of issue 20's comparison table: their sizes, seeds, rates and what each framework runs.
// Strata's side of each row is a list of variants (compare-rows.ts): to add a column such as a
// compiled training step, add `{ id, build }` to the rows it applies to and a label in
// VARIANT_LABELS.
import { compiledElementwise, convNetSpec, courseWorkload, lenetWorkload, mlpWorkload, mnistEpochWorkload, mulAdd, mulAddWorkload, productWorkload, reluWorkload, transposedProductWorkload, type Built, type StepMode } from "./compare-workloads.js";
import { checkedRow, elementwiseRows, peerCell, type RowPlan, type Variant } from "./compare-rows.js";
import { cellOf, measure, measureOutOfProcess, type Cell } from "./compare-measure.js";
import { seqRowPlans } from "./compare-seq.js";
import { quick, time } from "./harness.js";
import { reasonOf, type NetworkSpec, type ProductSpec } from "./peers/types.js";
import { relu as reluOp, type Tensor } from "@strata/tensor";

export const N = 512;
export const MLP_DIMS = [784, 256, 128, 10];
export const MLP_BATCH = 128;
export const COURSE_DIMS = [12288, 20, 7, 5, 1];
export const COURSE_M = 209;
export const ELEMENTWISE_SIZES = [1e6, 1e7];
export const LENET_BATCH = 32;
export const MNIST_EXAMPLES = quick ? 6_000 : 60_000;
// At n = 512 float32 sums of 512 products round differently in each library; 1e-3 of max(1, |x|)
// still catches a wrong layout or transpose.
const PRODUCT_TOLERANCE = 1e-3;
const LOSS_TOLERANCE = 1e-4;

/** The id of the compiled-step variant of the training rows. */
const COMPILED = "strata-compiled";

/** What each Strata variant is, for the footnote; "strata" is the reference every row has. */
export const VARIANT_LABELS: Record<string, string> = {
  [COMPILED]:
    "Strata through compile (@strata/autograd), recorded on its first call and replayed after: the training rows' same step (fit's default); " +
    "relu and a·b + c with reuseResults, their inputs made resident (in the kernels' memory) once at build time, as jax-js's jit holds its inputs",
};

const gflops = (ms: number): number => (2 * N ** 3) / (ms * 1e6);
const stepsPerS = (ms: number): number => 1000 / ms;
const secondsPerEpoch = (ms: number): number => (ms / 1000) * (60_000 / MNIST_EXAMPLES);
const exponent = (n: number): string => `1e${Math.round(Math.log10(n))}`;

function eager<T>(built: { strata: { run(): T; dispose(): void } }): Variant<T>[] {
  return [{ id: "strata", build: () => built.strata }];
}

function productRow(key: string, title: string, built: Built<Tensor, ProductSpec>): RowPlan {
  return checkedRow<Tensor>({
    key, title, unit: "GFLOP/s", rate: gflops, variants: eager(built), values: (t) => t.toTypedArray(), step: false, tolerance: PRODUCT_TOLERANCE,
    peer: peerCell({ kind: "product", spec: built.spec }, (p) => p.product(built.spec), gflops),
  });
}

function networkRow(key: string, title: string, workload: (mode: StepMode) => Built<number, NetworkSpec>): RowPlan {
  const built = workload("eager");
  return checkedRow<number>({
    key, title, unit: "steps/s", rate: stepsPerS, values: (loss) => [loss], step: true, tolerance: LOSS_TOLERANCE,
    variants: [...eager(built), { id: COMPILED, build: () => workload("compiled").strata }],
    peer: peerCell({ kind: "trainingStep", spec: built.spec }, (p) => p.trainingStep(built.spec), stepsPerS),
  });
}

function lenetRow(): RowPlan {
  const spec = convNetSpec(LENET_BATCH, 21);
  return checkedRow<number>({
    key: "lenet", title: `LeNet-like conv net, batch ${LENET_BATCH}, SGD step`, unit: "steps/s", rate: stepsPerS,
    variants: [{ id: "strata", build: () => lenetWorkload(spec) }, { id: COMPILED, build: () => lenetWorkload(spec, "compiled") }],
    values: (loss) => [loss], step: true, tolerance: LOSS_TOLERANCE,
    peer: (p, ref) => {
      // PyTorch times this step in its own process, as it does the other rows
      if (p.timedConvStep) {
        return measureOutOfProcess(p.id, (plan) => {
          const { losses, samplesMs } = p.timedConvStep!(spec, plan);
          return { result: losses, samplesMs };
        }, ref, stepsPerS);
      }
      if (!p.convStep) return { error: "cannot train this net" };
      return measure(p, () => p.convStep!(spec), { step: true, values: (loss) => [loss], ref }, stepsPerS);
    },
  });
}

function elementwisePairs(hows: string[]): RowPlan[] {
  return ELEMENTWISE_SIZES.flatMap((n, i) => {
    const size = exponent(n);
    const relu = reluWorkload(n, 15 + 2 * i);
    const mulAddBuilt = mulAddWorkload(n, 16 + 2 * i);
    const reluVariants: Variant<Tensor>[] = [...eager(relu), { id: COMPILED, build: () => compiledElementwise(reluOp, [relu.spec]) }];
    const { a, b, c } = mulAddBuilt.spec;
    const mulAddVariants: Variant<Tensor>[] = [...eager(mulAddBuilt), { id: COMPILED, build: () => compiledElementwise(mulAdd, [a, b, c]) }];
    const reluRate = (ms: number): number => (8 * n) / (ms * 1e6);
    const mulAddRate = (ms: number): number => (16 * n) / (ms * 1e6);
    return [
      ...elementwiseRows({
        key: `relu${size}`, title: `relu ${size}, read back`, unit: "GB/s", rate: reluRate, variants: reluVariants, tolerance: 0, hows,
        workload: { kind: "relu", spec: relu.spec },
        readBack: (p) => p.relu(relu.spec),
        withoutReadBack: (p) => (p.reluWithoutReadBack ? () => p.reluWithoutReadBack!(relu.spec) : undefined),
      }),
      ...elementwiseRows({
        // products rounded to float32 before the sum in every framework (none fuses a·b + c
        // into one rounding here), so the results are equal
        key: `mulAdd${size}`, title: `a·b + c ${size}, read back`, unit: "GB/s", rate: mulAddRate, variants: mulAddVariants, tolerance: 0, hows,
        workload: { kind: "mulAdd", spec: mulAddBuilt.spec },
        readBack: (p) => p.mulAdd?.(mulAddBuilt.spec),
        withoutReadBack: (p) => (p.mulAddWithoutReadBack ? () => p.mulAddWithoutReadBack!(mulAddBuilt.spec) : undefined),
      }),
    ];
  });
}

function mnistRow(): RowPlan {
  // Built only when measured: its 60,000 examples take 188 MB. One timed epoch, no warm-up: an
  // epoch is hundreds of steps, already past any warm-up.
  const cell = async (): Promise<Cell> => {
    try {
      const epoch = mnistEpochWorkload(MNIST_EXAMPLES, 16);
      return cellOf(time("strata mnist epoch", () => epoch.run(), { warmup: 0, reps: 1 }), secondsPerEpoch);
    } catch (e) {
      return { error: reasonOf(e) };
    }
  };
  return {
    key: "mnistEpoch", title: `MNIST-shaped epoch, 60k random examples${quick ? ` (${MNIST_EXAMPLES} timed, x${60_000 / MNIST_EXAMPLES})` : ""}`,
    unit: "s/epoch", strata: [{ id: "strata", cell }],
  };
}

/** Every row, in the table's order; `hows` and `seqNotes` collect what the footnote should say. */
export function plans(hows: string[], seqNotes: string[]): RowPlan[] {
  return [
    productRow("matmul", `matmul ${N}x${N} · ${N}x${N}`, productWorkload(N, N, N, 11)),
    productRow("matmulAT", `Aᵀ·B ${N} (A stored ${N}x${N} row-major)`, transposedProductWorkload(N, N, N, 12)),
    networkRow("mlp", `MLP ${MLP_DIMS.join("-")}, batch ${MLP_BATCH}, SGD step`, (mode) => mlpWorkload(MLP_DIMS, MLP_BATCH, 13, mode)),
    networkRow("course", `course net [${COURSE_DIMS.join(",")}], m=${COURSE_M}, SGD step`, (mode) => courseWorkload(COURSE_DIMS, COURSE_M, 14, mode)),
    lenetRow(),
    ...elementwisePairs(hows),
    mnistRow(),
    ...seqRowPlans(seqNotes),
  ];
}

