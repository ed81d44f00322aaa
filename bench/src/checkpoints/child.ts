// One measured action in a fresh process, so that its peak memory is its own: `load FILE`,
// `read FILE`, `roundtrip FILE N` (save then load an N x N Dense layer) or `save-loop FILE` (save a
// 64 MB layer forever, for the kill measurement). Prints one JSON line: outcome, seconds, peak RSS.
import { readFileSync } from "node:fs";
import { Dense, load, readSafetensors, save, zeros } from "@strata/nn";

const [action, file, arg] = process.argv.slice(2) as [string, string, string | undefined];

// VmHWM is this process's own peak; getrusage's maxRSS on Linux starts from the parent's RSS at
// the fork, which would put a floor of the bench's own size under every figure.
const peakMb = (): number => {
  try {
    const kb = /VmHWM:\s*(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    if (kb !== undefined) return Math.round(Number(kb) / 1024);
  } catch {
    // not Linux
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
};

function outcome(fn: () => string): { outcome: string; seconds: number } {
  const t0 = performance.now();
  let text: string;
  try {
    text = fn();
  } catch (e) {
    text = `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
  return { outcome: text, seconds: (performance.now() - t0) / 1000 };
}

if (action === "save-loop") {
  const layer = new Dense(4000, 4000, { init: zeros() });
  for (let k = 1; ; k++) {
    (layer.W.data.data as Float32Array).fill(k);
    save(layer, file);
    process.stdout.write(`${k}\n`);
  }
} else if (action === "roundtrip") {
  const n = Number(arg);
  const layer = new Dense(n, n, { init: zeros() });
  const W = layer.W.data.data as Float32Array;
  for (let i = 0; i < W.length; i += 4099) W[i] = i % 65_521;
  const saved = outcome(() => (save(layer, file), "saved"));
  const loaded = outcome(() => {
    const got = (load(file).model as Dense).W.data.data as Float32Array;
    for (let i = 0; i < W.length; i += 4099) if (got[i] !== W[i]) return `wrong value at ${i}`;
    return "loaded, values match";
  });
  console.log(JSON.stringify({ save: saved, load: loaded, peakMb: peakMb() }));
} else {
  const result = outcome(() => (action === "read" ? (readSafetensors(file), "read") : (load(file), "loaded")));
  console.log(JSON.stringify({ ...result, peakMb: peakMb() }));
}
