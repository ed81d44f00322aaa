// How each row of the comparison measures Strata and the peers. A row's Strata side is a list of
// named variants (a column each: "strata" is the eager API; another way of running the same
// workload, a compiled step say, is one more entry with its own id). The first variant is the
// reference: the others and every peer must reproduce its first result before they are timed.
import type { Tensor } from "@strata/tensor";
import { measure, measureOutOfProcess, measureWithoutReadBack, type Cell, type Measured, type Reference } from "./compare-measure.js";
import type { OutOfProcessWorkload, Peer, Prepared, PreparedAsync } from "./peers/types.js";

/** One way of running a workload in Strata: its column id and how to build it. */
export interface Variant<T> {
  id: string;
  build: () => Prepared<T>;
}

/** One row as the suite runs it: each Strata variant's cell, then (unless the row is Strata's
 * only) each peer's. Strata's cells are measured before any peer's. */
export interface RowPlan {
  key: string;
  title: string;
  unit: string;
  strata: { id: string; cell: () => Promise<Cell> }[];
  peer?: (peer: Peer) => Promise<Cell>;
}

/** What a checked row needs besides its title. */
export interface CheckedRow<T> {
  key: string;
  title: string;
  unit: string;
  rate: (ms: number) => number;
  variants: Variant<T>[];
  /** A Strata result as numbers (a tensor's values; a step's loss is already one). */
  values: (result: T) => ArrayLike<number>;
  /** A training step: two losses are compared, and a step must change the loss. */
  step: boolean;
  tolerance: number;
  /** A peer's cell, given the reference; absent for a Strata-only row. */
  peer?: (peer: Peer, ref: Reference) => Cell | Promise<Cell>;
  /** Cells already measured, shared with a twin row (the read-back and no-read-back rows). */
  cache?: Map<string, Promise<Cell>>;
}

const STRATA: Measured = { id: "strata" };

/** f's cell, measured once per key when the row shares a cache with its twin. */
function once(cache: Map<string, Promise<Cell>> | undefined, key: string, f: () => Cell | Promise<Cell>): Promise<Cell> {
  if (!cache) return Promise.resolve(f());
  if (!cache.has(key)) cache.set(key, Promise.resolve().then(f));
  return cache.get(key)!;
}

/** A row whose variants after the first, and whose peers, are checked against the first variant. */
export function checkedRow<T>(row: CheckedRow<T>): RowPlan {
  let ref: Reference | null = null;
  const noReference: Cell = { error: "no Strata reference to check against" };
  const strata = row.variants.map((variant, i) => ({
    id: variant.id,
    cell: async () => once(row.cache, `strata:${variant.id}`, () => {
      if (i > 0 && !ref) return noReference;
      const who = { ...STRATA, id: `strata ${row.key} ${variant.id}` };
      const onFirst = (first: ArrayLike<number>): void => {
        if (i === 0) ref = { want: Array.from(first), tolerance: row.tolerance, step: row.step };
      };
      return measure(who, variant.build, { step: row.step, values: row.values, ref: i === 0 ? null : ref, onFirst }, row.rate);
    }),
  }));
  const peer = row.peer;
  return {
    key: row.key, title: row.title, unit: row.unit, strata,
    peer: peer && (async (p) => once(row.cache, `peer:${p.id}`, () => (ref ? peer(p, ref) : noReference))),
  };
}

/** A peer's cell: out of process where the peer times itself there, else built here by `build`
 * (undefined: the peer cannot run this workload). */
export function peerCell(workload: OutOfProcessWorkload, build: (p: Peer) => Prepared<unknown> | undefined, rate: (ms: number) => number): (p: Peer, ref: Reference) => Cell {
  return (p, ref) => {
    if (p.outOfProcess) return measureOutOfProcess(p.id, (plan) => p.outOfProcess!(workload, plan), ref, rate);
    return measure(p, () => build(p) ?? cannot(p), { step: ref.step, values: (r) => r as ArrayLike<number>, ref }, rate);
  };
}

function cannot(p: Peer): never {
  throw new Error(`${p.id} has no such op`);
}

/**
 * An elementwise op's two rows: read back (checked, `key`) and without read-back
 * (`${key}NoReadBack`). Strata's output is already in JS memory and PyTorch's in its process's, so
 * their cells are measured once and shown in both; tfjs and jax-js are timed up to their own
 * synchronisation in the second row (`hows` collects what that was).
 */
export function elementwiseRows(row: Omit<CheckedRow<Tensor>, "values" | "step" | "peer" | "cache"> & {
  workload: OutOfProcessWorkload;
  readBack: (p: Peer) => Prepared<Float32Array> | undefined;
  /** How to build the peer's op without read-back; undefined when it has none. */
  withoutReadBack: (p: Peer) => (() => { how: string; prepared: Prepared<unknown> | PreparedAsync }) | undefined;
  hows: string[];
}): [RowPlan, RowPlan] {
  const cache = new Map<string, Promise<Cell>>();
  const checked = checkedRow<Tensor>({ ...row, values: (t) => t.toTypedArray(), step: false, cache, peer: peerCell(row.workload, row.readBack, row.rate) });
  const quiet: RowPlan = {
    key: `${row.key.replace(/\d.*$/, "")}NoReadBack${row.key.match(/\d.*$/)?.[0] ?? ""}`,
    title: row.title.replace("read back", "peers without read-back"),
    unit: row.unit,
    strata: checked.strata,
    peer: async (p) => {
      if (p.outOfProcess) return checked.peer!(p);
      const build = row.withoutReadBack(p);
      if (!build) return { error: "no way to wait without a copy" };
      return measureWithoutReadBack(p, build, row.rate, row.hows);
    },
  };
  return [checked, quiet];
}
