// Fires many POST /predict requests at a server from a fixed number of concurrent clients and
// reports throughput and latency percentiles. Each request carries real MNIST test images; its
// answer is kept, so that callers (the test, the command) can check the classes too.
//   npx tsx examples/serve/load-test.ts [--requests 5000] [--concurrency 16] [--batch-sizes 1,2,4,8]
//                                       [--url http://127.0.0.1:8080 | --model FILE]
// Without --url it starts `main.ts --port 0` as a child process (so the server does not share this
// process's event loop and CPU time with the clients), measures, and stops it.
import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { createInterface } from "node:readline";
import { ValueError } from "@strata/tensor";
import { loadMnist } from "../mnist/mnist.js";
import { positiveFlag, textFlag } from "../shared/flags.js";
import { defaultModelPath } from "./paths.js";

/** The images requests are made of: `count` images of `pixelsPerImage` values, one after another. */
export interface ImageSet {
  pixels: Float32Array;
  count: number;
  pixelsPerImage: number;
}

/** What {@link runLoadTest} fires. */
export interface LoadTestOptions {
  /** The server, `http://127.0.0.1:PORT`. */
  url: string;
  requests: number;
  /** Requests in flight at once (each client sends its next request when its answer is in). */
  concurrency: number;
  /** Images per request, taken in turn: request i carries `batchSizes[i % batchSizes.length]`. */
  batchSizes: readonly number[];
  images: ImageSet;
}

/** One request and its answer. */
export interface RequestRecord {
  /** The index in `images` of the request's first image; it carries `count` consecutive images. */
  first: number;
  count: number;
  /** The HTTP status, or 0 when the request failed without one (`error` says why). */
  status: number;
  /** The answer's classes (200 only). */
  classes?: number[];
  probabilities?: number[][];
  error?: string;
  /** From sending the request to the end of the answer. */
  milliseconds: number;
}

/** The figures of a run. */
export interface LoadTestResult {
  records: RequestRecord[];
  seconds: number;
  requestsPerSecond: number;
  imagesPerSecond: number;
  /** Latency in milliseconds, nearest-rank percentiles over every request. */
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Requests that did not get a 200. */
  failures: number;
}

/** The nearest-rank `p`th percentile of ascending `sorted` values (p in (0, 100]). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** One POST on a kept-alive connection: status and body text. */
function post(agent: Agent, url: URL, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Sends `requests` requests to `url`/predict from `concurrency` clients and resolves once every
 * answer is in. Request i carries `batchSizes[i % …]` consecutive images of `images`, starting at
 * an image that steps through the set. Failed requests are recorded, not thrown.
 */
export async function runLoadTest(options: LoadTestOptions): Promise<LoadTestResult> {
  const { requests, concurrency, batchSizes, images } = options;
  const target = new URL("/predict", options.url);
  // each image's JSON once: a body is then a join, so the clients spend little time building them
  const imageJson: string[] = [];
  for (let i = 0; i < images.count; i++) {
    imageJson.push(JSON.stringify(Array.from(images.pixels.subarray(i * images.pixelsPerImage, (i + 1) * images.pixelsPerImage))));
  }
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const records: RequestRecord[] = new Array<RequestRecord>(requests);
  let next = 0;
  async function client(): Promise<void> {
    for (let i = next++; i < requests; i = next++) {
      const count = batchSizes[i % batchSizes.length]!;
      const first = (i * 37) % (images.count - count + 1);
      const body = `{"images":[${imageJson.slice(first, first + count).join(",")}]}`;
      const started = performance.now();
      try {
        const { status, text } = await post(agent, target, body);
        const milliseconds = performance.now() - started;
        const answer = JSON.parse(text) as { classes?: number[]; probabilities?: number[][]; error?: string };
        records[i] = status === 200
          ? { first, count, status, classes: answer.classes!, probabilities: answer.probabilities!, milliseconds }
          : { first, count, status, error: answer.error ?? text, milliseconds };
      } catch (error) {
        records[i] = { first, count, status: 0, error: String(error), milliseconds: performance.now() - started };
      }
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const latencies = records.map((r) => r.milliseconds).sort((a, b) => a - b);
  const imagesSent = records.reduce((total, r) => total + r.count, 0);
  return {
    records,
    seconds,
    requestsPerSecond: requests / seconds,
    imagesPerSecond: imagesSent / seconds,
    latency: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1)!,
      mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    },
    failures: records.filter((r) => r.status !== 200).length,
  };
}

/** The first `count` MNIST test images as pixels from 0 to 1, with their labels. */
export function mnistTestImages(count: number): { images: ImageSet; labels: Int32Array } {
  const split = loadMnist("test", count);
  // X is (784, m) over storage kept one image per row: its transpose is the images one after another
  const pixels = split.X.T.contiguous().toTypedArray() as Float32Array;
  return { images: { pixels, count: split.labels.size, pixelsPerImage: 784 }, labels: split.labels.toTypedArray() as Int32Array };
}

/** Starts `main.ts --port 0` in a child process; resolves to its URL and a function that stops it. */
async function startChildServer(model: string): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [...process.execArgv, new URL("./main.ts", import.meta.url).pathname, "--port", "0", "--model", model], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`load-test: the server exited (code ${code}) before it listened`)));
    lines.on("line", (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
  });
  return { url, stop: () => void child.kill("SIGTERM") };
}

if (process.argv[1] === import.meta.filename) {
  const requests = positiveFlag("load-test", "requests", 5000);
  const concurrency = positiveFlag("load-test", "concurrency", 16);
  const batchText = textFlag("batch-sizes", "1,2,4,8");
  const batchSizes = batchText.split(",").map(Number);
  if (batchSizes.some((b) => !Number.isInteger(b) || b < 1)) throw new ValueError(`load-test: --batch-sizes takes positive whole numbers separated by commas, got ${batchText}`);
  const { images, labels } = mnistTestImages(1000);
  const given = textFlag("url", "");
  const server = given === "" ? await startChildServer(textFlag("model", defaultModelPath)) : { url: given, stop: () => {} };
  try {
    // a short warm-up, so that the first requests' session start-up is not in the figures
    await runLoadTest({ url: server.url, requests: 50, concurrency, batchSizes, images });
    const result = await runLoadTest({ url: server.url, requests, concurrency, batchSizes, images });
    let correct = 0;
    let answered = 0;
    for (const r of result.records) {
      r.classes?.forEach((c, k) => {
        answered++;
        if (c === labels[r.first + k]) correct++;
      });
    }
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    console.log(`load-test: ${requests} requests to ${server.url}/predict, concurrency ${concurrency}, batch sizes ${batchSizes.join(",")}`);
    console.log(`  ${result.seconds.toFixed(2)} s: ${result.requestsPerSecond.toFixed(0)} requests/s, ${result.imagesPerSecond.toFixed(0)} images/s; ${result.failures} failed`);
    console.log(`  latency p50 ${ms(result.latency.p50)}, p90 ${ms(result.latency.p90)}, p99 ${ms(result.latency.p99)}, max ${ms(result.latency.max)} (mean ${ms(result.latency.mean)})`);
    console.log(`  answers agree with the labels on ${correct} of ${answered} images (${((100 * correct) / answered).toFixed(2)}%)`);
    if (result.failures > 0) console.log(`  first failure: ${result.records.find((r) => r.status !== 200)!.error}`);
  } finally {
    server.stop();
  }
}
