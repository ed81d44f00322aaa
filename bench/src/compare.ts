// Issue 20's comparison table: Strata against jax-js, TensorFlow.js (cpu and wasm backends) and
// PyTorch (1 and 2 threads, each workload in a Python process of its own) on the same workloads,
// from the same seeded inputs: every framework gets the numbers Strata drew (and Strata's initial
// weights), its first result is checked against Strata's before it is timed, and each is timed
// with the harness's plan. The rows are in compare-plan.ts. One framework runs all its workloads
// before the next loads, so that backends and thread pools never overlap. A framework that fails to load, or fails a workload, gets
// "n/a: <reason>" in its cells and the run carries on.
import { SEQ_ROWS, seqFootnote } from "./compare-seq.js";
import { COURSE_DIMS, COURSE_M, LENET_BATCH, MLP_BATCH, MNIST_EXAMPLES, N, VARIANT_LABELS, plans } from "./compare-plan.js";
import type { Cell } from "./compare-measure.js";
import type { RowPlan } from "./compare-rows.js";
import { kernelOptions } from "@strata/tensor";
import { printTable, quick } from "./harness.js";
import { reasonOf, type Peer } from "./peers/types.js";

export type { Cell } from "./compare-measure.js";

const WASM_THREADS = 2;

/** One workload: a cell per Strata variant and per peer, and the first variant's rate divided by
 * each peer's (`variantsOver` holds the same for every variant). */
export interface CompareRow {
  title: string;
  unit: string;
  cells: Record<string, Cell>;
  strataOver: Record<string, number | null>;
  variantsOver: Record<string, Record<string, number | null>>;
}

/** What the suite returns (and `--json` saves). */
export interface CompareResults {
  quick: boolean;
  labels: Record<string, string>;
  withoutReadBack: string[];
  rows: Record<string, CompareRow>;
  footnote: string[];
}

// `skip`: why the peer is left out of this run (its label says so, its cells stay empty).
const PYTORCH_SKIP = quick ? "skipped with --quick (a Python process per workload and thread count takes minutes)" : undefined;
// In the order they load: one framework's backend and threads are released before the next loads.
const PEERS: { id: string; load: () => Promise<Peer>; skip?: string }[] = [
  // Imported on demand, so that a peer that cannot even be imported only costs its own column.
  { id: "tfjs-cpu", load: async () => (await import("./peers/tfjs.js")).tfjsCpuPeer() },
  { id: "tfjs-wasm", load: async () => (await import("./peers/tfjs.js")).tfjsWasmPeer(WASM_THREADS) },
  { id: "jax-js", load: async () => (await import("./peers/jax.js")).jaxPeer() },
  { id: "pytorch-1t", load: async () => (await import("./peers/pytorch.js")).pytorchPeer(1), skip: PYTORCH_SKIP },
  { id: "pytorch-2t", load: async () => (await import("./peers/pytorch.js")).pytorchPeer(2), skip: PYTORCH_SKIP },
  // only when STRATA_OPENBLAS names a folder with OpenBLAS's libblas.so.3 (see peers/pytorch.ts)
  ...(process.env.STRATA_OPENBLAS ? [{ id: "pytorch-openblas-1t", load: async () => (await import("./peers/pytorch.js")).pytorchPeer(1, process.env.STRATA_OPENBLAS), skip: PYTORCH_SKIP }] : []),
];
// The table's column order (the issue's): peers not named here follow in load order.
const COLUMN_ORDER = ["jax-js", "tfjs-wasm", "tfjs-cpu", "pytorch-1t", "pytorch-2t"];

function ratio(strata: Cell | undefined, peer: Cell | undefined): number | null {
  return strata && peer && "value" in strata && "value" in peer ? strata.value / peer.value : null;
}

function footnote(labels: Record<string, string>, withoutReadBack: string[]): string[] {
  return [
    "Strata/peer: Strata's rate divided by the peer's (above 1x Strata is faster). Medians; float32 everywhere; same seeded inputs.",
    ...Object.entries(labels).map(([id, label]) => `${id}: ${label}`),
    `matmul: C = A·B, randn entries, GFLOP/s = 2n³ / median time; Aᵀ·B: A stored row-major, Strata multiplies the view a.T, tfjs matMul(a, b, true), jax-js matmul(a.transpose(), b), PyTorch a.T @ b.`,
    `MLP: X (784,${MLP_BATCH}) randn, 10 classes, ReLU hidden, softmax cross-entropy, backward, SGD lr 0.01; steps/s = 1000 / median ms. PyTorch: nn.Sequential of Linear and ReLU, F.cross_entropy, optim.SGD.`,
    `course net: X (${COURSE_DIMS[0]},${COURSE_M}) uniform [0,1), 0/1 labels, ReLU hidden, sigmoid output, binary cross-entropy, SGD lr 0.0075, full batch. PyTorch: torch.sigmoid + F.binary_cross_entropy.`,
    "Peers start from Strata's initial (He-normal) weights, with examples as rows; each framework's first result (for training, its first two losses) is checked against Strata's before timing; a peer whose timed calls leave tensors behind is marked as leaking.",
    "relu: GB/s = 8 bytes per element (read + written) / median time; a·b + c: 16 bytes per element (three reads, one write), Strata a.mul(b).add(c), tfjs tidy(() => add(mul(a, b), c)),",
    "jax-js jit((a, b, c) => a.mul(b).add(c)), PyTorch a * b + c (torch.add(torch.mul(a, b), c), what PyTorch users write; torch.addcmul would fuse it). Read back: the peers' times include reading",
    `the result into a Float32Array (dataSync); Strata's and PyTorch's results are already in their process's memory, so their figures are the same in both rows. Without read-back: ${[...new Set(withoutReadBack)].join("; ")}.`,
    `LeNet: Sequential(Conv2d 1→8 5×5, ReLU, MaxPool2d 2, Conv2d 8→16 5×5, ReLU, MaxPool2d 2, Flatten, Linear 256→10) in Strata, the same net in each peer; X (${LENET_BATCH},1,28,28) uniform [0,1), labels 0..9, PyTorch-style initial weights, mean cross-entropy, SGD lr 0.05. tfjs in NHWC (its CPU kernels' layout).`,
    "PyTorch: every workload in a Python process of its own per thread count (bench/python), spec handed over as JSON + binary files, first result checked against Strata's, warm-up of at least 1 s.",
    `MNIST epoch (Strata only): examples/mnist/run.ts's network and training (Adam lr 0.001, batch 128, shuffled) for one epoch over random`,
    `MNIST-shaped data (pixels uniform [0,1), labels 0..9: no data dependency), training pass only${quick ? `; ${MNIST_EXAMPLES} examples timed, x10` : ""}.`,
    `Products at n = ${N}: 1e-3 of max(1, |x|); losses: 1e-4 relative; relu and a·b + c: exact.`,
  ];
}

/** Measures every Strata variant, then each peer in turn, into `cells` (row key -> column id). */
async function measureAll(rows: RowPlan[], cells: Record<string, Record<string, Cell>>, labels: Record<string, string>): Promise<void> {
  for (const row of rows) for (const variant of row.strata) cells[row.key]![variant.id] = await variant.cell();
  for (const { id, load, skip } of PEERS) {
    if (skip) {
      labels[id] = `${id}: ${skip}`;
      continue;
    }
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
}

/** Runs the comparison, prints its tables and returns every timing. */
export async function run(): Promise<CompareResults> {
  const withoutReadBack: string[] = [];
  const seqNotes: string[] = [];
  // `--rows lstm,transformer` measures only those rows (keys as in the JSON results); `--quick`
  // leaves out the sequence rows (tfjs-cpu takes minutes per LSTM step) and the elementwise rows
  // at 1e7 (tfjs-cpu's a·b + c takes a second a call) unless named there
  const rowsAt = process.argv.indexOf("--rows");
  const keep = rowsAt >= 0 ? process.argv[rowsAt + 1]?.split(",") : undefined;
  const planned = plans(withoutReadBack, seqNotes);
  const unknown = keep?.filter((k) => !planned.some((r) => r.key === k)) ?? [];
  if (unknown.length > 0) throw new Error(`compare: unknown row ${unknown.join(", ")}; expected some of ${planned.map((r) => r.key).join(", ")}`);
  const rows = keep ? planned.filter((r) => keep.includes(r.key)) : quick ? planned.filter((r) => !SEQ_ROWS.includes(r.key) && !r.key.endsWith("1e7")) : planned;
  const cells: Record<string, Record<string, Cell>> = Object.fromEntries(rows.map((r) => [r.key, {}]));
  const kernels = kernelOptions();
  const simdKernels = kernels.wasm ? `WebAssembly SIMD, ${kernels.threads} thread${kernels.threads === 1 ? "" : "s"}` : "TypeScript, 1 thread";
  const labels: Record<string, string> = {
    strata: `Strata, eager (matmul, Dense layers, exp/log/sigmoid/tanh/relu, add/sub/mul/div/maximum/minimum, reductions: ${simdKernels}; other ops: TypeScript, 1 thread)`,
    ...VARIANT_LABELS,
  };
  await measureAll(rows, cells, labels);
  const variantIds = [...new Set(rows.flatMap((r) => r.strata.map((v) => v.id)))];
  const peerIds = [...COLUMN_ORDER.filter((id) => PEERS.some((p) => p.id === id)), ...PEERS.map((p) => p.id).filter((id) => !COLUMN_ORDER.includes(id))];
  const over = (key: string, variant: string) => Object.fromEntries(peerIds.map((id) => [id, ratio(cells[key]![variant], cells[key]![id])]));
  printTables(rows, cells, variantIds, peerIds, kernels.threads);
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
      strataOver: over(r.key, "strata"),
      variantsOver: Object.fromEntries(r.strata.map((v) => [v.id, over(r.key, v.id)])),
    }])),
    footnote: notes,
  };
}

/** The median-rate table with Strata/peer ratios (one set per Strata variant), then the
 * max/min-over-repetitions table of the training-step rows. */
function printTables(rows: RowPlan[], cells: Record<string, Record<string, Cell>>, variantIds: string[], peerIds: string[], threads: number): void {
  const show = (c: Cell | undefined): string | number => (c === undefined ? "—" : "value" in c ? c.value : `n/a: ${c.error}`);
  const showRatio = (x: number | null): string => (x === null ? "—" : `${x.toFixed(2)}x`);
  const heading = (id: string): string => (id === "strata" ? `Strata (${threads}t)` : id);
  const columns = [...variantIds, ...peerIds];
  const pairs = variantIds.flatMap((v) => peerIds.map((id) => [v, id] as const));
  const table = rows.map((r) => [
    `${r.title} (${r.unit})`, ...columns.map((id) => show(cells[r.key]![id])),
    ...pairs.map(([v, id]) => showRatio(ratio(cells[r.key]![v], cells[r.key]![id]))),
  ]);
  const ratioHeading = ([v, id]: readonly [string, string]): string => `${v === "strata" ? "Strata" : v}/${id}`;
  printTable("Strata against jax-js, TensorFlow.js and PyTorch (median rate)", ["workload", ...columns.map(heading), ...pairs.map(ratioHeading)], table);
  const steps = rows.filter((r) => r.unit === "steps/s");
  if (steps.length === 0) return;
  const spread = (c: Cell | undefined): string => (c === undefined ? "—" : "maxOverMin" in c ? `${c.maxOverMin.toFixed(2)} (${c.reps})` : "n/a");
  printTable("max/min over repetitions, training steps (repetitions in brackets)", ["workload", ...columns.map(heading)], steps.map((r) => [r.title, ...columns.map((id) => spread(cells[r.key]![id]))]));
}
