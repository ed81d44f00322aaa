/// <reference lib="dom" />
// (f) The ONNX page: the model.onnx that examples/serve serves with onnxruntime-node, run in
// Chromium by onnxruntime-web. A checkpoint is trained here (one epoch on 3,000 images) and
// exported; the page classifies real MNIST test images picked from its list, and a digit drawn
// with the mouse, and each answer (class and probabilities, read from the page's data attributes)
// must equal onnxruntime-node's on the same 784 values within 1e-4. Every file the page loads,
// onnxruntime-web's WebAssembly included, comes from the example's own server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExample } from "../../examples/browser/main.js";
import { exportCheckpoint } from "../../examples/serve/export.js";
import { mnistTestImages } from "../../examples/serve/load-test.js";
import { openPredictor, type Predictor } from "../../examples/serve/predictor.js";
import { trainSmallCheckpoint } from "../../examples/serve/small-checkpoint.js";
import { launchChromium, openPage, type Served } from "./harness.js";

const outDir = mkdtempSync(join(tmpdir(), "strata-onnx-page-"));
const { images, labels } = mnistTestImages(100);
let browser: Browser;
let served: Served;
let predictor: Predictor;

beforeAll(async () => {
  const modelPath = join(outDir, "model.onnx");
  exportCheckpoint(await trainSmallCheckpoint(outDir, 3000), modelPath);
  predictor = await openPredictor(modelPath);
  served = await startExample({ isolated: true, onnxModel: modelPath });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  await predictor?.close();
  rmSync(outDir, { recursive: true, force: true });
});

/** What the page shows after its `runs`-th inference. */
async function answer(page: Page, runs: number): Promise<{ input: number[]; class: number; probabilities: number[]; source: string }> {
  await page.waitForFunction((n) => Number(document.getElementById("prediction")!.dataset["runs"] ?? 0) >= n, runs, { timeout: 60_000 });
  const data = await page.evaluate(() => ({ ...document.getElementById("prediction")!.dataset }));
  return { input: JSON.parse(data["input"]!), class: Number(data["class"]), probabilities: JSON.parse(data["probabilities"]!), source: data["source"]! };
}

/** onnxruntime-node's answer for the same input, and the largest probability difference from the page's. */
async function compareWithNode(shown: { input: number[]; class: number; probabilities: number[] }): Promise<{ nodeClass: number; difference: number }> {
  const node = await predictor.predict(Float32Array.from(shown.input), 1);
  const difference = Math.max(...node.probabilities[0]!.map((p, k) => Math.abs(p - shown.probabilities[k]!)));
  return { nodeClass: node.classes[0]!, difference };
}

describe("the ONNX page (onnxruntime-web)", () => {
  it("classifies test images and a drawing as onnxruntime-node does", async () => {
    const { page, errors } = await openPage(browser, served.url + "onnx.html");
    const foreign: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(served.url) && !request.url().startsWith("data:")) foreign.push(request.url());
    });
    // the page classifies test image 0 once it has loaded
    let runs = 1;
    let shown = await answer(page, runs);
    expect(shown.source).toBe(`test image 0 (label ${labels[0]})`);

    let agreeWithLabels = 0;
    const picked = [0, 1, 2, 3, 4, 17, 42, 61, 99];
    for (const index of picked) {
      if (index !== 0) {
        await page.selectOption("#test-image", String(index));
        shown = await answer(page, ++runs);
      }
      expect(shown.source).toBe(`test image ${index} (label ${labels[index]})`);
      // the page's pixels are Node's loader's (byte / 255 in float32)
      expect(shown.input).toEqual(Array.from(images.pixels.subarray(index * 784, (index + 1) * 784)));
      const { nodeClass, difference } = await compareWithNode(shown);
      expect(shown.class).toBe(nodeClass);
      expect(difference).toBeLessThan(1e-4);
      expect(await page.textContent("#prediction")).toBe(String(shown.class));
      if (shown.class === labels[index]) agreeWithLabels++;
    }
    // a model trained on 3,000 images for one epoch gets about 19 in 20 right
    expect(agreeWithLabels).toBeGreaterThanOrEqual(picked.length - 2);

    // a vertical stroke down the middle of the pad: the page scales and centres it, and reads a 1
    await page.click("#clear");
    const pad = (await page.locator("#pad").boundingBox())!;
    await page.mouse.move(pad.x + 140, pad.y + 40);
    await page.mouse.down();
    await page.mouse.move(pad.x + 140, pad.y + 240, { steps: 10 });
    await page.mouse.up();
    // inference runs as the stroke is drawn (every move has asked for one by now); wait until the
    // page has classified the finished stroke
    await page.waitForFunction(() => {
      const data = document.getElementById("prediction")!.dataset;
      return data["source"] === "drawing" && data["idle"] === "true";
    });
    shown = await answer(page, runs + 1);
    expect(shown.source).toBe("drawing");
    // the stroke, scaled so that its 200 pixels become 20, is inked on 20 rows of the 28
    const inkedRows = new Set(shown.input.flatMap((v, i) => (v > 0.5 ? [Math.floor(i / 28)] : [])));
    expect(inkedRows.size).toBe(20);
    const { nodeClass, difference } = await compareWithNode(shown);
    expect(shown.class).toBe(nodeClass);
    expect(difference).toBeLessThan(1e-4);
    expect(shown.class).toBe(1);

    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
