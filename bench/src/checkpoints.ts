// Checkpoints under attack and at scale, each action in a fresh process (its peak memory is its
// own, and one that runs away is stopped at a time limit): loading the fuzzing campaign's hostile
// files and /dev/zero; saving and loading a checkpoint over 2 GiB; the temporary files that saves
// killed with SIGKILL leave, before and after the next save.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { printTable, quick } from "./harness.js";
import { hostileFiles } from "./checkpoints/hostile.js";

const here = dirname(fileURLToPath(import.meta.url));
const LIMIT_S = 60;
// 23,200² float32 weights: 2.15 GB, past the 2 GiB a single read or write call can move
const BIG_N = quick ? 8000 : 23_200;
const KILLS = quick ? 5 : 20;

interface Measured {
  outcome: string;
  seconds: number;
  peakMb: number;
}

function inChild(args: string[]): Measured {
  const t0 = performance.now();
  const child = spawnSync(process.execPath, ["--import", "tsx", join(here, "checkpoints/child.ts"), ...args], { cwd: here, encoding: "utf8", timeout: LIMIT_S * 1000, maxBuffer: 1 << 24 });
  const line = child.stdout?.trim().split("\n").at(-1) ?? "";
  if (child.signal) return { outcome: `stopped at the ${LIMIT_S} s limit (still running)`, seconds: (performance.now() - t0) / 1000, peakMb: NaN };
  try {
    return JSON.parse(line) as Measured;
  } catch {
    return { outcome: `crashed: ${(child.stderr ?? "").split("\n").find((l) => /Error/.test(l)) ?? child.status}`, seconds: (performance.now() - t0) / 1000, peakMb: NaN };
  }
}

const short = (s: string): string => (s.length > 150 ? `${s.slice(0, 147)}...` : s);

function hostile(dir: string): Record<string, Measured & { bytes: number }> {
  const out: Record<string, Measured & { bytes: number }> = {};
  for (const f of hostileFiles()) {
    const file = join(dir, `${f.name}.safetensors`);
    writeFileSync(file, f.bytes);
    out[f.name] = { ...inChild(["load", file]), bytes: f.bytes.length };
  }
  out["/dev/zero"] = { ...inChild(["read", "/dev/zero"]), bytes: NaN };
  printTable(
    `load() of hostile checkpoints (each in a fresh process, stopped after ${LIMIT_S} s)`,
    ["file", "bytes", "s", "peak RSS MB", "outcome"],
    Object.entries(out).map(([name, m]) => [name, Number.isNaN(m.bytes) ? "—" : String(m.bytes), m.seconds, Number.isNaN(m.peakMb) ? "—" : String(m.peakMb), short(m.outcome.replaceAll(`${dir}/`, ""))]),
  );
  return out;
}

function big(dir: string): unknown {
  const file = join(dir, "big.safetensors");
  const child = spawnSync(process.execPath, ["--import", "tsx", join(here, "checkpoints/child.ts"), "roundtrip", file, String(BIG_N)], { cwd: here, encoding: "utf8" });
  const line = child.stdout?.trim().split("\n").at(-1) ?? "";
  let result: { save: { outcome: string; seconds: number }; load: { outcome: string; seconds: number }; peakMb: number };
  try {
    result = JSON.parse(line);
  } catch {
    console.log(`\nbig checkpoint: the child failed: ${child.stderr}`);
    return null;
  }
  let bytes = NaN;
  try {
    bytes = statSync(file).size;
  } catch {
    // not written
  }
  rmSync(file, { force: true });
  printTable(`save/load of a Dense(${BIG_N}, ${BIG_N}) checkpoint (${Number.isNaN(bytes) ? "not written" : `${(bytes / 1e9).toFixed(2)} GB`})`, ["step", "s", "outcome"], [
    ["save", result.save.seconds, short(result.save.outcome)],
    ["load", result.load.seconds, short(result.load.outcome)],
  ]);
  console.log(`  peak RSS of the process: ${result.peakMb} MB`);
  return { n: BIG_N, bytes, ...result };
}

async function kills(dir: string): Promise<unknown> {
  const file = join(dir, "run.safetensors");
  const leftovers = (): string[] => readdirSync(dir).filter((f) => f.startsWith("run.safetensors.tmp-"));
  const bytes = (): number => leftovers().reduce((s, f) => s + statSync(join(dir, f)).size, 0);
  let most = 0;
  let mostBytes = 0;
  for (let k = 0; k < KILLS; k++) {
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "checkpoints/child.ts"), "save-loop", file], { cwd: here, stdio: ["ignore", "pipe", "ignore"] });
    let saves = 0;
    child.stdout.on("data", (c: Buffer) => (saves += c.toString().split("\n").length - 1));
    const exited = new Promise((resolve) => child.on("exit", resolve));
    // kill part-way through a save after a random number of whole ones
    const target = 1 + Math.floor(Math.random() * 3);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const mine = leftovers().some((f) => f.startsWith(`run.safetensors.tmp-${child.pid}-`));
        if (child.exitCode !== null || (saves >= target && mine)) (clearInterval(poll), child.kill("SIGKILL"), resolve());
      }, 1);
    });
    await exited;
    most = Math.max(most, leftovers().length);
    mostBytes = Math.max(mostBytes, bytes());
  }
  const afterKills = { files: leftovers().length, bytes: bytes() };
  // the next save of the same target, as a user's next run would make it
  spawnSync(process.execPath, ["--import", "tsx", "-e", `import("@strata/nn").then(({ Dense, save }) => save(new Dense(2, 2), ${JSON.stringify(file)}))`], { cwd: here });
  const afterSave = { files: leftovers().length, bytes: bytes() };
  printTable(`${KILLS} saves of a 64 MB checkpoint killed with SIGKILL part-way`, ["when", "temporary files", "MB"], [
    ["most at any time during the kills", String(most), mostBytes / 1e6],
    ["after the last kill", String(afterKills.files), afterKills.bytes / 1e6],
    ["after one more save", String(afterSave.files), afterSave.bytes / 1e6],
  ]);
  return { kills: KILLS, most, mostBytes, afterKills, afterSave };
}

/** Runs the three measurements and prints their tables. */
export async function run(): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), "strata-bench-ckpt-"));
  try {
    return { hostile: hostile(dir), big: big(dir), kills: await kills(dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
