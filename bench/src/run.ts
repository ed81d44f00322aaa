// Runs every benchmark in this folder; `--quick` for a short run, `--only NAME` for one suite,
// `--json FILE` to save results.
import { writeFileSync } from "node:fs";
import { quick } from "./harness.js";
import { run as elementwise } from "./elementwise.js";
import { run as matmul } from "./matmul.js";
import { run as reduce } from "./reduce.js";
import { run as autograd } from "./autograd.js";
import { run as nn } from "./nn.js";
import { run as wasmKernels } from "./wasm-kernels.js";
import { run as conv } from "./conv.js";
import { run as batchNormSuite } from "./batch-norm.js";
import { run as softmaxSuite } from "./softmax.js";
import { run as recurrent } from "./recurrent.js";
import { run as attention } from "./attention.js";

const suites: Record<string, () => Promise<unknown>> = { matmul, "wasm-kernels": wasmKernels, elementwise, reduce, autograd, nn, conv, "batch-norm": batchNormSuite, softmax: softmaxSuite, recurrent, attention, compare: async () => (await import("./compare.js")).run(), checkpoints: async () => (await import("./checkpoints.js")).run() };
suites["matmul-shapes"] = async () => (await import("./matmul-shapes.js")).run();
suites.browser = async () => (await import("./browser.js")).run();
suites.steadiness = async () => (await import("./steadiness.js")).run();
suites.onnx = async () => (await import("./onnx.js")).run();
suites.resident = async () => (await import("./resident.js")).run();
suites["optim-update"] = async () => (await import("./optim-update.js")).run();
suites["compiled-elementwise"] = async () => (await import("./compiled-elementwise.js")).run();
suites["compare-ab"] = async () => (await import("./compare-ab.js")).run();

const results: Record<string, unknown> = { quick, node: process.version, date: new Date().toISOString() };
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
if (only !== undefined && !(only in suites)) throw new Error(`bench: unknown suite ${only}; expected one of ${Object.keys(suites).join(", ")}`);
for (const [name, run] of Object.entries(suites)) if (only === undefined || only === name) results[name] = await run();
const jsonAt = process.argv.indexOf("--json");
if (jsonAt >= 0 && process.argv[jsonAt + 1]) writeFileSync(process.argv[jsonAt + 1]!, JSON.stringify(results, null, 2));
