// Smoke test on the first images: the CNN learns batch-first from the real files, the plot is an
// SVG with both curves, and the checkpoint reloads into a model that predicts the same.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "@strata/nn";
import { afterAll, describe, expect, it } from "vitest";
import { expectOrtMatches } from "../../packages/onnx/test/ort.js";
import { loadMnist } from "../mnist/mnist.js";
import { run } from "./run.js";

const outDir = mkdtempSync(join(tmpdir(), "strata-mnist-cnn-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("mnist-cnn example", () => {
  it("learns from 3,000 images, plots, checkpoints and reloads", async () => {
    const result = await run({ epochs: 2, batchSize: 64, maxLr: 0.005, trainLimit: 3000, testLimit: 1000, outDir, verbose: false });
    expect(result.trainExamples).toBe(3000);
    // chance is 10%; two epochs on 3,000 images reach about 90%
    expect(result.testAccuracy).toBeGreaterThan(0.85);
    expect(result.history.loss[1]!).toBeLessThan(result.history.loss[0]!);
    expect(result.history.testAccuracy).toHaveLength(2);
    const svg = readFileSync(result.plotPath, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("training loss");
    expect(svg).toContain("test accuracy");
    expect(result.reloadedAgrees).toBe(true);

    // The trained CNN (batch norm on its running statistics) exported to ONNX runs in ONNX Runtime
    // on 23 real test images as in Strata, though traced on one.
    const model = load(result.checkpointPath).model;
    const test = loadMnist("test", 23).X;
    const images = test.T.reshape([23, 1, 28, 28]).contiguous();
    const { outputs } = await expectOrtMatches(model, { inputShape: [1, 1, 28, 28] }, [images]);
    expect(outputs[0]!.shape).toEqual([23, 10]);
  }, 120_000);
});
