// Fusing a recording's chains of elementwise ops: a·b + c recorded as two pieces of work (a·b
// into t, then t + c) replays as one pass over the elements, each block of t still in the cache
// when the add reads it. Ops describe themselves to `compute` (an ElementwiseStep); after the
// recording, runs of consecutive steps of one size and dtype, each reading an earlier one's
// output, become one piece of work that runs the chain on the kernels and falls back to the
// original pieces whenever the chain cannot run there (the kernels turned off, an operand no
// longer resident). Every output is still written, so whatever reads one later, inside the
// recording or out of it, sees the value the ops one by one would give, bit for bit.
import { wasmEnabled } from "./backend.js";
import type { ChainOp, ChainSlot } from "./backends/backend.js";
import { isResident } from "./backends/wasm/heap.js";
import { chainKernel } from "./dispatch/dispatch.js";
import { THRESHOLDS } from "./dispatch/thresholds.js";
import { dtypeOfArray, type DataArray } from "./dtype.js";
import type { Shape } from "./shape.js";
import { Tensor } from "./tensor.js";
import { reachable } from "./reachable.js";

/**
 * What an elementwise op tells {@link compute} about its work: `out = op(x; alpha)` (a map, one
 * operand) or `out = a ∘ b` broadcast to `shape`. @internal
 */
export interface ElementwiseStep {
  map: boolean;
  op: string;
  operands: readonly (Tensor | number)[];
  out: DataArray;
  shape: Shape;
  alpha: number;
}

/** A step the chain kernel can run: its first operand full, the other full or a number. */
interface Planned {
  step: ElementwiseStep;
  wide: boolean;
  full: Tensor;
  other: Tensor | number | null;
  swapped: boolean;
}

const sameShape = (t: Tensor, shape: Shape): boolean => t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);

/** Whether `t` lines up element for element with the output: contiguous, same shape and dtype, resident. */
function full(t: Tensor | number | undefined, step: ElementwiseStep): t is Tensor {
  return t instanceof Tensor && t.isContiguous && t.dtype === dtypeOfArray(step.out) && sameShape(t, step.shape) && isResident(t.data);
}

/** How the chain kernel would run `step`, or null when it would not (as the dispatcher would not send it to the kernels alone). */
function plan(step: ElementwiseStep | null): Planned | null {
  if (step === null || !wasmEnabled()) return null;
  const { out, operands } = step;
  if (!(out instanceof Float32Array || out instanceof Float64Array) || !isResident(out)) return null;
  if (out.length < (step.map ? THRESHOLDS.wasmMap : THRESHOLDS.wasmBinary)) return null;
  const wide = out instanceof Float64Array;
  const [a, b] = operands;
  if (step.map) return full(a, step) ? { step, wide, full: a, other: null, swapped: false } : null;
  for (const swapped of [false, true]) {
    const [x, y] = swapped ? [b, a] : [a, b];
    if (full(x, step) && (typeof y === "number" || full(y, step))) return { step, wide, full: x, other: y!, swapped };
  }
  return null;
}

/** Whether `p` reads one of `outputs` (the chain's so far), each read lining up with it. */
function continues(p: Planned, outputs: ReadonlySet<DataArray>): boolean {
  const tensors = [p.full, p.other].filter((t): t is Tensor => t instanceof Tensor);
  const reads = tensors.filter((t) => outputs.has(t.data));
  return reads.length > 0 && reads.every((t) => t.offset === 0);
}

/**
 * One piece of work running `chain` on the kernels, or `originals` one by one when it cannot.
 * Outputs in `dead` (read by nothing after the chain) live in a scratch block instead of memory.
 */
function chainWork(chain: readonly Planned[], originals: readonly (() => void)[], dead: ReadonlySet<DataArray>): () => void {
  const slots: ChainSlot[] = [];
  const outputSlots = new Map<DataArray, number>();
  const arraySlot = (t: Tensor): number =>
    outputSlots.get(t.data) ?? slots.push({ kind: "array", values: () => ({ data: t.data, offset: t.offset }) }) - 1;
  const ops: ChainOp[] = chain.map((p) => {
    const a = arraySlot(p.full);
    const value = p.step.map ? p.step.alpha : p.other;
    const b = value instanceof Tensor
      ? arraySlot(value)
      : slots.push({ kind: "number", value: value!, wide: !p.wide && Math.fround(value!) !== value && !Number.isNaN(value) }) - 1;
    const written = p.step.out;
    const out = slots.push(dead.has(written) ? { kind: "scratch" } : { kind: "array", values: () => ({ data: written, offset: 0 }) }) - 1;
    outputSlots.set(written, out);
    return { map: p.step.map, op: p.step.op, swapped: p.swapped, out, a, b };
  });
  const request = { wide: chain[0]!.wide, n: chain[0]!.step.out.length, slots, ops };
  return () => {
    if (chainKernel(request)) return;
    for (const work of originals) work();
  };
}

/**
 * The outputs of the chain in `chain` that nothing reads after it, given the steps after it and
 * the recorded call's result: none when a later piece of work does not say what it reads.
 */
function deadOutputs(chain: readonly Planned[], later: readonly (ElementwiseStep | null)[], result: unknown): Set<DataArray> {
  const live = new Set<unknown>();
  for (const step of later) {
    if (step === null) return new Set();
    for (const x of step.operands) if (x instanceof Tensor) live.add(x.data);
  }
  const { tensors, views } = reachable(result);
  for (const t of tensors) live.add(t.data);
  for (const v of views) live.add(v);
  // the last output is the chain's value: it is written even when nothing reads it yet
  return new Set(chain.slice(0, -1).map((p) => p.step.out).filter((out) => !live.has(out)));
}

/**
 * The recorded work with each chain of two or more elementwise steps replaced by one piece of
 * work that runs the chain in one pass. `steps[i]` describes `work[i]`, or is null; `result` is
 * what the recorded call returned (its tensors are read after the recording). @internal
 */
export function fuseChains(work: readonly (() => void)[], steps: readonly (ElementwiseStep | null)[], result: unknown): (() => void)[] {
  const fused: (() => void)[] = [];
  let chain: Planned[] = [];
  let originals: (() => void)[] = [];
  let outputs = new Set<DataArray>();
  const close = (next: number): void => {
    if (chain.length >= 2) fused.push(chainWork(chain, originals, deadOutputs(chain, steps.slice(next), result)));
    else fused.push(...originals);
    chain = [];
    originals = [];
    outputs = new Set();
  };
  work.forEach((w, i) => {
    const p = plan(steps[i] ?? null);
    const joins = p !== null && chain.length > 0 && p.wide === chain[0]!.wide && p.step.out.length === chain[0]!.step.out.length && continues(p, outputs);
    if (!joins) close(i);
    if (p === null) {
      fused.push(w);
      return;
    }
    chain.push(p);
    originals.push(w);
    outputs.add(p.step.out);
  });
  close(work.length);
  return fused;
}
