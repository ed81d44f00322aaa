// PyTorch on one thread as a peer for the training steps of the LeNet-like net and of the two
// sequence models (issue 18) only, when `python3 -c "import torch"` works on this machine
// (Debian's python3-torch, 1.13). Each runs in a Python process of its own
// (bench/python/lenet_step.py, lstm_step.py, transformer_step.py), which times its steps with the
// harness's rules and reports them; the other rows of the comparison are not measured for it.
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
let python = CANDIDATES[0]!;
const scriptOf = (name: string): string => fileURLToPath(new URL(`../../python/${name}`, import.meta.url));

function notMeasured(): never {
  throw new Error("not measured: PyTorch is timed on the training steps of LeNet and the sequence models only");
}

type Plan = { warmup: number; reps: number; budgetMs: number };

function timedConvStep(spec: ConvNetSpec, plan: Plan): { losses: [number, number]; samplesMs: number[] } {
  const layer = (w: ConvNetSpec["conv1"]) => ({ weight: [...w.weight], weightShape: w.weightShape, bias: [...w.bias] });
  return timedInPython("lenet_step.py", {
    ...plan, n: spec.n, X: [...spec.X], labels: [...spec.labels], lr: spec.lr,
    conv1: layer(spec.conv1), conv2: layer(spec.conv2), fc: layer(spec.fc),
  });
}

function timedSeqStep(spec: SeqLmSpec, plan: Plan): { losses: [number, number]; samplesMs: number[] } {
  const params = Object.fromEntries(Object.entries(spec.params).map(([name, p]) => [name, { shape: p.shape, data: [...p.data] }]));
  return timedInPython(`${spec.kind}_step.py`, { ...plan, ...spec, tokens: [...spec.tokens], params });
}

/** Runs one of bench/python's step scripts on `input` (written to a temporary JSON file). */
function timedInPython(name: string, input: object): { losses: [number, number]; samplesMs: number[] } {
  const script = scriptOf(name);
  const dir = mkdtempSync(join(tmpdir(), "strata-pytorch-"));
  try {
    const file = join(dir, "spec.json");
    writeFileSync(file, JSON.stringify(input));
    const out = spawnSync(python, [script, file], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" }, timeout: 300_000 });
    if (out.status !== 0) throw new Error(`${python} ${script} failed: ${(out.stderr || out.error?.message || "").trim().split("\n").at(-1)}`);
    const result = JSON.parse(out.stdout) as { losses: [number, number]; samples: number[]; threads: number };
    if (result.threads !== 1) throw new Error(`PyTorch ran on ${result.threads} threads, expected 1`);
    return { losses: result.losses, samplesMs: result.samples };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** PyTorch on one thread, when this machine's python3 imports torch; refuses to load otherwise. */
export async function pytorchPeer(): Promise<Peer> {
  const probes = CANDIDATES.map((candidate) => ({ candidate, out: spawnSync(candidate, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" }) }));
  const found = probes.find((p) => p.out.status === 0);
  if (!found) throw new Error(`\`python3 -c "import torch"\` fails on this machine (tried ${CANDIDATES.join(", ")}; apt-get install python3-torch)`);
  python = found.candidate;
  const probe = found.out;
  return {
    id: "pytorch-1t",
    label: `PyTorch ${probe.stdout.trim()} (CPU, torch.set_num_threads(1); training steps of LeNet and the sequence models only, each timed in its own Python process)`,
    rows: ["lenet", "lstm", "transformer"],
    activate: async () => {},
    product: notMeasured,
    trainingStep: notMeasured,
    relu: notMeasured,
    timedConvStep,
    timedSeqStep,
    close: async () => {},
  };
}
