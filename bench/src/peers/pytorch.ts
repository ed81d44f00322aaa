// PyTorch as a peer on a given number of threads (1 or 2: torch.set_num_threads in each process),
// when `python3 -c "import torch"` works on this machine (Debian's python3-torch, 1.13). Every
// workload runs in a Python process of its own (bench/python/*.py: product.py, network_step.py,
// elementwise.py, lenet_step.py, lstm_step.py, transformer_step.py), which loads the spec (JSON,
// with the large arrays as binary float32/int32 files beside it), warms up for at least a second,
// times the call with the harness's plan and reports the samples; the first result (a training
// step's first two losses, an op's output) comes back for the comparison to check against Strata's.
//
// Debian's python3-torch is built with BLAS_INFO=generic and links libblas.so.3, which is the
// reference BLAS unless an optimised one is installed as its alternative: then its products run
// at 2.5-3.5 GFLOP/s on one thread (OpenBLAS: 33-43). Convolutions go through oneDNN and do not
// notice; the products, the fully connected steps and the sequence models do. So another peer
// runs the same interpreter with OpenBLAS when STRATA_OPENBLAS names a folder holding its
// libblas.so.3 (from the libopenblas0-pthread package, `apt-get download` + `dpkg -x` do without
// installing it), and the label names the BLAS library each process loaded.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SeqLmSpec } from "./seq-types.js";
import type { ConvNetSpec, OutOfProcessTiming, OutOfProcessWorkload, Peer } from "./types.js";

// the first interpreter that imports torch: STRATA_PYTHON if set, else python3 on the PATH, else
// Debian's own (a pyenv or venv python3 on the PATH does not see Debian's python3-torch)
const CANDIDATES = process.env.STRATA_PYTHON ? [process.env.STRATA_PYTHON] : ["python3", "/usr/bin/python3"];
const scriptOf = (name: string): string => fileURLToPath(new URL(`../../python/${name}`, import.meta.url));

function notMeasured(): never {
  throw new Error("PyTorch is measured out of process (outOfProcess), never in this one");
}

type Plan = { warmup: number; reps: number; budgetMs: number };

/** The interpreter, environment and thread count a peer's Python processes run with. */
type Runtime = { python: string; env: NodeJS.ProcessEnv; threads: number };

/** Arrays handed over as binary files (row-major, little-endian as on every host here). */
type Arrays = Record<string, { data: Float32Array | Int32Array; shape: number[] }>;

function timedConvStep(runtime: Runtime, spec: ConvNetSpec, plan: Plan): { losses: [number, number]; samplesMs: number[] } {
  const layer = (w: ConvNetSpec["conv1"]) => ({ weight: [...w.weight], weightShape: w.weightShape, bias: [...w.bias] });
  return lossesOf(timedInPython(runtime, "lenet_step.py", {
    ...plan, n: spec.n, X: [...spec.X], labels: [...spec.labels], lr: spec.lr,
    conv1: layer(spec.conv1), conv2: layer(spec.conv2), fc: layer(spec.fc),
  }));
}

function timedSeqStep(runtime: Runtime, spec: SeqLmSpec, plan: Plan): { losses: [number, number]; samplesMs: number[] } {
  const params = Object.fromEntries(Object.entries(spec.params).map(([name, p]) => [name, { shape: p.shape, data: [...p.data] }]));
  return lossesOf(timedInPython(runtime, `${spec.kind}_step.py`, { ...plan, ...spec, tokens: [...spec.tokens], params }));
}

function lossesOf({ result, samplesMs }: OutOfProcessTiming): { losses: [number, number]; samplesMs: number[] } {
  return { losses: [result[0]!, result[1]!], samplesMs };
}

function outOfProcess(runtime: Runtime, workload: OutOfProcessWorkload, plan: Plan): OutOfProcessTiming {
  const vector = (data: Float32Array) => ({ data, shape: [data.length] });
  switch (workload.kind) {
    case "product": {
      const { a, aShape, b, bShape, transposeA } = workload.spec;
      return timedInPython(runtime, "product.py", { ...plan, transposeA }, { a: { data: a, shape: aShape }, b: { data: b, shape: bShape } }, true);
    }
    case "trainingStep": {
      const { layerDims, weights, biases, X, m, head, lr } = workload.spec;
      const arrays: Arrays = { X: vector(X) };
      weights.forEach((w, l) => (arrays[`W${l}`] = vector(w)));
      biases.forEach((b, l) => (arrays[`b${l}`] = vector(b)));
      if (head.kind === "softmax") arrays.classes = { data: head.classes, shape: [head.classes.length] };
      else arrays.labels = vector(head.labels);
      return timedInPython(runtime, "network_step.py", { ...plan, layerDims, m, lr, head: head.kind }, arrays, false);
    }
    case "relu":
      return timedInPython(runtime, "elementwise.py", { ...plan, op: "relu" }, { x: vector(workload.spec) }, true);
    case "mulAdd": {
      const { a, b, c } = workload.spec;
      return timedInPython(runtime, "elementwise.py", { ...plan, op: "mulAdd" }, { a: vector(a), b: vector(b), c: vector(c) }, true);
    }
  }
}

/**
 * Runs one of bench/python's scripts on `input` (a JSON file, with `arrays` as binary files beside
 * it); with `output`, the script writes its first result to a file this returns.
 */
function timedInPython({ python, env, threads }: Runtime, name: string, input: object, arrays: Arrays = {}, output = false): OutOfProcessTiming {
  const script = scriptOf(name);
  const dir = mkdtempSync(join(tmpdir(), "strata-pytorch-"));
  try {
    const files = Object.fromEntries(Object.entries(arrays).map(([key, { data, shape }]) => {
      const file = join(dir, `${key}.bin`);
      writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      return [key, { file, dtype: data instanceof Int32Array ? "int32" : "float32", shape }];
    }));
    const resultFile = join(dir, "result.bin");
    const file = join(dir, "spec.json");
    writeFileSync(file, JSON.stringify({ ...input, threads, arrays: files, resultFile }));
    const out = spawnSync(python, [script, file], { encoding: "utf8", env, timeout: 300_000, maxBuffer: 64 << 20 });
    if (out.status !== 0) throw new Error(`${python} ${script} failed: ${(out.stderr || out.error?.message || "").trim().split("\n").at(-1)}`);
    const result = JSON.parse(out.stdout) as { losses?: [number, number]; samples: number[]; threads: number };
    if (result.threads !== threads) throw new Error(`PyTorch ran on ${result.threads} threads, expected ${threads}`);
    if (!output) return { result: result.losses ?? [], samplesMs: result.samples };
    const bytes = readFileSync(resultFile);
    return { result: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), samplesMs: result.samples };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// prints torch's version and the BLAS library the process loaded with it
const PROBE = "import torch; print(torch.__version__); print(next((l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l), 'no BLAS library'))";

/**
 * PyTorch on `threads` threads, when this machine's python3 imports torch; refuses to load
 * otherwise. With `openblasDir` (a folder holding OpenBLAS's libblas.so.3), its processes load
 * that BLAS.
 */
export async function pytorchPeer(threads: number, openblasDir?: string): Promise<Peer> {
  const t = String(threads);
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t };
  if (openblasDir) env.LD_LIBRARY_PATH = [openblasDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  const probes = CANDIDATES.map((candidate) => ({ candidate, out: spawnSync(candidate, ["-c", PROBE], { encoding: "utf8", env }) }));
  const found = probes.find((p) => p.out.status === 0);
  if (!found) throw new Error(`\`python3 -c "import torch"\` fails on this machine (tried ${CANDIDATES.join(", ")}; apt-get install python3-torch)`);
  const [version, blas] = found.out.stdout.trim().split("\n") as [string, string];
  if (openblasDir && !/openblas/i.test(blas)) throw new Error(`STRATA_OPENBLAS=${openblasDir}: PyTorch still loaded ${blas}`);
  const runtime: Runtime = { python: found.candidate, env, threads };
  return {
    id: `pytorch${openblasDir ? "-openblas" : ""}-${threads}t`,
    label: `PyTorch ${version} (CPU, torch.set_num_threads(${threads}), BLAS ${blas}; every workload timed in a Python process of its own)`,
    activate: async () => {},
    product: notMeasured,
    trainingStep: notMeasured,
    relu: notMeasured,
    outOfProcess: (workload, plan) => outOfProcess(runtime, workload, plan),
    timedConvStep: (spec, plan) => timedConvStep(runtime, spec, plan),
    timedSeqStep: (spec, plan) => timedSeqStep(runtime, spec, plan),
    close: async () => {},
  };
}
