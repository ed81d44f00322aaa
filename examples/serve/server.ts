// The prediction endpoint: node:http in front of one onnxruntime-node session.
//   POST /predict   {"images": [[784 numbers], …]}  ->  {"classes": [...], "probabilities": [[...], …]}
//   GET  /health    {"status": "ok", ...} once the model is loaded
// Every answer is JSON. A body that cannot be used gets 400 with a message saying what was wrong
// and what was expected; a body past the size limit gets 413 and is not read further (the
// connection is closed instead, so a client cannot make the server buffer without bound).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StrataError } from "@strata/tensor";
import { parsePredictRequest } from "./predict-request.js";
import type { Predictor } from "./predictor.js";

/** How {@link startServer} serves. */
export interface ServerOptions {
  /** The model (see `openPredictor`); the server does not close it. */
  predictor: Predictor;
  /** The port; 0 (the default) takes a free one. */
  port?: number;
  /** The address to listen on: 127.0.0.1 (the default) keeps the endpoint on this machine. */
  host?: string;
  /** The most images one request may carry (default 256). */
  maxImages?: number;
  /**
   * The largest body read, in bytes (default 8 MiB: 256 images with every pixel written out in
   * full, like 0.0039215686274509803, take about 4 MB).
   */
  maxBodyBytes?: number;
  /**
   * The most body bytes held at once across all requests (default 4 × maxBodyBytes): past it a
   * request gets 503, so that many slow clients cannot make the server hold their bodies without bound.
   */
  maxBufferedBytes?: number;
}

/** A running server. */
export interface RunningServer {
  /** `http://HOST:PORT` */
  url: string;
  port: number;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/** A JSON answer; `close` asks the client to open a new connection for its next request. */
function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

class BodyTooLarge extends Error {}
class ServerBusy extends Error {}

/** The bytes of bodies being read, across requests, against a budget. */
interface Buffered {
  bytes: number;
  readonly budget: number;
}

/**
 * The request's body as text; BodyTooLarge as soon as it passes `limit` bytes, ServerBusy when the
 * bodies being read together would pass their budget. Its bytes leave the budget once it settles.
 */
function readBody(req: IncomingMessage, limit: number, buffered: Buffered): Promise<string> {
  let total = 0;
  const read = new Promise<string>((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) return reject(new BodyTooLarge(`${declared} bytes`));
    const chunks: Buffer[] = [];
    const stop = (error: Error): void => {
      // stop buffering; what is still on its way is dropped with the connection
      req.removeAllListeners("data");
      req.pause();
      reject(error);
    };
    req.on("data", (chunk: Buffer) => {
      total += chunk.length;
      buffered.bytes += chunk.length;
      if (total > limit) stop(new BodyTooLarge(`more than ${limit} bytes`));
      else if (buffered.bytes > buffered.budget) stop(new ServerBusy(`${buffered.bytes} bytes of request bodies are being read`));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
    // a client that goes away mid-body: settle, so that nothing waits for the rest
    req.on("close", () => {
      if (!req.complete) reject(new Error("the client closed the connection before the body ended"));
    });
  });
  const release = (): void => void (buffered.bytes -= total);
  read.then(release, release);
  return read;
}

/**
 * Starts the endpoint on `host:port` and resolves once it listens. Routes: `POST /predict`,
 * `GET`/`HEAD /health`; another method on those paths gets 405 (with `Allow`), another path 404.
 * `/predict` answers 200 with `{classes, probabilities}` (one entry per image, in order), 400 with
 * `{error}` for a body it cannot use, 413 for a body past `maxBodyBytes`, 500 when inference fails.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { predictor, port = 0, host = "127.0.0.1", maxImages = 256, maxBodyBytes = 8 * 1024 * 1024 } = options;
  const buffered: Buffered = { bytes: 0, budget: options.maxBufferedBytes ?? 4 * maxBodyBytes };
  const limits = { pixelsPerImage: predictor.pixelsPerImage, imageShape: predictor.imageShape, maxImages };

  async function predict(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: string;
    try {
      body = await readBody(req, maxBodyBytes, buffered);
    } catch (error) {
      if (error instanceof ServerBusy) return reply(res, 503, { error: `POST /predict: the server is busy reading other requests (${error.message}); try again shortly` }, { Connection: "close", "Retry-After": "1" });
      if (!(error instanceof BodyTooLarge)) throw error;
      return reply(res, 413, { error: `POST /predict: the body is ${error.message}; at most ${maxBodyBytes} bytes (at most ${maxImages} images) per request` }, { Connection: "close" });
    }
    let request;
    try {
      request = parsePredictRequest(body, limits);
    } catch (error) {
      // anything a body makes the parser throw is the body's fault (a RangeError from a nesting too deep, say)
      return reply(res, 400, { error: error instanceof StrataError ? error.message : `POST /predict: the body could not be read (${error instanceof Error ? error.message : String(error)})` });
    }
    reply(res, 200, await predictor.predict(request.pixels, request.count));
  }

  const routes: Record<string, { allow: string[]; handle: (req: IncomingMessage, res: ServerResponse) => void | Promise<void> }> = {
    "/predict": { allow: ["POST"], handle: predict },
    "/health": {
      allow: ["GET", "HEAD"],
      handle: (_req, res) => reply(res, 200, { status: "ok", imageShape: predictor.imageShape, classes: predictor.classCount, maxImages }),
    },
  };

  const server = createServer((req, res) => {
    // the path without URL parsing: a target such as "//[" makes new URL throw, which would end the process
    const path = (req.url ?? "/").split("?")[0]!;
    const route = routes[path];
    if (route === undefined) {
      return reply(res, 404, { error: `no route ${path}; this server answers POST /predict and GET /health` });
    }
    if (!route.allow.includes(req.method ?? "")) {
      return reply(res, 405, { error: `${req.method} ${path} is not supported; use ${route.allow.join(" or ")}` }, { Allow: route.allow.join(", ") });
    }
    Promise.resolve(route.handle(req, res)).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, { error: `${req.method} ${path} failed: ${error instanceof Error ? error.message : String(error)}` });
      else res.destroy();
    });
  });
  // a client may not hold a connection open with a body that never ends (Node's default is 300 s)
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  server.maxConnections = 256;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}`,
    port: bound,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
