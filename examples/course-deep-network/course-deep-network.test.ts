import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { computeCost, initializeParametersDeep, modelForward, writeSafetensors } from "@strata/nn";
import { rng } from "@strata/tensor";
import { loadCatFolder, optionsFromArgs, run } from "./run.js";

const dir = mkdtempSync(join(tmpdir(), "strata-course-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tiny cat/non-cat folder of random bytes: 6 training and 4 test pictures. */
function tinyCats(): string {
  const g = rng(5);
  const bytes = (k: number) => Uint8Array.from({ length: k }, () => g.int(256));
  const cats = join(dir, "cats");
  rmSync(cats, { recursive: true, force: true });
  mkdirSync(cats);
  writeFileSync(join(cats, "catvnoncat_train_x_u8.bin"), bytes(6 * 12288));
  writeFileSync(join(cats, "catvnoncat_train_y_u8.bin"), Uint8Array.of(1, 0, 1, 0, 0, 1));
  writeFileSync(join(cats, "catvnoncat_test_x_u8.bin"), bytes(4 * 12288));
  writeFileSync(join(cats, "catvnoncat_test_y_u8.bin"), Uint8Array.of(0, 1, 1, 0));
  return cats;
}

describe("course deep network example", () => {
  it("trains the same network twice on breast cancer with matching costs", () => {
    const r = run({ iterations: 300 });
    expect(r.layerDims).toEqual([30, 20, 7, 5, 1]);
    expect(r.trainSize + r.testSize).toBe(569);
    expect(r.blocks.costs).toHaveLength(300);
    expect(r.maxCostDifference).toBeLessThanOrEqual(1e-6);
    expect(r.blocks.costs[299]!).toBeLessThan(r.blocks.costs[0]! - 0.2);
    expect(r.blocks.testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.module.testAccuracy).toBe(r.blocks.testAccuracy);
  });

  it("reads a --data folder of cat bytes and starts from --init weights", () => {
    const cats = tinyCats();
    const data = loadCatFolder(cats);
    expect(data.xTrain.shape).toEqual([12288, 6]);
    expect(data.yTest.shape).toEqual([1, 4]);
    // Column 1 of X is picture 1, flattened in (row, col, channel) order and divided by 255.
    const px = data.xTrain.get(3 * 64 + 2, 1);
    expect(px * 255).toBeCloseTo(Math.round(px * 255), 9);

    const weights = initializeParametersDeep([12288, 20, 7, 5, 1], { rng: rng(9), dtype: "float32" });
    const file = join(dir, "init.safetensors");
    writeSafetensors(file, weights);
    const r = run(optionsFromArgs(["--data", cats, "--iterations", "3", "--init", file]));
    expect(r.layerDims).toEqual([12288, 20, 7, 5, 1]);
    expect([r.trainSize, r.testSize]).toEqual([6, 4]);
    expect([...r.blocks.costs, ...r.module.costs].every(Number.isFinite)).toBe(true);
    const f64 = Object.fromEntries(Object.entries(weights).map(([k, t]) => [k, t.cast("float64")]));
    expect(r.blocks.costs[0]).toBeCloseTo(computeCost(modelForward(data.xTrain, f64).AL, data.yTrain), 12);
    expect(r.maxCostDifference).toBeLessThanOrEqual(1e-9);

    // Weights that do not fit the layer sizes are refused.
    writeSafetensors(file, initializeParametersDeep([30, 20, 7, 5, 1], { rng: rng(9) }));
    expect(() => run({ dataDir: cats, iterations: 1, initFile: file })).toThrow(/W1 is \(20, 30\), expected \(20, 12288\)/);
  });
});
