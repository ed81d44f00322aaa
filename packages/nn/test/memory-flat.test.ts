// A 10,000-step training run keeps its memory flat: after the first thousand steps, the next nine
// thousand add nothing that stays (JavaScript heap, typed arrays, the kernels' WebAssembly memory),
// compiled (fit's default) and eager alike, with no dispose, tidy or .ref anywhere.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { crossEntropy } from "@strata/autograd";
import { Linear, ReLU, Sequential, fit } from "@strata/nn";
import { SGD } from "@strata/optim";
import { kernelOptions, randint, randn, rng } from "@strata/tensor";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Bytes that stay after a full collection: the JS heap, typed arrays, and the kernels' memory. */
function held(): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  const resident = kernelOptions().residentBytesHeld;
  return heapUsed + arrayBuffers + resident;
}

const STEPS = 10_000;
const BATCH = 16;

for (const compile of [true, false]) {
  describe(`fit, ${compile ? "compiled" : "eager"} steps`, () => {
    it(`keeps memory flat over ${STEPS} steps (growth from step 1,000 to 10,000 under 2 MB)`, () => {
      const r = rng(7);
      const x = randn([BATCH * 100, 32], { rng: r });
      const y = randint(0, 4, [BATCH * 100], { rng: r });
      const model = new Sequential(new Linear(32, 64, { rng: r }), new ReLU(), new Linear(64, 4, { rng: r }));
      const optimizer = new SGD(model.parameters(), { lr: 0.01 });
      const marks = new Map<number, number>();
      let step = 0;
      const history = fit(model, {
        x, y, layout: "batchFirst", loss: crossEntropy, optimizer, batchSize: BATCH, epochs: STEPS / 100, verbose: false, compile,
        onProgress: () => {
          step += 1;
          if (step === 1_000 || step === STEPS) marks.set(step, held());
        },
      });
      expect(step).toBe(STEPS);
      expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]!);
      if (compile) expect(history.compile).toMatchObject({ recordings: 1, replays: STEPS - 1, eager: null });
      else expect(history.compile).toBeUndefined();
      const growth = marks.get(STEPS)! - marks.get(1_000)!;
      // a step's own buffers come to about 10 KB, so one kept per step would be 90 MB
      expect(growth).toBeLessThan(2 * 1024 * 1024);
    });
  });
}
