// relu and a·b + c at 1e6 and 1e7 float32 elements, eager against compiled: the comparison
// table's strata and strata-compiled variants (compare-workloads.ts), timed alone. Compiled runs
// through compile(op, { reuseResults: true }) on inputs made resident once at build time, so a
// call replays the kernel on them in place and returns the recording's own result. GB/s counts
// the bytes an op must move: 8n for relu (read x, write y), 16n for a·b + c.
import { relu } from "@strata/tensor";
import { compiledElementwise, mulAdd, mulAddWorkload, reluWorkload } from "./compare-workloads.js";
import { printTable, time } from "./harness.js";

interface Rates {
  /** GB/s at the median call. */
  eager: number;
  compiled: number;
  /** GB/s at the fastest call: on a shared machine the median mostly measures the neighbours. */
  eagerBest: number;
  compiledBest: number;
}

/** GB/s of each op and size, eager and compiled, at the median and the fastest call. */
export async function run(): Promise<Record<string, Rates>> {
  const results: Record<string, Rates> = {};
  const rows: (string | number)[][] = [];
  for (const [i, n] of [1e6, 1e7].entries()) {
    const r = reluWorkload(n, 15 + 2 * i);
    const m = mulAddWorkload(n, 16 + 2 * i);
    const cases = [
      { name: `relu 1e${Math.log10(n)}`, bytes: 8 * n, eager: r.strata, compiled: compiledElementwise(relu, [r.spec]) },
      { name: `a·b + c 1e${Math.log10(n)}`, bytes: 16 * n, eager: m.strata, compiled: compiledElementwise(mulAdd, [m.spec.a, m.spec.b, m.spec.c]) },
    ];
    for (const c of cases) {
      const rate = (ms: number): number => c.bytes / (ms * 1e6);
      const e = time(`${c.name} eager`, () => c.eager.run());
      const k = time(`${c.name} compiled`, () => c.compiled.run());
      const r: Rates = { eager: rate(e.medianMs), compiled: rate(k.medianMs), eagerBest: rate(e.minMs), compiledBest: rate(k.minMs) };
      results[c.name] = r;
      rows.push([c.name, r.eager, r.compiled, r.compiled / r.eager, r.eagerBest, r.compiledBest]);
    }
  }
  printTable("elementwise, eager vs compiled (GB/s)", ["op", "eager", "compiled", "ratio", "eager best", "compiled best"], rows);
  return results;
}
