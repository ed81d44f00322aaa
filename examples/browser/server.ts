// A small static server for the browser example, the browser tests and the browser benchmark: one
// folder on disk, more folders or files mounted under URL paths (onnxruntime-web's WebAssembly
// files, an exported model), plus files held in memory (bundles built a moment before), on
// 127.0.0.1 only.
//
// Threads in a page need SharedArrayBuffer, which a browser grants only to a cross-origin isolated
// page: one served with COOP `same-origin` and COEP `require-corp`. `isolated: false` leaves both
// headers out, so the same pages can be checked on the one-thread path.
import { readFile, stat } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, normalize, resolve, sep } from "node:path";

/** What {@link serve} serves. */
export interface ServeOptions {
  /** A folder whose files are served under `/` (none when omitted). */
  root?: string;
  /** Files held in memory, by URL path (`"/app.js"`); they take precedence over `mounts` and `root`. */
  files?: Readonly<Record<string, string | Uint8Array>>;
  /**
   * Paths on disk by URL path, read at each request (so a file written after the start is served):
   * a key ending in `/` (`"/ort/"`) mounts a folder, any other key (`"/model.onnx"`) one file.
   * They take precedence over `root`.
   */
  mounts?: Readonly<Record<string, string>>;
  /** Whether responses carry the COOP/COEP headers that make the page cross-origin isolated. */
  isolated: boolean;
  /** The port; 0 (the default) takes a free one. */
  port?: number;
}

/** A running server. */
export interface Served {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
  ".mjs": "text/javascript; charset=utf-8",
  ".onnx": "application/octet-stream",
};

function send(res: ServerResponse, status: number, body: string | Uint8Array, type: string, isolated: boolean): void {
  const headers: Record<string, string> = { "Content-Type": type, "Cache-Control": "no-store" };
  if (isolated) {
    headers["Cross-Origin-Opener-Policy"] = "same-origin";
    headers["Cross-Origin-Embedder-Policy"] = "require-corp";
  }
  res.writeHead(status, headers).end(body);
}

/** The file on disk that `urlPath` names through `mounts` (a file, or a file under a folder), else null. */
function mountedFile(mounts: Readonly<Record<string, string>>, urlPath: string): string | null {
  for (const [prefix, path] of Object.entries(mounts)) {
    if (prefix.endsWith("/") ? urlPath.startsWith(prefix) : urlPath === prefix) {
      return prefix.endsWith("/") ? fileUnder(path, urlPath.slice(prefix.length - 1)) : path;
    }
  }
  return null;
}

/** The file under `root` that `urlPath` names, or null when it would leave `root`. */
function fileUnder(root: string, urlPath: string): string | null {
  const base = resolve(root);
  const path = resolve(base, "." + normalize(urlPath.endsWith("/") ? urlPath + "index.html" : urlPath));
  return path === base || path.startsWith(base + sep) ? path : null;
}

/**
 * Serves `options.files`, `options.mounts` and `options.root` on 127.0.0.1 until `close()`. Only
 * GET and HEAD are answered; a path that leaves its folder or names no file gets 404.
 */
export async function serve(options: ServeOptions): Promise<Served> {
  const { root, files = {}, mounts = {}, isolated, port = 0 } = options;
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "only GET and HEAD", "text/plain", isolated);
      const urlPath = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
      const type = TYPES[extname(urlPath.endsWith("/") ? "index.html" : urlPath)] ?? "application/octet-stream";
      const held = files[urlPath] ?? (urlPath.endsWith("/") ? files[urlPath + "index.html"] : undefined);
      if (held !== undefined) return send(res, 200, held, type, isolated);
      const path = mountedFile(mounts, urlPath) ?? (root === undefined ? null : fileUnder(root, urlPath));
      if (path !== null && (await stat(path).catch(() => null))?.isFile()) return send(res, 200, await readFile(path), type, isolated);
      // every page asks for a favicon; an empty answer keeps a 404 out of its console
      if (urlPath === "/favicon.ico") return send(res, 204, "", "image/x-icon", isolated);
      send(res, 404, `not found: ${urlPath}`, "text/plain", isolated);
    })().catch((error: unknown) => send(res, 500, String(error), "text/plain", isolated));
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", done);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () => new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}

/** The folder this file is in (the example's static files). */
export const exampleDir: string = import.meta.dirname;
