// Runs every benchmark in this folder; `--quick` for a short run, `--json FILE` to save results.
import { writeFileSync } from "node:fs";
import { quick } from "./harness.js";
import { run as elementwise } from "./elementwise.js";
import { run as matmul } from "./matmul.js";
import { run as reduce } from "./reduce.js";

const suites: Record<string, () => Promise<unknown>> = { matmul, elementwise, reduce };

const results: Record<string, unknown> = { quick, node: process.version, date: new Date().toISOString() };
for (const [name, run] of Object.entries(suites)) results[name] = await run();
const jsonAt = process.argv.indexOf("--json");
if (jsonAt >= 0 && process.argv[jsonAt + 1]) writeFileSync(process.argv[jsonAt + 1]!, JSON.stringify(results, null, 2));
