// PyTorch on one thread as a peer for the training steps of the LeNet-like net and of the two
// sequence models (issue 18) only, when `python3 -c "import torch"` works on this machine
// (Debian's python3-torch, 1.13). Each runs in a Python process of its own
// (bench/python/lenet_step.py, lstm_step.py, transformer_step.py), which times its steps with the
// harness's rules and reports them; the other rows of the comparison are not measured for it.
//
// Debian's python3-torch is built with BLAS_INFO=generic and links libblas.so.3, which is the
// reference BLAS unless an optimised one is installed as its alternative: then its products run
// at 2.5-3.5 GFLOP/s on one thread (OpenBLAS: 33-43). Convolutions go through oneDNN and do not
// notice; the sequence models, made of products, do. So a second peer runs the same interpreter
// with OpenBLAS when STRATA_OPENBLAS names a folder holding its libblas.so.3 (from the
// libopenblas0-pthread package, `apt-get download` + `dpkg -x` do without installing it), and the
// label names the BLAS library each process loaded.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SeqLmSpec } from "./seq-types.js";
import type { ConvNetSpec, Peer } from "./types.js";

// the first interpreter that imports torch: STRATA_PYTHON if set, else python3 on the PATH, else
// Debian's own (a pyenv or venv python3 on the PATH does not see Debian's python3-torch)
const CANDIDATES = process.env.STRATA_PYTHON ? [process.env.STRATA_PYTHON] : ["python3", "/usr/bin/python3"];
const scriptOf = (name: string): string => fileURLToPath(new URL(`../../python/${name}`, import.meta.url));

function notMeasured(): never {
  throw new Error("not measured: PyTorch is timed on the training steps of LeNet and the sequence models only");
}

type Plan = { warmup: number; reps: number; budgetMs: number };

/** The interpreter and environment a peer's Python processes run with. */
type Runtime = { python: string; env: NodeJS.ProcessEnv };

function timedConvStep(runtime: Runtime, spec: ConvNetSpec, plan: Plan): { losses: [number, number]; samplesMs: number[] } {
  const layer = (w: ConvNetSpec["conv1"]) => ({ weight: [...w.weight], weightShape: w.weightShape, bias: [...w.bias] });
  return timedInPython(runtime, "lenet_step.py", {
    ...plan, n: spec.n, X: [...spec.X], labels: [...spec.labels], lr: spec.lr,
    conv1: layer(spec.conv1), conv2: layer(spec.conv2), fc: layer(spec.fc),
  });
}

function timedSeqStep(runtime: Runtime, spec: SeqLmSpec, plan: Plan): { losses: [number, number]; samplesMs: number[] } {
  const params = Object.fromEntries(Object.entries(spec.params).map(([name, p]) => [name, { shape: p.shape, data: [...p.data] }]));
  return timedInPython(runtime, `${spec.kind}_step.py`, { ...plan, ...spec, tokens: [...spec.tokens], params });
}

/** Runs one of bench/python's step scripts on `input` (written to a temporary JSON file). */
function timedInPython({ python, env }: Runtime, name: string, input: object): { losses: [number, number]; samplesMs: number[] } {
  const script = scriptOf(name);
  const dir = mkdtempSync(join(tmpdir(), "strata-pytorch-"));
  try {
    const file = join(dir, "spec.json");
    writeFileSync(file, JSON.stringify(input));
    const out = spawnSync(python, [script, file], { encoding: "utf8", env, timeout: 300_000 });
    if (out.status !== 0) throw new Error(`${python} ${script} failed: ${(out.stderr || out.error?.message || "").trim().split("\n").at(-1)}`);
    const result = JSON.parse(out.stdout) as { losses: [number, number]; samples: number[]; threads: number };
    if (result.threads !== 1) throw new Error(`PyTorch ran on ${result.threads} threads, expected 1`);
    return { losses: result.losses, samplesMs: result.samples };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// prints torch's version and the BLAS library the process loaded with it
const PROBE = "import torch; print(torch.__version__); print(next((l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l), 'no BLAS library'))";

/**
 * PyTorch on one thread, when this machine's python3 imports torch; refuses to load otherwise.
 * With `openblasDir` (a folder holding OpenBLAS's libblas.so.3), its processes load that BLAS.
 */
export async function pytorchPeer(openblasDir?: string): Promise<Peer> {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" };
  if (openblasDir) env.LD_LIBRARY_PATH = [openblasDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  const probes = CANDIDATES.map((candidate) => ({ candidate, out: spawnSync(candidate, ["-c", PROBE], { encoding: "utf8", env }) }));
  const found = probes.find((p) => p.out.status === 0);
  if (!found) throw new Error(`\`python3 -c "import torch"\` fails on this machine (tried ${CANDIDATES.join(", ")}; apt-get install python3-torch)`);
  const [version, blas] = found.out.stdout.trim().split("\n") as [string, string];
  if (openblasDir && !/openblas/i.test(blas)) throw new Error(`STRATA_OPENBLAS=${openblasDir}: PyTorch still loaded ${blas}`);
  const runtime: Runtime = { python: found.candidate, env };
  return {
    id: openblasDir ? "pytorch-openblas-1t" : "pytorch-1t",
    label: `PyTorch ${version} (CPU, torch.set_num_threads(1), BLAS ${blas}; training steps of LeNet and the sequence models only, each timed in its own Python process)`,
    rows: ["lenet", "lstm", "transformer"],
    activate: async () => {},
    product: notMeasured,
    trainingStep: notMeasured,
    relu: notMeasured,
    timedConvStep: (spec, plan) => timedConvStep(runtime, spec, plan),
    timedSeqStep: (spec, plan) => timedSeqStep(runtime, spec, plan),
    close: async () => {},
  };
}
