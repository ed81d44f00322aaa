// Strata against TensorFlow.js (cpu and wasm backends) and jax-js on the same workloads, from the
// same seeded inputs: every framework gets the numbers Strata drew (and Strata's initial weights),
// its first result is checked against Strata's before it is timed, and each is timed by the
// harness's time(). One framework runs all its workloads before the next loads, so that backends
// and thread pools never overlap. A framework that fails to load, or fails a workload, gets
// "n/a: <reason>" in its cells and the run carries on.
import { convNetSpec, courseWorkload, lenetWorkload, mlpWorkload, mnistEpochWorkload, productWorkload, reluWorkload, transposedProductWorkload } from "./compare-workloads.js";
import { SEQ_ROWS, seqFootnote, seqRowPlans } from "./compare-seq.js";
import { kernelOptions } from "@strata/tensor";
import { printTable, quick, time, timeAsync, timingOf, timingPlan, type Timing } from "./harness.js";
import { reasonOf, relativeError, type Peer, type Prepared } from "./peers/types.js";

const N = 512;
const MLP_DIMS = [784, 256, 128, 10];
const MLP_BATCH = 128;
const COURSE_DIMS = [12288, 20, 7, 5, 1];
const COURSE_M = 209;
const RELU_N = 1e7;
const LENET_BATCH = 32;
const MNIST_EXAMPLES = quick ? 6_000 : 60_000;
const WASM_THREADS = 2;
// At n = 512 float32 sums of 512 products round differently in each library; 1e-3 of max(1, |x|)
// still catches a wrong layout or transpose (the test checks 1e-4 at small sizes).
const PRODUCT_TOLERANCE = 1e-3;
const LOSS_TOLERANCE = 1e-4;

/** One framework on one workload: times per call and the rate they give, or why there are none. */
export type Cell =
  | { medianMs: number; minMs: number; maxMs: number; reps: number; value: number; fastest: number; slowest: number }
  | { error: string };

/** One workload: a cell per framework and Strata's rate divided by each peer's. */
export interface CompareRow {
  title: string;
  unit: string;
  cells: Record<string, Cell>;
  strataOver: Record<string, number | null>;
}

/** What the suite returns (and `--json` saves). */
export interface CompareResults {
  quick: boolean;
  labels: Record<string, string>;
  withoutReadBack: string[];
  rows: Record<string, CompareRow>;
  footnote: string[];
}

const PEERS: { id: string; load: () => Promise<Peer> }[] = [
  // Imported on demand, so that a peer that cannot even be imported only costs its own column.
  { id: "tfjs-cpu", load: async () => (await import("./peers/tfjs.js")).tfjsCpuPeer() },
  { id: "tfjs-wasm", load: async () => (await import("./peers/tfjs.js")).tfjsWasmPeer(WASM_THREADS) },
  { id: "jax-js", load: async () => (await import("./peers/jax.js")).jaxPeer() },
  { id: "pytorch-1t", load: async () => (await import("./peers/pytorch.js")).pytorchPeer() },
  // only when STRATA_OPENBLAS names a folder with OpenBLAS's libblas.so.3 (see peers/pytorch.ts)
  ...(process.env.STRATA_OPENBLAS ? [{ id: "pytorch-openblas-1t", load: async () => (await import("./peers/pytorch.js")).pytorchPeer(process.env.STRATA_OPENBLAS) }] : []),
];

/** How a row measures Strata and, unless it is Strata-only, a peer. */
interface RowPlan {
  key: string;
  title: string;
  unit: string;
  strata: () => Promise<Cell>;
  peer?: (peer: Peer) => Promise<Cell>;
}

function cellOf(timing: Timing, rate: (ms: number) => number): Cell {
  const { medianMs, minMs, maxMs, reps } = timing;
  return { medianMs, minMs, maxMs, reps, value: rate(medianMs), fastest: rate(minMs), slowest: rate(maxMs) };
}

/**
 * Builds a workload, checks it against Strata (`check` runs it as often as it needs and returns
 * the error to compare with `tolerance`), times it, checks that the timed calls left no objects of
 * the peer's behind, and frees it.
 */
async function measure<T>(peer: Peer, build: () => Prepared<T>, check: (p: Prepared<T>) => number, tolerance: number, rate: (ms: number) => number): Promise<Cell> {
  let prepared: Prepared<T> | undefined;
  try {
    prepared = build();
    const error = check(prepared);
    if (!(error <= tolerance)) return { error: `wrong result: rel. error ${error.toExponential(1)}` };
    const p = prepared;
    const before = peer.liveObjects?.();
    const timing = time(peer.id, () => p.run());
    const grown = before === undefined ? 0 : peer.liveObjects!() - before;
    if (grown > 0) return { error: `leaks: ${grown} tensors left by ${timing.reps} calls` };
    return cellOf(timing, rate);
  } catch (e) {
    return { error: reasonOf(e) };
  } finally {
    prepared?.dispose();
  }
}

/** How far a training step's first two losses are from Strata's: the first checks the forward
 * pass and the loss, the second the gradients and the update. A step that leaves the loss as it
 * was fails however close the first loss is. */
function stepError(p: Prepared<number>, want: [number, number]): number {
  const [first, second] = [p.run(), p.run()];
  if (second === first) return Infinity;
  return relativeError([first, second], want);
}

function plans(withoutReadBack: string[], seqNotes: string[]): RowPlan[] {
  const gflops = (ms: number): number => (2 * N ** 3) / (ms * 1e6);
  const stepsPerS = (ms: number): number => 1000 / ms;
  const gbPerS = (ms: number): number => (8 * RELU_N) / (ms * 1e6);
  const secondsPerEpoch = (ms: number): number => (ms / 1000) * (60_000 / MNIST_EXAMPLES);
  const product = productWorkload(N, N, N, 11);
  const tproduct = transposedProductWorkload(N, N, N, 12);
  const mlp = mlpWorkload(MLP_DIMS, MLP_BATCH, 13);
  const course = courseWorkload(COURSE_DIMS, COURSE_M, 14);
  const relu = reluWorkload(RELU_N, 15);
  const lenetSpec = convNetSpec(LENET_BATCH, 21);
  const lenet = lenetWorkload(lenetSpec);
  // Strata's first results are what the peers must reproduce (its first step also warms it up).
  const want = {
    product: product.strata.run().toTypedArray(),
    tproduct: tproduct.strata.run().toTypedArray(),
    mlp: [mlp.strata.run(), mlp.strata.run()] as [number, number],
    course: [course.strata.run(), course.strata.run()] as [number, number],
    relu: relu.strata.run().toTypedArray(),
    lenet: [lenet.run(), lenet.run()] as [number, number],
  };
  const strataCells = new Map<string, Cell>();
  // The two relu rows share Strata's measurement: it has no read-back to leave out.
  const strataOnce = (key: string, f: () => Cell): (() => Promise<Cell>) => async () => {
    if (!strataCells.has(key)) strataCells.set(key, f());
    return strataCells.get(key)!;
  };
  const reluStrata = strataOnce("relu", () => cellOf(time("strata relu", () => relu.strata.run()), gbPerS));
  return [
    {
      key: "matmul", title: `matmul ${N}x${N} · ${N}x${N}`, unit: "GFLOP/s",
      strata: strataOnce("matmul", () => cellOf(time("strata matmul", () => product.strata.run()), gflops)),
      peer: (p) => measure(p, () => p.product(product.spec), (c) => relativeError(c.run(), want.product), PRODUCT_TOLERANCE, gflops),
    },
    {
      key: "matmulAT", title: `Aᵀ·B ${N} (A stored ${N}x${N} row-major)`, unit: "GFLOP/s",
      strata: strataOnce("matmulAT", () => cellOf(time("strata AT·B", () => tproduct.strata.run()), gflops)),
      peer: (p) => measure(p, () => p.product(tproduct.spec), (c) => relativeError(c.run(), want.tproduct), PRODUCT_TOLERANCE, gflops),
    },
    {
      key: "mlp", title: `MLP ${MLP_DIMS.join("-")}, batch ${MLP_BATCH}, SGD step`, unit: "steps/s",
      strata: strataOnce("mlp", () => cellOf(time("strata mlp", () => mlp.strata.run()), stepsPerS)),
      peer: (p) => measure(p, () => p.trainingStep(mlp.spec), (step) => stepError(step, want.mlp), LOSS_TOLERANCE, stepsPerS),
    },
    {
      key: "course", title: `course net [${COURSE_DIMS.join(",")}], m=${COURSE_M}, SGD step`, unit: "steps/s",
      strata: strataOnce("course", () => cellOf(time("strata course", () => course.strata.run()), stepsPerS)),
      peer: (p) => measure(p, () => p.trainingStep(course.spec), (step) => stepError(step, want.course), LOSS_TOLERANCE, stepsPerS),
    },
    {
      key: "lenet", title: `LeNet-like conv net, batch ${LENET_BATCH}, SGD step`, unit: "steps/s",
      strata: strataOnce("lenet", () => cellOf(time("strata lenet", () => lenet.run()), stepsPerS)),
      peer: async (p) => {
        if (p.convStep) return measure(p, () => p.convStep!(lenetSpec), (step) => stepError(step, want.lenet), LOSS_TOLERANCE, stepsPerS);
        if (!p.timedConvStep) return { error: "cannot train this net" };
        try {
          const { losses, samplesMs } = p.timedConvStep(lenetSpec, timingPlan());
          const error = relativeError(losses, want.lenet);
          if (!(error <= LOSS_TOLERANCE)) return { error: `wrong result: rel. error ${error.toExponential(1)}` };
          return cellOf(timingOf(p.id, samplesMs), stepsPerS);
        } catch (e) {
          return { error: reasonOf(e) };
        }
      },
    },
    {
      key: "relu", title: "relu 1e7, read back", unit: "GB/s", strata: reluStrata,
      peer: (p) => measure(p, () => p.relu(relu.spec), (y) => relativeError(y.run(), want.relu), 0, gbPerS),
    },
    {
      key: "reluNoReadBack", title: "relu 1e7, peers without read-back", unit: "GB/s", strata: reluStrata,
      peer: async (p) => {
        if (!p.reluWithoutReadBack) return { error: "no way to wait without a copy" };
        const { how, prepared } = p.reluWithoutReadBack(relu.spec);
        withoutReadBack.push(how);
        try {
          const timing = await timeAsync(p.id, async () => prepared.run());
          return cellOf(timing, gbPerS);
        } catch (e) {
          return { error: reasonOf(e) };
        } finally {
          prepared.dispose();
        }
      },
    },
    {
      key: "mnistEpoch", title: `MNIST-shaped epoch, 60k random examples${quick ? ` (${MNIST_EXAMPLES} timed, x${60_000 / MNIST_EXAMPLES})` : ""}`,
      unit: "s/epoch",
      strata: strataOnce("mnistEpoch", () => {
        // Built only now: its 60,000 examples take 188 MB. One timed epoch, no warm-up: an epoch
        // is hundreds of steps, already past any warm-up.
        const epoch = mnistEpochWorkload(MNIST_EXAMPLES, 16);
        return cellOf(time("strata mnist epoch", () => epoch.run(), { warmup: 0, reps: 1 }), secondsPerEpoch);
      }),
    },
    ...seqRowPlans(seqNotes),
  ];
}

function ratio(strata: Cell | undefined, peer: Cell | undefined): number | null {
  return strata && peer && "value" in strata && "value" in peer ? strata.value / peer.value : null;
}

function footnote(labels: Record<string, string>, withoutReadBack: string[]): string[] {
  return [
    "Strata/peer: Strata's rate divided by the peer's (above 1x Strata is faster). Medians; float32 everywhere; same seeded inputs.",
    ...Object.entries(labels).map(([id, label]) => `${id}: ${label}`),
    `matmul: C = A·B, randn entries, GFLOP/s = 2n³ / median time; Aᵀ·B: A stored row-major, Strata multiplies the view a.T, tfjs matMul(a, b, true), jax-js matmul(a.transpose(), b).`,
    "MLP: X (784,128) randn, 10 classes, ReLU hidden, softmax cross-entropy, backward, SGD lr 0.01; steps/s = 1000 / median ms.",
    "course net: X (12288,209) uniform [0,1), 0/1 labels, ReLU hidden, sigmoid output, binary cross-entropy, SGD lr 0.0075, full batch.",
    "Peers start from Strata's initial (He-normal) weights, with examples as rows; each framework's first result (for training, its first two losses) is checked against Strata's before timing; a peer whose timed calls leave tensors behind is marked as leaking.",
    "relu: 1e7 elements, GB/s = 8e7 bytes (read + written) / median time. Peers' times include reading the result back into a Float32Array",
    `(dataSync); Strata's result is already in JS memory, so its figure is the same in both relu rows. Without read-back: ${[...new Set(withoutReadBack)].join("; ")}.`,
    `LeNet: Sequential(Conv2d 1→8 5×5, ReLU, MaxPool2d 2, Conv2d 8→16 5×5, ReLU, MaxPool2d 2, Flatten, Linear 256→10) in Strata, the same net in each peer; X (${LENET_BATCH},1,28,28) uniform [0,1), labels 0..9, PyTorch-style initial weights, mean cross-entropy, SGD lr 0.05. tfjs in NHWC (its CPU kernels' layout); PyTorch timed in its own process on one thread.`,
    `MNIST epoch (Strata only): examples/mnist/run.ts's network and training (Adam lr 0.001, batch 128, shuffled) for one epoch over random`,
    `MNIST-shaped data (pixels uniform [0,1), labels 0..9: no data dependency), training pass only${quick ? `; ${MNIST_EXAMPLES} examples timed, x10` : ""}.`,
  ];
}

/** Runs the comparison, prints one table and returns every timing. */
export async function run(): Promise<CompareResults> {
  const withoutReadBack: string[] = [];
  const seqNotes: string[] = [];
  // `--rows lstm,transformer` measures only those rows (keys as in the JSON results); `--quick`
  // leaves out the sequence rows unless named there (tfjs-cpu takes minutes per LSTM step)
  const rowsAt = process.argv.indexOf("--rows");
  const keep = rowsAt >= 0 ? process.argv[rowsAt + 1]?.split(",") : undefined;
  const planned = plans(withoutReadBack, seqNotes);
  const unknown = keep?.filter((k) => !planned.some((r) => r.key === k)) ?? [];
  if (unknown.length > 0) throw new Error(`compare: unknown row ${unknown.join(", ")}; expected some of ${planned.map((r) => r.key).join(", ")}`);
  const rows = keep ? planned.filter((r) => keep.includes(r.key)) : quick ? planned.filter((r) => !SEQ_ROWS.includes(r.key)) : planned;
  const cells: Record<string, Record<string, Cell>> = Object.fromEntries(rows.map((r) => [r.key, {}]));
  const kernels = kernelOptions();
  const simdKernels = kernels.wasm ? `WebAssembly SIMD, ${kernels.threads} thread${kernels.threads === 1 ? "" : "s"}` : "TypeScript, 1 thread";
  const labels: Record<string, string> = {
    strata: `Strata (matmul, Dense layers, exp/log/sigmoid/tanh/relu, add/sub/mul/div/maximum/minimum, reductions: ${simdKernels}; other ops: TypeScript, 1 thread)`,
  };
  for (const row of rows) cells[row.key]!.strata = await row.strata();
  for (const { id, load } of PEERS) {
    let peer: Peer;
    try {
      peer = await load();
    } catch (e) {
      labels[id] = `${id} (failed to load: ${reasonOf(e)})`;
      for (const row of rows) if (row.peer) cells[row.key]![id] = { error: `load: ${reasonOf(e)}` };
      continue;
    }
    labels[id] = peer.label;
    for (const row of rows) {
      if (!row.peer || (peer.rows && !peer.rows.includes(row.key))) continue;
      try {
        await peer.activate();
        cells[row.key]![id] = await row.peer(peer);
      } catch (e) {
        cells[row.key]![id] = { error: reasonOf(e) };
      }
    }
    // a failure to release is worth a line, not the rest of the run
    await peer.close().catch((e: unknown) => console.log(`${id}: close failed: ${reasonOf(e)}`));
  }
  const peerIds = PEERS.map((p) => p.id);
  const show = (c: Cell | undefined): string | number => (c === undefined ? "—" : "value" in c ? c.value : `n/a: ${c.error}`);
  const showRatio = (x: number | null): string => (x === null ? "—" : `${x.toFixed(2)}x`);
  const table = rows.map((r) => [
    `${r.title} (${r.unit})`, show(cells[r.key]!.strata), ...peerIds.map((id) => show(cells[r.key]![id])),
    ...peerIds.map((id) => showRatio(ratio(cells[r.key]!.strata, cells[r.key]![id]))),
  ]);
  printTable("Strata against TensorFlow.js and jax-js (median rate)", ["workload", "Strata", ...peerIds, ...peerIds.map((id) => `Strata/${id}`)], table);
  // the other rows' notes only when one of them ran (first line and labels always)
  const general = footnote(labels, withoutReadBack);
  const otherRows = rows.some((r) => !SEQ_ROWS.includes(r.key)) ? general : general.slice(0, 1 + Object.keys(labels).length);
  const notes = [...otherRows, ...(rows.some((r) => SEQ_ROWS.includes(r.key)) ? seqFootnote(seqNotes) : [])];
  for (const line of notes) console.log(`  ${line}`);
  return {
    quick,
    labels,
    withoutReadBack,
    rows: Object.fromEntries(rows.map((r) => [r.key, {
      title: r.title, unit: r.unit, cells: cells[r.key]!,
      strataOver: Object.fromEntries(peerIds.map((id) => [id, ratio(cells[r.key]!.strata, cells[r.key]![id])])),
    }])),
    footnote: notes,
  };
}
