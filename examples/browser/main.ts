// The example's one command (`pnpm run browser-example`): bundles app.ts for the browser and serves
// this folder with the headers that let the kernels use threads, on 127.0.0.1, until Ctrl-C.
// `--port N` picks the port (default: a free one); `--no-isolation` serves without the headers, to
// see the one-thread page.
import { bundle } from "./bundle.js";
import { exampleDir, serve } from "./server.js";

/** Bundles the page and serves it; the server and its URL. */
export async function startExample(options: { port?: number; isolated?: boolean } = {}): Promise<Awaited<ReturnType<typeof serve>>> {
  const app = await bundle(new URL("./app.ts", import.meta.url).pathname);
  return serve({ root: exampleDir, files: { "/app.js": app }, isolated: options.isolated ?? true, port: options.port ?? 0 });
}

if (process.argv[1] === import.meta.filename) {
  const at = process.argv.indexOf("--port");
  const port = at >= 0 ? Number(process.argv[at + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`browser-example: --port takes a port number from 0 to 65535, got ${process.argv[at + 1]}`);
  const isolated = !process.argv.includes("--no-isolation");
  const served = await startExample({ port, isolated });
  console.log(`Strata browser example: open ${served.url} (${isolated ? "cross-origin isolated: the kernels use Web Workers" : "not isolated: one thread"}); Ctrl-C stops it.`);
}
