// The example's one command (`pnpm run browser-example`): bundles the two pages for the browser and
// serves this folder with the headers that let the kernels use threads, on 127.0.0.1, until Ctrl-C.
//   /           (index.html + app.ts) a network learning a boundary between clicked points
//   /onnx.html  (onnx-app.ts) mnist-cnn exported to ONNX, run by onnxruntime-web
// `--port N` picks the port (default: a free one); `--no-isolation` serves without the headers, to
// see the one-thread pages; `--onnx-model FILE` is the model the ONNX page runs (default
// examples/serve/out/model.onnx, written by examples/serve/export.ts).
import { defaultModelPath } from "../serve/paths.js";
import { bundle } from "./bundle.js";
import { ORT_URL_PATH, ortDistDir, testImagesJson } from "./onnx-assets.js";
import { exampleDir, serve } from "./server.js";

/** How {@link startExample} serves. */
export interface ExampleOptions {
  port?: number;
  /** With the COOP/COEP headers (the default), so that the pages can use threads. */
  isolated?: boolean;
  /** The ONNX file served as `/model.onnx`, read at each request (default: examples/serve/out/model.onnx). */
  onnxModel?: string;
}

/** Bundles the pages and serves them; the server and its URL. */
export async function startExample(options: ExampleOptions = {}): Promise<Awaited<ReturnType<typeof serve>>> {
  const [app, onnxApp] = await Promise.all([
    bundle(new URL("./app.ts", import.meta.url).pathname),
    bundle(new URL("./onnx-app.ts", import.meta.url).pathname),
  ]);
  return serve({
    root: exampleDir,
    files: { "/app.js": app, "/onnx-app.js": onnxApp, "/mnist-test.json": testImagesJson() },
    mounts: { [ORT_URL_PATH]: ortDistDir, "/model.onnx": options.onnxModel ?? defaultModelPath },
    isolated: options.isolated ?? true,
    port: options.port ?? 0,
  });
}

if (process.argv[1] === import.meta.filename) {
  const at = process.argv.indexOf("--port");
  const port = at >= 0 ? Number(process.argv[at + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`browser-example: --port takes a port number from 0 to 65535, got ${process.argv[at + 1]}`);
  const isolated = !process.argv.includes("--no-isolation");
  const modelAt = process.argv.indexOf("--onnx-model");
  const served = await startExample({ port, isolated, ...(modelAt >= 0 ? { onnxModel: process.argv[modelAt + 1]! } : {}) });
  console.log(`Strata browser example: open ${served.url} (${isolated ? "cross-origin isolated: the kernels use Web Workers" : "not isolated: one thread"}); Ctrl-C stops it.`);
  console.log(`The ONNX page: ${served.url}onnx.html (mnist-cnn in onnxruntime-web).`);
}
