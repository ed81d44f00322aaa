// Elementwise throughput: GB/s = (bytes read + bytes written) / median time, on float32 data of
// 1e5 elements (fits in cache) and 1e7 (memory-bound), with contiguous and transposed inputs.
// Three implementations, each allocating its output per call as a user would:
//   strata       the library's ops (plain-loop fast paths, ndarray-ops for strided inputs)
//   ndarray-ops  ndarray-ops called directly: what the library would be without its fast paths
//                (sigmoid composed of neg, exp, add 1, reciprocal as four passes)
//   naive        a hand-written double loop with explicit strides
// and the last two again writing into one preallocated output, to show what allocation costs.
// A second table compares kernel styles: a hand-written loop per op against one closure factory.
import ops from "ndarray-ops";
import type { NdArray } from "ndarray";
import { add, exp, randn, relu, rng, sigmoid, toNdarray, zeros, type Tensor } from "@strata/tensor";
import { printTable, quick, time } from "./harness.js";

type Nd = NdArray;

/** One measured workload. */
export interface ElementwiseResult {
  op: string;
  layout: "contiguous" | "transposed";
  size: number;
  impl: "strata" | "ndarray-ops" | "naive" | "ndarray-ops prealloc" | "naive prealloc";
  medianMs: number;
  gbPerS: number;
}

type F32 = Float32Array;
// Naive loops: o (n×m, row-major) from inputs read at i·s0 + j·s1.
function naiveAdd(n: number, m: number, o: F32, a: F32, as0: number, as1: number, b: F32, bs0: number, bs1: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) o[i * m + j] = a[i * as0 + j * as1]! + b[i * bs0 + j * bs1]!;
}
function naiveRelu(n: number, m: number, o: F32, a: F32, s0: number, s1: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) { const x = a[i * s0 + j * s1]!; o[i * m + j] = x > 0 ? x : 0; }
}
function naiveExp(n: number, m: number, o: F32, a: F32, s0: number, s1: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) o[i * m + j] = Math.exp(a[i * s0 + j * s1]!);
}
function naiveSigmoid(n: number, m: number, o: F32, a: F32, s0: number, s1: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) o[i * m + j] = 1 / (1 + Math.exp(-a[i * s0 + j * s1]!));
}

interface Workload {
  op: string;
  /** Bytes read and written per call. */
  bytes: number;
  strata: () => unknown;
  /** Given how to get the output: a fresh one per call, or always the same. */
  ndops: (out: () => Tensor) => unknown;
  naive: (out: () => F32) => unknown;
}

function workloads(n: number, m: number, layout: "contiguous" | "transposed"): Workload[] {
  const r = rng(7);
  const N = n * m;
  // A transposed input is the .T view of a contiguous (m, n) tensor: strides (1, n).
  const input = (): Tensor => (layout === "contiguous" ? randn([n, m], { rng: r }) : randn([m, n], { rng: r }).T);
  const [a, b, col] = [input(), input(), randn([n, 1], { rng: r })];
  const colView = col.broadcastTo([n, m]);
  const [as0, as1] = a.strides as [number, number];
  const [bs0, bs1] = b.strides as [number, number];
  const [ad, bd, cd] = [a.data as F32, b.data as F32, col.data as F32];
  return [
    { op: "add", bytes: 12 * N, strata: () => add(a, b), ndops: (out) => ops.add(toNdarray(out()), toNdarray(a), toNdarray(b)), naive: (f32) => naiveAdd(n, m, f32(), ad, as0, as1, bd, bs0, bs1) },
    { op: "add (n,m)+(n,1)", bytes: 8 * N + 4 * n, strata: () => add(a, col), ndops: (out) => ops.add(toNdarray(out()), toNdarray(a), toNdarray(colView)), naive: (f32) => naiveAdd(n, m, f32(), ad, as0, as1, cd, 1, 0) },
    { op: "relu", bytes: 8 * N, strata: () => relu(a), ndops: (out) => ops.maxs(toNdarray(out()), toNdarray(a), 0), naive: (f32) => naiveRelu(n, m, f32(), ad, as0, as1) },
    { op: "exp", bytes: 8 * N, strata: () => exp(a), ndops: (out) => ops.exp(toNdarray(out()), toNdarray(a)), naive: (f32) => naiveExp(n, m, f32(), ad, as0, as1) },
    {
      op: "sigmoid", bytes: 8 * N, strata: () => sigmoid(a),
      ndops: (out) => { const o = toNdarray(out()); ops.neg(o, toNdarray(a)); ops.expeq(o); ops.addseq(o, 1); ops.recipeq(o); },
      naive: (f32) => naiveSigmoid(n, m, f32(), ad, as0, as1),
    },
  ];
}

// Kernel styles, on the contiguous add: why the library writes one loop per op.
function handAdd(o: F32, a: F32, b: F32): void { for (let i = 0; i < o.length; i++) o[i] = a[i]! + b[i]!; }
function factory(f: (x: number, y: number) => number) {
  return (o: F32, a: F32, b: F32): void => { for (let i = 0; i < o.length; i++) o[i] = f(a[i]!, b[i]!); };
}
function soloFactory(f: (x: number, y: number) => number) {
  return (o: F32, a: F32, b: F32): void => { for (let i = 0; i < o.length; i++) o[i] = f(a[i]!, b[i]!); };
}

function kernelStyles(N: number): { style: string; gbPerS: number }[] {
  const [a, b, o] = [new Float32Array(N).map((_, i) => i % 7), new Float32Array(N).fill(0.5), new Float32Array(N)];
  const shared = [(x: number, y: number) => x + y, (x: number, y: number) => x * y, (x: number, y: number) => x - y, Math.max, Math.min, Math.pow,
    (x: number, y: number) => x / y, (x: number, y: number) => +(x < y)].map(factory);
  for (const k of shared) k(o, a, b); // every op has run once, as in a real program: `f` is megamorphic
  const solo = soloFactory((x, y) => x + y);
  const styles: [string, () => void][] = [["hand-written loop", () => handAdd(o, a, b)], ["factory, 8 ops share it", () => shared[0]!(o, a, b)], ["factory, used by add only", () => solo(o, a, b)]];
  return styles.map(([style, fn]) => ({ style, gbPerS: (12 * N) / (time(style, fn).medianMs * 1e6) }));
}

/** Runs the elementwise benchmark, prints two tables and returns the figures. */
export async function run(): Promise<{ ops: ElementwiseResult[]; kernelStyles: { size: number; style: string; gbPerS: number }[] }> {
  const sizes: [number, number][] = quick ? [[250, 400]] : [[250, 400], [2500, 4000]];
  const results: ElementwiseResult[] = [];
  const rows: (string | number)[][] = [];
  for (const [n, m] of sizes) {
    for (const layout of ["contiguous", "transposed"] as const) {
      const [fixedT, fixedA] = [zeros([n, m]), new Float32Array(n * m)];
      for (const w of workloads(n, m, layout)) {
        const impls: [ElementwiseResult["impl"], () => unknown][] = [
          ["strata", w.strata],
          ["ndarray-ops", () => w.ndops(() => zeros([n, m]))],
          ["naive", () => w.naive(() => new Float32Array(n * m))],
          ["ndarray-ops prealloc", () => w.ndops(() => fixedT)],
          ["naive prealloc", () => w.naive(() => fixedA)],
        ];
        const gb: Record<string, number> = {};
        for (const [impl, fn] of impls) {
          const t = time(`${w.op} ${impl}`, fn);
          gb[impl] = w.bytes / (t.medianMs * 1e6);
          results.push({ op: w.op, layout, size: n * m, impl, medianMs: t.medianMs, gbPerS: gb[impl]! });
        }
        const ratio = `${(gb.strata! / gb["ndarray-ops"]!).toFixed(2)}x`;
        rows.push([w.op, layout, (n * m).toExponential(0), ...impls.map(([impl]) => gb[impl]!), ratio]);
      }
    }
  }
  printTable("Elementwise float32, GB/s (bytes read + written / median time, output allocated per call)",
    ["op", "input layout", "elements", "strata", "ndarray-ops", "naive loop", "ndarray-ops, prealloc", "naive, prealloc", "strata/ndarray-ops"], rows);
  const styles = sizes.flatMap(([n, m]) => kernelStyles(n * m).map((s) => ({ size: n * m, ...s })));
  printTable("Kernel style: contiguous float32 add, GB/s", ["style", "elements", "GB/s"], styles.map((s) => [s.style, s.size.toExponential(0), s.gbPerS]));
  return { ops: results, kernelStyles: styles };
}
