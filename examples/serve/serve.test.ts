// The serving path end to end: a checkpoint trained here (one epoch on 10,000 images, see
// small-checkpoint.ts) is exported to ONNX, served by onnxruntime-node behind node:http on
// 127.0.0.1, and asked with real requests about real MNIST test images. The reference is Strata
// itself: the same checkpoint's forward pass and softmax on the same pixels.
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { noGrad } from "@strata/autograd";
import { Linear, load } from "@strata/nn";
import { toOnnx } from "@strata/onnx";
import { argmax, rng, softmax, tensor, Tensor, ValueError } from "@strata/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportCheckpoint } from "./export.js";
import { mnistTestImages, percentile, runLoadTest } from "./load-test.js";
import { openPredictor, type Predictor } from "./predictor.js";
import { startServer, type RunningServer } from "./server.js";
import { trainSmallCheckpoint } from "./small-checkpoint.js";

const IMAGES = 200;
const outDir = mkdtempSync(join(tmpdir(), "strata-serve-"));
const { images, labels } = mnistTestImages(IMAGES);
let predictor: Predictor;
let server: RunningServer;
/** Strata's own answers for the test images. */
let expectedClasses: number[];
let expectedProbabilities: number[][];

beforeAll(async () => {
  const checkpoint = await trainSmallCheckpoint(outDir);
  const modelPath = join(outDir, "model.onnx");
  exportCheckpoint(checkpoint, modelPath);
  const { model } = load(checkpoint);
  model.eval();
  const logits = noGrad(() => model.forward(new Tensor(images.pixels, [IMAGES, 1, 28, 28]))).data;
  expectedClasses = Array.from(argmax(logits, { axis: 1 }).toTypedArray());
  expectedProbabilities = softmax(logits, { axis: 1 }).toArray() as number[][];
  predictor = await openPredictor(modelPath);
  server = await startServer({ predictor });
});

afterAll(async () => {
  await server?.close();
  await predictor?.close();
  rmSync(outDir, { recursive: true, force: true });
});

/** The images from `first` on, `count` of them, as a request body's arrays. */
function imageArrays(first: number, count: number): number[][] {
  return Array.from({ length: count }, (_, k) => Array.from(images.pixels.subarray((first + k) * 784, (first + k + 1) * 784)));
}

async function post(path: string, body: string): Promise<{ status: number; json: any }> {
  const res = await fetch(server.url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body });
  return { status: res.status, json: await res.json() };
}

/** Largest |a - b| over two equally shaped tables. */
function maxDifference(a: number[][], b: number[][]): number {
  expect(a.map((row) => row.length)).toEqual(b.map((row) => row.length));
  return Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i]![j]!))));
}

describe("serve: ONNX Runtime behind node:http", () => {
  it("answers real test images with Strata's classes and probabilities, in batches of any size", async () => {
    const classes: number[] = [];
    const probabilities: number[][] = [];
    // batch sizes other than the exported one (1), the batch axis being dynamic
    for (const [first, count] of [[0, 1], [1, 7], [8, 64], [72, 128]] as const) {
      const { status, json } = await post("/predict", JSON.stringify({ images: imageArrays(first, count) }));
      expect(status).toBe(200);
      expect(json.classes).toHaveLength(count);
      classes.push(...json.classes);
      probabilities.push(...json.probabilities);
    }
    expect(classes).toEqual(expectedClasses);
    expect(maxDifference(probabilities, expectedProbabilities)).toBeLessThan(1e-4);
    for (const row of probabilities) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    const accuracy = classes.filter((c, i) => c === labels[i]).length / IMAGES;
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it("says it is up on GET /health", async () => {
    const res = await fetch(server.url + "/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", imageShape: [1, 28, 28], classes: 10, maxImages: 256 });
  });

  const image = Array.from(images.pixels.subarray(0, 784));
  const malformed: [string, string, RegExp][] = [
    ["not JSON", "{images: [", /the body is not JSON .*expected \{"images": \[\[784 numbers from 0 to 1\], …\]\}/],
    ["JSON that is not an object", "[[0, 1]]", /the body is an array; expected \{"images"/],
    ["no images field", JSON.stringify({ pixels: [image] }), /no "images" field \(its fields: "pixels"\); expected/],
    ["images not an array", JSON.stringify({ images: "0,1" }), /"images" is a string; expected/],
    ["no images", JSON.stringify({ images: [] }), /"images" is empty; expected .* with 1 to 256 images/],
    ["too many images", JSON.stringify({ images: Array.from({ length: 257 }, () => []) }), /"images" holds 257 images; at most 256 per request/],
    ["an image that is not an array", JSON.stringify({ images: [image, 7] }), /images\[1\] is a number; expected an array of 784 numbers/],
    ["an image of the wrong length", JSON.stringify({ images: [image, image.slice(1)] }), /images\[1\] has 783 values; expected 784 \(1 × 28 × 28, row by row\)/],
    ["a pixel that is not a number", JSON.stringify({ images: [image.map((v, j) => (j === 17 ? "0.5" : v))] }), /images\[0\]\[17\] is "0.5" \(a string\); expected a number from 0 to 1/],
    ["a null pixel", JSON.stringify({ images: [image.map((v, j) => (j === 3 ? null : v))] }), /images\[0\]\[3\] is null \(null\); expected a number/],
    ["a pixel on the 0–255 scale", JSON.stringify({ images: [image.map((v) => v * 255)] }), /images\[0\]\[\d+\] is [\d.]+; pixel values are from 0 \(background\) to 1 \(ink\)/],
    // 20,000 levels: stringifying it for the message would overflow the stack (a 500 before)
    ["a pixel nested 20,000 deep", `{"images":[[${"[".repeat(20_000)}${"]".repeat(20_000)}${",0".repeat(783)}]]}`, /images\[0\]\[0\] is an array of 1 \(an array\); expected a number from 0 to 1/],
  ];
  it.each(malformed)("answers 400 with what was expected for %s", async (_name, body, message) => {
    const { status, json } = await post("/predict", body);
    expect(status).toBe(400);
    expect(json.error).toMatch(message);
  });

  it("refuses a body past the size limit with 413, declared or streamed, and keeps serving", async () => {
    const small = await startServer({ predictor, maxBodyBytes: 50_000 });
    try {
      const body = JSON.stringify({ images: imageArrays(0, 20) });
      expect(body.length).toBeGreaterThan(50_000);
      // with a Content-Length the server answers before reading; without one (chunked) it stops reading at the limit
      for (const declared of [true, false]) {
        const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = request(`${small.url}/predict`, { method: "POST", headers: declared ? { "Content-Length": Buffer.byteLength(body) } : {} }, (res) => {
            let text = "";
            res.on("data", (chunk: Buffer) => (text += chunk.toString()));
            res.on("end", () => resolve({ status: res.statusCode!, text }));
          });
          req.on("error", reject);
          if (declared) req.end(body);
          else {
            for (let at = 0; at < body.length; at += 10_000) req.write(body.slice(at, at + 10_000));
            req.end();
          }
        });
        expect(answer.status).toBe(413);
        expect(JSON.parse(answer.text).error).toMatch(/POST \/predict: the body is .*bytes; at most 50000 bytes \(at most 256 images\) per request/);
      }
      const res = await fetch(`${small.url}/predict`, { method: "POST", body: JSON.stringify({ images: imageArrays(0, 2) }) });
      expect(res.status).toBe(200);
      expect((await res.json()).classes).toEqual(expectedClasses.slice(0, 2));
    } finally {
      await small.close();
    }
  });

  it("answers 503 while other requests' bodies fill the budget, and serves again once they are read", async () => {
    const busy = await startServer({ predictor, maxBufferedBytes: 30_000 });
    try {
      // a slow client: 20,000 bytes of a body it does not finish
      const slow = request(`${busy.url}/predict`, { method: "POST" });
      slow.on("error", () => {});
      slow.write(" ".repeat(20_000));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const body = JSON.stringify({ images: imageArrays(0, 5) });
      expect(body.length).toBeGreaterThan(10_000); // with the slow body's 20,000: past the budget
      expect(body.length).toBeLessThan(30_000); // alone: within it
      const refused = await fetch(`${busy.url}/predict`, { method: "POST", body });
      expect(refused.status).toBe(503);
      expect((await refused.json()).error).toMatch(/^POST \/predict: the server is busy reading other requests \(\d+ bytes of request bodies are being read\); try again shortly$/);
      slow.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const served = await fetch(`${busy.url}/predict`, { method: "POST", body });
      expect(served.status).toBe(200);
    } finally {
      await busy.close();
    }
  });

  it("survives a request target that is not a URL", async () => {
    const { connect } = await import("node:net");
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, "127.0.0.1", () => socket.end("GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it("answers 405 for another method and 404 for another path", async () => {
    const wrongMethod = await fetch(server.url + "/predict");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect((await wrongMethod.json()).error).toBe("GET /predict is not supported; use POST");
    const healthPost = await post("/health", "{}");
    expect(healthPost.status).toBe(405);
    const nowhere = await post("/classify", "{}");
    expect(nowhere.status).toBe(404);
    expect(nowhere.json.error).toBe("no route /classify; this server answers POST /predict and GET /health");
  });

  it("answers every request of a concurrent load run correctly", async () => {
    const result = await runLoadTest({ url: server.url, requests: 300, concurrency: 16, batchSizes: [1, 2, 4, 8], images });
    expect(result.failures).toBe(0);
    expect(result.records).toHaveLength(300);
    for (const record of result.records) {
      expect(record.classes).toEqual(expectedClasses.slice(record.first, record.first + record.count));
      expect(maxDifference(record.probabilities!, expectedProbabilities.slice(record.first, record.first + record.count))).toBeLessThan(1e-4);
    }
    // every request's latency is counted once, in order
    const sorted = result.records.map((r) => r.milliseconds).sort((a, b) => a - b);
    expect(result.latency.max).toBe(sorted.at(-1));
    expect(result.latency.p50).toBeLessThanOrEqual(result.latency.p90);
    expect(result.latency.p90).toBeLessThanOrEqual(result.latency.p99);
  });

  it("opens any classifier with an input \"input\" and an output \"output\", and refuses other graphs", async () => {
    const linear = new Linear(4, 3, { rng: rng(5) });
    const small = await openPredictor(toOnnx(linear, { inputShape: [1, 4] }));
    try {
      expect([small.imageShape, small.pixelsPerImage, small.classCount]).toEqual([[4], 4, 3]);
      const x = [[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 1]];
      const got = await small.predict(Float32Array.from(x.flat()), 2);
      const want = softmax(noGrad(() => linear.forward(tensor(x))).data, { axis: 1 });
      expect(maxDifference(got.probabilities, want.toArray() as number[][])).toBeLessThan(1e-6);
      await expect(small.predict(new Float32Array(7), 2)).rejects.toThrow("serve: predict got 7 values for 2 images; expected 2 × 4");
    } finally {
      await small.close();
    }
    const renamed = toOnnx(linear, { inputShape: [1, 4], inputNames: ["pixels"] });
    await expect(openPredictor(renamed)).rejects.toThrow(ValueError);
    await expect(openPredictor(renamed)).rejects.toThrow('serve: the model has inputs [pixels]; expected one tensor named "input" (as @strata/onnx\'s toOnnx writes)');
  });

  it("takes nearest-rank percentiles", () => {
    const values = Array.from({ length: 10 }, (_, i) => i + 1);
    expect([percentile(values, 50), percentile(values, 90), percentile(values, 99), percentile(values, 100)]).toEqual([5, 9, 10, 10]);
    expect(percentile([4], 50)).toBe(4);
  });
});
