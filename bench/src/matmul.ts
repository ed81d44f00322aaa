// Matrix product throughput: GFLOP/s = 2n³ / median time, for Strata's WebAssembly SIMD kernels
// on all threads and on one, on contiguous, transposed-view and float64 operands; for the
// TypeScript kernels they replaced (the "before" of the speed-up); and for two plain loops on
// Float32Array (the i-j-k textbook loop, which walks B down its columns, and the cache-friendlier
// i-k-j).
import { kernelOptions, matmul, rand, rng, setKernelOptions, type Tensor } from "@strata/tensor";
import { printTable, quick, time } from "./harness.js";

/** GFLOP/s of one workload at each size (null where it was skipped). */
export type MatmulResults = Record<string, Record<number, number | null>>;

const SIZES = [256, 512, 1024];

function naiveIJK(n: number, a: Float32Array, b: Float32Array, c: Float32Array): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += a[i * n + p]! * b[p * n + j]!;
      c[i * n + j] = s;
    }
  }
}

function naiveIKJ(n: number, a: Float32Array, b: Float32Array, c: Float32Array): void {
  c.fill(0);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < n; p++) {
      const x = a[i * n + p]!;
      for (let j = 0; j < n; j++) c[i * n + j] = c[i * n + j]! + x * b[p * n + j]!;
    }
  }
}

/** Runs the matmul benchmark, prints a table and returns GFLOP/s per workload and size. */
export async function run(): Promise<MatmulResults> {
  const r = rng(42);
  const initial = kernelOptions();
  const all = initial.threads;
  /** Runs `fn` with the kernel options given, restoring the initial ones afterwards. */
  const under = (options: { wasm?: boolean; threads?: number }, fn: () => unknown) => () => {
    setKernelOptions(options);
    try {
      return fn();
    } finally {
      setKernelOptions({ wasm: initial.wasm, threads: all });
    }
  };
  const workloads: { name: string; make: (n: number) => (() => unknown) | null }[] = [
    {
      name: `strata f32, ${all} threads`,
      make: (n) => {
        const [a, b] = [rand([n, n], { rng: r }), rand([n, n], { rng: r })];
        return () => matmul(a, b);
      },
    },
    {
      name: "strata f32, 1 thread",
      make: (n) => {
        const [a, b] = [rand([n, n], { rng: r }), rand([n, n], { rng: r })];
        return under({ threads: 1 }, () => matmul(a, b));
      },
    },
    {
      name: "strata f32, TypeScript kernel (before)",
      make: (n) => {
        const [a, b] = [rand([n, n], { rng: r }), rand([n, n], { rng: r })];
        return under({ wasm: false }, () => matmul(a, b));
      },
    },
    {
      name: "strata f32 Aᵀ·B (view)",
      make: (n) => {
        // at.T is a transposed (column-major) view of a contiguous tensor: no copy is made
        const at: Tensor = rand([n, n], { rng: r });
        const b = rand([n, n], { rng: r });
        return () => matmul(at.T, b);
      },
    },
    {
      name: "strata f64",
      make: (n) => {
        const [a, b] = [rand([n, n], { rng: r, dtype: "float64" }), rand([n, n], { rng: r, dtype: "float64" })];
        return () => matmul(a, b);
      },
    },
    {
      name: "strata f64, 1 thread",
      make: (n) => {
        const [a, b] = [rand([n, n], { rng: r, dtype: "float64" }), rand([n, n], { rng: r, dtype: "float64" })];
        return under({ threads: 1 }, () => matmul(a, b));
      },
    },
    {
      name: "naive i-j-k f32",
      make: (n) => {
        if (quick && n > 512) return null;
        const [a, b, c] = [rand([n, n], { rng: r }).data, rand([n, n], { rng: r }).data, new Float32Array(n * n)];
        return () => naiveIJK(n, a as Float32Array, b as Float32Array, c);
      },
    },
    {
      name: "naive i-k-j f32",
      make: (n) => {
        if (quick && n > 512) return null;
        const [a, b, c] = [rand([n, n], { rng: r }).data, rand([n, n], { rng: r }).data, new Float32Array(n * n)];
        return () => naiveIKJ(n, a as Float32Array, b as Float32Array, c);
      },
    },
  ];

  const results: MatmulResults = {};
  for (const w of workloads) {
    const row: Record<number, number | null> = (results[w.name] = {});
    for (const n of SIZES) {
      const fn = w.make(n);
      if (!fn) {
        row[n] = null;
        continue;
      }
      // a single 1024³ naive product takes seconds: time it fewer times
      const slow = n > 512 && (w.name.startsWith("naive") || w.name.includes("TypeScript"));
      const t = time(`${w.name} n=${n}`, fn, slow ? { warmup: 1, reps: 3, budgetMs: 0 } : {});
      row[n] = (2 * n ** 3) / (t.medianMs * 1e6);
    }
  }

  printTable(
    "matmul, GFLOP/s (2n³ / median time)",
    ["workload", ...SIZES.map((n) => `n=${n}`)],
    Object.entries(results).map(([name, row]) => [name, ...SIZES.map((n) => row[n] ?? "skipped")]),
  );
  return results;
}
