// `pnpm serve`: serves the exported mnist-cnn model on 127.0.0.1 until Ctrl-C.
//   --model FILE    the ONNX file (default examples/serve/out/model.onnx, written by export.ts)
//   --port N        the port (default 8080; 0 takes a free one)
//   --max-images N  the most images per request (default 256)
//   --threads N     ONNX Runtime's threads inside one operator (default: one per core)
// Prints "serve: listening on http://127.0.0.1:PORT …" once it answers (load-test.ts reads that line).
import { existsSync } from "node:fs";
import { ValueError } from "@strata/tensor";
import { defaultModelPath } from "./paths.js";
import { openPredictor } from "./predictor.js";
import { startServer } from "./server.js";
import { positiveFlag, textFlag } from "../shared/flags.js";

const modelPath = textFlag("model", defaultModelPath);
if (!existsSync(modelPath)) {
  throw new ValueError(`serve: no model at ${modelPath}; write one with \`npx tsx examples/serve/export.ts\` (after \`pnpm mnist-cnn\`), or pass --model FILE`);
}
const portText = textFlag("port", "8080");
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ValueError(`serve: --port takes a port number from 0 to 65535, got ${portText}`);
const threads = positiveFlag("serve", "threads", 0);

const predictor = await openPredictor(modelPath, threads > 0 ? { intraOpThreads: threads } : {});
const server = await startServer({ predictor, port, maxImages: positiveFlag("serve", "max-images", 256) });
console.log(`serve: listening on ${server.url} (model ${modelPath}: images [${predictor.imageShape.join(", ")}], ${predictor.classCount} classes); POST /predict, GET /health; Ctrl-C stops it`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void server.close().then(() => predictor.close()).then(() => process.exit(0));
  });
}
