// The comparison's training rows, elementwise ops and matmul timed in alternation: Strata's
// compiled step or op against jax-js's jitted one, the LeNet step against PyTorch on one thread,
// the 512 product against tfjs-wasm's, round after round in one process.
// The comparison table measures each framework in a block of its own, minutes apart, and this
// host's speed moves by up to 2x within minutes (matmul 512: 46.7 and 83.7 GFLOP/s in two runs ten
// minutes apart), so a ratio from the table carries that drift. Here each round times both sides
// back to back, in alternating order; the ratio of each round's medians is the figure, and the
// spread of the rounds' ratios shows what drift is left.
import { COURSE_DIMS, COURSE_M, LENET_BATCH, MLP_BATCH, MLP_DIMS, N } from "./compare-plan.js";
import { compiledElementwise, convNetSpec, productWorkload, courseWorkload, lenetWorkload, mlpWorkload, mulAdd, mulAddWorkload, reluWorkload } from "./compare-workloads.js";
import { printTable, quick, time, timeAsync, timingOf } from "./harness.js";
import { relativeError, type Peer, type Prepared, type PreparedAsync } from "./peers/types.js";
import { relu, type Tensor } from "@strata/tensor";

const ROUNDS = quick ? 2 : 6;
const LOSS_TOLERANCE = 1e-4;

/** One side of a pair: how to build it, or (PyTorch) how to time it in its own process. */
interface Side {
  id: string;
  build?: () => Prepared<number>;
  timedOutOfProcess?: () => { losses: [number, number]; samplesMs: number[] };
}

/**
 * The peer's median time over Strata's in each of ROUNDS rounds, the two timed back to back in
 * ABBA order (neither side always runs right after the other's work).
 */
async function rounds(strataMs: () => number, peerMs: () => number | Promise<number>): Promise<number[]> {
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const [mine, theirs] = r % 2 === 0 ? [strataMs(), await peerMs()] : [await peerMs(), strataMs()].reverse();
    ratios.push(theirs! / mine!);
  }
  return ratios;
}

/** One round's median step time of `peer`: built here (`prepared`), or timed in its own process, its losses checked each time. */
function peerRoundMs(peer: Side, prepared: Prepared<number> | undefined, want: [number, number]): number {
  if (!peer.timedOutOfProcess) return time(peer.id, () => prepared!.run()).medianMs;
  const { losses, samplesMs } = peer.timedOutOfProcess();
  if (!(relativeError(losses, want) <= LOSS_TOLERANCE)) throw new Error(`${peer.id}: losses ${losses} are not Strata's ${want}`);
  return timingOf(peer.id, samplesMs).medianMs;
}

/** Strata's step rate over the peer's, round by round, after checking the peer's first two losses. */
async function alternate(strata: Side, peer: Side): Promise<number[]> {
  const mine = strata.build!();
  const theirs = peer.build?.();
  const want: [number, number] = [mine.run(), mine.run()];
  if (theirs) {
    const got: [number, number] = [theirs.run(), theirs.run()];
    if (!(relativeError(got, want) <= LOSS_TOLERANCE)) throw new Error(`${peer.id}: first losses ${got} are not Strata's ${want}`);
  }
  const ratios = await rounds(() => time(strata.id, () => mine.run()).medianMs, () => peerRoundMs(peer, theirs, want));
  mine.dispose();
  theirs?.dispose();
  return ratios;
}

/**
 * Strata's compiled elementwise op (result left in its own buffer, readable in place) over
 * jax-js's jitted one waited for without a copy (blockUntilReady), round by round, after checking
 * that jax-js's read-back result equals Strata's.
 */
async function alternateOps(strata: Prepared<Tensor>, checked: Prepared<Float32Array>, peer: PreparedAsync): Promise<number[]> {
  const mine = strata.run().toTypedArray();
  const theirs = checked.run();
  checked.dispose();
  if (relativeError(theirs, mine) !== 0) throw new Error("jax-js: the result is not Strata's");
  const ratios = await rounds(() => time("strata-compiled", () => strata.run()).medianMs, async () => (await timeAsync("jax-js", () => peer.run())).medianMs);
  peer.dispose();
  return ratios;
}

/** Strata's matmul rate over tfjs-wasm's (2 threads) on the table's 512 product, round by round. */
async function alternateProduct(): Promise<number[]> {
  const { tfjsWasmPeer } = await import("./peers/tfjs.js");
  const tfjs = await tfjsWasmPeer(2);
  await tfjs.activate();
  const built = productWorkload(N, N, N, 11);
  const theirs = tfjs.product(built.spec);
  const want = built.strata.run().toTypedArray();
  if (!(relativeError(theirs.run(), want) <= 1e-3)) throw new Error("tfjs-wasm: the product is not Strata's");
  const ratios = await rounds(() => time("strata", () => built.strata.run()).medianMs, () => time("tfjs-wasm", () => theirs.run()).medianMs);
  theirs.dispose();
  await tfjs.close();
  return ratios;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the pairs and prints each one's ratio per round, their median and spread. */
export async function run(): Promise<Record<string, number[]>> {
  const { jaxPeer } = await import("./peers/jax.js");
  const { pytorchPeer } = await import("./peers/pytorch.js");
  const jax: Peer = await jaxPeer();
  await jax.activate();
  const mlp = mlpWorkload(MLP_DIMS, MLP_BATCH, 13, "compiled");
  const course = courseWorkload(COURSE_DIMS, COURSE_M, 14, "compiled");
  const lenet = convNetSpec(LENET_BATCH, 21);
  const pairs: [string, Side, Side][] = [
    ["MLP step, compiled / jax-js", { id: "strata-compiled", build: () => mlp.strata }, { id: "jax-js", build: () => jax.trainingStep(mlp.spec) }],
    ["course net step, compiled / jax-js", { id: "strata-compiled", build: () => course.strata }, { id: "jax-js", build: () => jax.trainingStep(course.spec) }],
    ["LeNet step, compiled / jax-js", { id: "strata-compiled", build: () => lenetWorkload(lenet, "compiled") }, { id: "jax-js", build: () => jax.convStep!(lenet) }],
  ];
  if (!quick) {
    const torch = await pytorchPeer(1);
    const plan = { warmup: 3, reps: 15, budgetMs: 3000 };
    pairs.push(["LeNet step, compiled / PyTorch 1t", { id: "strata-compiled", build: () => lenetWorkload(lenet, "compiled") }, { id: "pytorch-1t", timedOutOfProcess: () => torch.timedConvStep!(lenet, plan) }]);
  }
  const results: Record<string, number[]> = {};
  const rows: (string | number)[][] = [];
  const report = (name: string, ratios: number[]): void => {
    results[name] = ratios;
    rows.push([name, median(ratios), Math.min(...ratios), Math.max(...ratios), ratios.map((x) => x.toFixed(2)).join(" ")]);
  };
  for (const [name, strata, peer] of pairs) report(name, await alternate(strata, peer));
  for (const [i, n] of [1e6, 1e7].entries()) {
    const size = `1e${Math.log10(n)}`;
    const x = reluWorkload(n, 15 + 2 * i).spec;
    const abc = mulAddWorkload(n, 16 + 2 * i).spec;
    const noCopy = (p: { prepared: Prepared<unknown> | PreparedAsync }): PreparedAsync => p.prepared as PreparedAsync;
    report(`relu ${size}, compiled / jax-js without read-back`, await alternateOps(compiledElementwise(relu, [x]), jax.relu(x), noCopy(jax.reluWithoutReadBack!(x))));
    report(`a·b + c ${size}, compiled / jax-js without read-back`, await alternateOps(compiledElementwise(mulAdd, [abc.a, abc.b, abc.c]), jax.mulAdd!(abc), noCopy(jax.mulAddWithoutReadBack!(abc))));
  }
  await jax.close();
  // loaded after jax-js has closed: the two must not share the process's Worker global at once
  report(`matmul ${N}, Strata / tfjs-wasm (2 threads)`, await alternateProduct());
  printTable(`Strata's rate over the peer's, both timed in alternation, ${ROUNDS} rounds (median of each round)`, ["pair", "median", "lowest", "highest", "rounds"], rows);
  return results;
}
