// The comparison compares like with like: on the seeded inputs of bench/src/compare-workloads.ts,
// built small, each peer's products equal Strata's, and its training steps start from the same
// loss as Strata's from the same weights (and, after one SGD update, reach the same loss again,
// so gradients and learning rates agree too). Timing is never asserted here.
//
// tfjs-wasm runs here as in the benchmark: its SIMD + threads binary, started through the shim in
// bench/src/peers/tfjs-wasm-threads.ts (probed in a child process first), with 2 threads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { courseWorkload, mlpWorkload, productWorkload, reluWorkload, transposedProductWorkload } from "../src/compare-workloads.js";
import { jaxPeer } from "../src/peers/jax.js";
import { tfjsCpuPeer, tfjsWasmPeer } from "../src/peers/tfjs.js";
import { relativeError, type Peer } from "../src/peers/types.js";

const TOLERANCE = 1e-4;

const loaders: [string, () => Promise<Peer>][] = [
  ["tfjs-cpu", tfjsCpuPeer],
  ["tfjs-wasm", () => tfjsWasmPeer(2)],
  ["jax-js", jaxPeer],
];

describe.each(loaders)("%s against Strata", (_name, load) => {
  let peer: Peer;
  beforeAll(async () => {
    peer = await load();
  });
  afterAll(async () => {
    await peer.close();
  });

  it.each([
    ["A·B, 33x17 · 17x29", productWorkload(33, 17, 29, 1)],
    ["Aᵀ·B, A stored 17x33, B 17x29", transposedProductWorkload(33, 17, 29, 2)],
  ])("%s gives Strata's product", async (_label, built) => {
    await peer.activate();
    const prepared = peer.product(built.spec);
    const got = prepared.run();
    prepared.dispose();
    expect(got.length).toBe(33 * 29);
    expect(relativeError(got, built.strata.run().toTypedArray())).toBeLessThan(TOLERANCE);
  });

  it.each([
    ["MLP 784-256-128-10, batch 32", mlpWorkload([784, 256, 128, 10], 32, 3)],
    ["course network [12288,20,7,5,1], m = 209", courseWorkload([12288, 20, 7, 5, 1], 209, 4)],
  ])("%s: first loss and the loss after one SGD step equal Strata's", async (_label, built) => {
    await peer.activate();
    const prepared = peer.trainingStep(built.spec);
    const [first, second] = [prepared.run(), prepared.run()];
    prepared.dispose();
    const [strataFirst, strataSecond] = [built.strata.run(), built.strata.run()];
    expect(Math.abs(first - strataFirst) / Math.abs(strataFirst)).toBeLessThan(TOLERANCE);
    expect(Math.abs(second - strataSecond) / Math.abs(strataSecond)).toBeLessThan(TOLERANCE);
    // a step that changed nothing would pass the first check and fail this one
    expect(second).not.toBe(first);
  });

  it("relu gives Strata's values, also through the variant without read-back", async () => {
    await peer.activate();
    const built = reluWorkload(1000, 5);
    const prepared = peer.relu(built.spec);
    expect(relativeError(prepared.run(), built.strata.run().toTypedArray())).toBe(0);
    prepared.dispose();
    const quiet = peer.reluWithoutReadBack?.(built.spec);
    if (quiet) {
      await quiet.prepared.run();
      quiet.prepared.dispose();
    }
  });
});

describe("tfjs-cpu memory", () => {
  it("a training step leaves no tensors behind", async () => {
    const peer = await tfjsCpuPeer();
    const prepared = peer.trainingStep(mlpWorkload([20, 8, 3], 5, 6).spec);
    prepared.run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) prepared.run();
    expect(tf.memory().numTensors).toBe(before);
    prepared.dispose();
    await peer.close();
  });
});
