/// <reference lib="dom" />
// (c) A cross-origin isolated page runs the kernels on Web Workers: after kernelsReady() helper
// threads take jobs, and the results equal the one-thread results and Node's.
// (d) A page without COOP/COEP cannot share memory: crossOriginIsolated is false, kernelOptions()
// says one thread, no helper runs a job, and the values are still Node's.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, pageRunning, type PageApi, type TestPage } from "./harness.js";
import { product } from "./programs.js";

// 192 × 160 × 128: about 3.9M multiply-adds, enough for the dispatcher to split a product in two
const [N, K, P] = [192, 160, 128];

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** What a page reports about its kernels and the jobs they ran, around one product per dtype. */
interface Report {
  isolated: boolean;
  threads: number;
  wasm: boolean;
  helperJobsBefore: number;
  helperJobsAfter: number;
  float32: number[];
  float64: number[];
  /** The float64 product's inputs. */
  a: number[];
  b: number[];
}

/** Row i, column j of A·B summed in float64 in plain JavaScript, from the page's own inputs. */
function element(a: number[], b: number[], i: number, j: number): number {
  let sum = 0;
  for (let k = 0; k < K; k++) sum += a[i * K + k]! * b[k * P + j]!;
  return sum;
}

async function runProducts(page: TestPage, threads?: number): Promise<Report> {
  return page.page.evaluate(async ({ n, k, p, threads }) => {
    const { tensor, programs } = (window as unknown as { strata: PageApi }).strata;
    if (threads !== undefined) tensor.setKernelOptions({ threads });
    await tensor.kernelsReady();
    const before = tensor.kernelOptions();
    const float32 = programs.product(n, k, p, "float32").c;
    // more products, so that a helper descheduled during one call (its job then runs on the
    // caller, by design) cannot leave the count at zero
    for (let r = 0; r < 10; r++) programs.product(n, k, p, "float32");
    const f64 = programs.product(n, k, p, "float64");
    const float64 = f64.c;
    const after = tensor.kernelOptions();
    return {
      isolated: crossOriginIsolated, threads: before.threads, wasm: before.wasm,
      helperJobsBefore: before.helperJobs, helperJobsAfter: after.helperJobs, float32, float64, a: f64.a, b: f64.b,
    };
  }, { n: N, k: K, p: P, threads });
}

describe("the kernels' threads in a page", () => {
  const node = { float32: product(N, K, P, "float32").c, float64: product(N, K, P, "float64").c };

  it("a cross-origin isolated page runs jobs on Web Workers, with the one-thread results", async () => {
    const page = await pageRunning(browser, true);
    try {
      const many = await runProducts(page);
      expect(many.isolated).toBe(true);
      expect(many.wasm).toBe(true);
      expect(many.threads).toBeGreaterThanOrEqual(2);
      // the products were split and a helper thread took part of the work
      expect(many.helperJobsAfter - many.helperJobsBefore).toBeGreaterThanOrEqual(1);
      const one = await runProducts(page, 1);
      expect(one.threads).toBe(1);
      expect(one.helperJobsAfter).toBe(one.helperJobsBefore);
      expect(many.float32).toEqual(one.float32);
      expect(many.float64).toEqual(one.float64);
      expect(many.float32).toEqual(node.float32);
      expect(many.float64).toEqual(node.float64);
      expect(page.errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it("a page without COOP/COEP computes on one thread, with Node's values, and says so", async () => {
    const page = await pageRunning(browser, false);
    try {
      const report = await runProducts(page);
      expect(report.isolated).toBe(false);
      expect(report.threads).toBe(1);
      expect(report.wasm).toBe(true);
      expect(report.helperJobsAfter).toBe(0);
      expect(report.float32).toEqual(node.float32);
      expect(report.float64).toEqual(node.float64);
      // and an independent check of the values: a few elements summed in plain JavaScript
      for (const [i, j] of [[0, 0], [5, 7], [N - 1, P - 1]] as const) {
        const reference = element(report.a, report.b, i, j);
        expect(Math.abs(report.float64[i * P + j]! - reference)).toBeLessThan(1e-12 * K);
      }
      expect(page.errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
