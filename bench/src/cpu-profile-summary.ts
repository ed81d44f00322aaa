// Prints where a `node --cpu-prof` profile's time went: self time per function (name, file, line),
// the largest first, with its share of the samples. Usage:
//   node --import tsx src/cpu-profile-summary.ts PROFILE.cpuprofile [rows]
import { readFileSync } from "node:fs";

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const [file, rowsArg] = process.argv.slice(2);
if (file === undefined) throw new Error("cpu-profile-summary: expected the path of a .cpuprofile file");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, k) => {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const key = `${functionName || "(anonymous)"}  ${url.split("/").slice(-2).join("/")}${url ? `:${lineNumber + 1}` : ""}`;
  const us = profile.timeDeltas[k]!;
  self.set(key, (self.get(key) ?? 0) + us);
  total += us;
});
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(rowsArg ?? 20))) {
  console.log(`${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
}
console.log(`${(total / 1000).toFixed(0).padStart(7)} ms in all`);
