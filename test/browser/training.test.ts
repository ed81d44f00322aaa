/// <reference lib="dom" />
// (b) The same seeded training program gives the same losses in a page as in Node. Two programs:
// the README's circle classifier (products too small to split between threads), and a wider one
// whose products are split (first layer 256 × 256 × 64: two jobs or more).
//
// What is bitwise and what is not:
// - the isolated page (Web Workers) and the page that is not isolated (one thread) give the same
//   bits: the kernels sum every output element in one fixed order whatever the split, and
//   WebAssembly arithmetic (no relaxed SIMD, no fused multiply-add) is exact IEEE;
// - float32 runs give Node's bits too;
// - float64 runs differ from Node's in the last bit or two (at most 3.3e-16 relative when this
//   was written), because the parts computed in JavaScript call the engine's Math library
//   (Math.log in randn's polar-method draws behind the initial weights, Math.exp and Math.log in the
//   TypeScript elementwise kernels), and Chromium 156's V8 and Node 20's V8 11.3 round Math.exp,
//   Math.log and Math.pow differently for some arguments (Math.exp on 1,901 of 20,000 arguments in
//   [-10, 10], by 1 ulp). Rounding to float32 hides such differences.
//   So float64 is compared with Node's within 1e-13 relative: a wrong kernel, layout or dtype
//   misses it by many orders of magnitude.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kernelOptions } from "@strata/tensor";
import { launchChromium, pageRunning, type PageApi, type TestPage } from "./harness.js";
import { trainLosses, type TrainSpec } from "./programs.js";

const circle = { features: 2, hidden: 16, examples: 1000, batchSize: 100, epochs: 3 };
const wide = { features: 64, hidden: 256, examples: 512, batchSize: 256, epochs: 2 };
const FLOAT64_RTOL = 1e-13;

let browser: Browser;
let isolated: TestPage;
let plain: TestPage;

beforeAll(async () => {
  browser = await launchChromium();
  isolated = await pageRunning(browser, true);
  plain = await pageRunning(browser, false);
}, 120_000);

afterAll(async () => {
  await isolated?.close();
  await plain?.close();
  await browser?.close();
});

/** The losses of `spec` in `page`, and how many jobs helper threads ran meanwhile. */
function inPage(page: TestPage, spec: TrainSpec): Promise<{ losses: number[]; helperJobs: number }> {
  return page.page.evaluate(async (s) => {
    const { tensor, programs } = (window as unknown as { strata: PageApi }).strata;
    await tensor.kernelsReady();
    const before = tensor.kernelOptions().helperJobs;
    const losses = programs.trainLosses(s);
    return { losses, helperJobs: tensor.kernelOptions().helperJobs - before };
  }, spec);
}

describe("training in a page", () => {
  it("Node runs these programs on more than one thread, so its side covers a split too", () => {
    expect(kernelOptions().threads).toBeGreaterThanOrEqual(2);
  });

  for (const dtype of ["float32", "float64"] as const) {
    for (const [name, shape] of [["circle classifier", circle], ["wide network", wide]] as const) {
      const spec: TrainSpec = { dtype, ...shape };
      it(`${name}, ${dtype}: the page's losses are Node's, on Web Workers and on one thread alike`, async () => {
        const node = trainLosses(spec);
        const many = await inPage(isolated, spec);
        const one = await inPage(plain, spec);
        expect(many.losses).toHaveLength((spec.examples / spec.batchSize) * spec.epochs);
        // the run learns, so equal losses are equal trajectories, not two constant outputs
        expect(node.at(-1)!).toBeLessThan(node[0]!);
        if (name === "wide network") expect(many.helperJobs).toBeGreaterThan(0);
        expect(one.helperJobs).toBe(0);
        expect(many.losses).toEqual(one.losses);
        if (dtype === "float32") {
          expect(many.losses).toEqual(node);
        } else {
          many.losses.forEach((loss, i) => expect(Math.abs(loss - node[i]!), `step ${i}`).toBeLessThanOrEqual(FLOAT64_RTOL * Math.abs(node[i]!)));
        }
        expect(isolated.errors).toEqual([]);
        expect(plain.errors).toEqual([]);
      }, 120_000);
    }
  }
});
