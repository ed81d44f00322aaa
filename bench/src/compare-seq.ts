// The comparison's two sequence-model rows (issue 18): one SGD step of an LSTM and of a
// transformer language model, from the same tokens and initial weights (seq-specs.ts) in every
// framework. As for the LeNet row, each framework's first two losses are checked against Strata's
// before it is timed, and PyTorch times itself in its own process. These steps take
// from a tenth of a second to over a minute, so the two checked steps are the warm-up, and a
// framework whose step takes over a second is timed three times, over ten seconds once.
import { quick, time, timingOf, timingPlan, type Timing } from "./harness.js";
import { reasonOf, relativeError, type Peer, type Prepared } from "./peers/types.js";
import type { SeqLmSpec } from "./peers/seq-types.js";
import { lstmLmSpec, transformerLmSpec } from "./seq-specs.js";
import { strataSeqStep } from "./seq-strata.js";
import type { Cell } from "./compare-measure.js";

const LOSS_TOLERANCE = 1e-4;
// At lr 0.1 the LSTM's loss falls by about 7e-5 in the first step, 2e-5 of its value: within the
// losses' tolerance. So the fall itself is also checked, to within a quarter of Strata's (float32
// noise in two losses near 4.2 is a few 1e-6), which a missing or wrong gradient does not meet.
const DROP_TOLERANCE = 0.25;
const SLOW_STEP_MS = 1000;
const VERY_SLOW_STEP_MS = 10_000;

/** The keys of these rows, which `--quick` leaves out unless `--rows` names them. */
export const SEQ_ROWS = ["lstm", "transformer"];

/** A row of the comparison as compare.ts plans it. */
export interface SeqRowPlan {
  key: string;
  title: string;
  unit: string;
  /** Strata's variants, eager ("strata") first: its losses are what the others must reproduce. */
  strata: { id: string; cell: () => Promise<Cell> }[];
  peer: (peer: Peer) => Promise<Cell>;
}

const stepsPerS = (ms: number): number => 1000 / ms;

function cellOf(timing: Timing): Cell {
  const { medianMs, minMs, maxMs, reps } = timing;
  return { medianMs, minMs, maxMs, maxOverMin: maxMs / minMs, reps, value: stepsPerS(medianMs), fastest: stepsPerS(minMs), slowest: stepsPerS(maxMs) };
}

/** Why two first losses are not Strata's, or null when they are. */
function wrongLosses(got: [number, number], want: [number, number]): string | null {
  const error = relativeError(got, want);
  if (!(error <= LOSS_TOLERANCE)) return `wrong result: rel. error ${error.toExponential(1)}`;
  const [drop, wantDrop] = [got[0] - got[1], want[0] - want[1]];
  if (!(Math.abs(drop - wantDrop) <= DROP_TOLERANCE * Math.abs(wantDrop))) return `wrong step: loss fell ${drop.toExponential(2)}, Strata's ${wantDrop.toExponential(2)}`;
  return null;
}

/** The harness's plan after two steps already run (compiled, warmed): no more warm-up, and fewer
 * repetitions for a slow step (tfjs-cpu's LSTM step takes over a minute). */
function planAfter(stepMs: number): { warmup: number; reps?: number } {
  if (stepMs > VERY_SLOW_STEP_MS) return { warmup: 0, reps: 1 };
  return stepMs > SLOW_STEP_MS ? { warmup: 0, reps: 3 } : { warmup: quick ? 0 : 1 };
}

/** The first two losses and the second step's time (the first may include a jit's compilation). */
function twoSteps(p: Prepared<number>): [[number, number], number] {
  const first = p.run();
  const t0 = performance.now();
  const second = p.run();
  return [[first, second], performance.now() - t0];
}

/** Times `build()`'s step as `label` after checking its first two losses; frees it. `liveObjects` counts a peer's tensors, for leaks. */
function measureSteps(label: string, build: () => Prepared<number>, want: [number, number] | null, liveObjects?: () => number): Cell {
  let prepared: Prepared<number> | undefined;
  try {
    prepared = build();
    const p = prepared;
    const [losses, stepMs] = twoSteps(p);
    const wrong = want ? wrongLosses(losses, want) : null;
    if (wrong) return { error: wrong };
    const before = liveObjects?.();
    const timing = time(label, () => p.run(), planAfter(stepMs));
    const grown = before === undefined ? 0 : liveObjects!() - before;
    if (grown > 0) return { error: `leaks: ${grown} tensors left by ${timing.reps} calls` };
    return cellOf(timing);
  } catch (e) {
    return { error: reasonOf(e) };
  } finally {
    prepared?.dispose();
  }
}

function peerCell(peer: Peer, spec: SeqLmSpec, want: [number, number] | null): Cell {
  if (peer.timedSeqStep) {
    try {
      const { losses, samplesMs } = peer.timedSeqStep(spec, timingPlan());
      const wrong = want ? wrongLosses(losses, want) : null;
      return wrong ? { error: wrong } : cellOf(timingOf(peer.id, samplesMs));
    } catch (e) {
      return { error: reasonOf(e) };
    }
  }
  if (!peer.seqStep) return { error: "cannot train this net" };
  return measureSteps(peer.id, () => peer.seqStep!(spec), want, peer.liveObjects?.bind(peer));
}

/** The rows, keyed "lstm" and "transformer"; `notes` collects what the footnote should say. */
export function seqRowPlans(notes: string[]): SeqRowPlan[] {
  const specs = [lstmLmSpec(41), transformerLmSpec(42)];
  return specs.map((spec) => {
    // Strata's first two losses are what the peers must reproduce; found when its cell is measured
    // (Strata's row comes before every peer's).
    let want: [number, number] | null = null;
    const strata = async (): Promise<Cell> => {
      let prepared: Prepared<number> | undefined;
      try {
        prepared = strataSeqStep(spec);
        const p = prepared;
        const [losses, stepMs] = twoSteps(p);
        want = losses;
        notes.push(`${spec.kind}: Strata's first two losses ${losses.map((l) => l.toFixed(6)).join(", ")}`);
        return cellOf(time("strata", () => p.run(), planAfter(stepMs)));
      } catch (e) {
        notes.push(`${spec.kind}: no Strata row (${reasonOf(e)}), so the peers' losses were not checked`);
        return { error: reasonOf(e) };
      } finally {
        prepared?.dispose();
      }
    };
    const compiled = async (): Promise<Cell> => measureSteps("strata-compiled", () => strataSeqStep(spec, "compiled"), want);
    const title = spec.kind === "lstm"
      ? `LSTM LM: Embedding(${spec.vocab},${spec.embeddingDim}), LSTM(${spec.embeddingDim},${spec.hiddenSize}, ${spec.numLayers} layers), batch ${spec.batch}×${spec.seqLen}, SGD step`
      : `Transformer LM: d ${spec.dModel}, ${spec.nhead} heads, ff ${spec.dimFeedforward}, ${spec.numLayers} layers, causal, batch ${spec.batch}×${spec.seqLen}, SGD step`;
    return {
      key: spec.kind, title, unit: "steps/s", peer: async (p: Peer) => peerCell(p, spec, want),
      strata: [{ id: "strata", cell: strata }, { id: "strata-compiled", cell: compiled }],
    };
  });
}

/** The footnote's lines for these rows, with what happened in this run (`notes`). */
export function seqFootnote(notes: string[]): string[] {
  return [
    "LSTM and Transformer LM (issue 18): tokens (32, 65) uniform in 0..64, input tokens[:, :64], target tokens[:, 1:], mean cross-entropy over the 2048 positions, SGD lr 0.1;",
    "initial weights drawn once with PyTorch's default init ranges, in PyTorch's state-dict layout, given to every framework. First two losses checked against Strata's (1e-4, and the first",
    `step's fall within ${DROP_TOLERANCE * 100}% of Strata's); those two steps are the warm-up; a step over ${SLOW_STEP_MS / 1000} s is timed 3 times, over ${VERY_SLOW_STEP_MS / 1000} s once. PyTorch: torch.nn.LSTM / TransformerEncoder in its own process.`,
    "jax-js: one jit per step; the LSTM unrolled over its 64 steps (no scan or loop primitive); attention from matmul + softmax (its nn.dotProductAttention calls iterator helpers Node 20 lacks).",
    "tfjs: tf ops + train.sgd().minimize (tf.layers is not in tfjs-core, and its LSTM has one bias where PyTorch has two); embeddings as products with one-hot ids in jax-js and tfjs",
    "(tf.gather's gradient needs UnsortedSegmentSum, which tfjs-wasm lacks).",
    ...notes,
  ];
}
