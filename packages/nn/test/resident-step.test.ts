// A whole training step (forward, mean loss, backward, SGD update) run while recording, so that
// every buffer it allocates lives in the kernels' memory and every kernel works in place, against
// the same step on plain arrays: the same losses and parameters, bit for bit, step after step.
import { describe, expect, it } from "vitest";
import { binaryCrossEntropy, deepNetwork } from "@strata/nn";
import { SGD } from "@strata/optim";
import { isResidentTensor, kernelOptions, makeResident, rand, record, rng, type Tensor } from "@strata/tensor";

const bits = (t: Tensor): number[] => Array.from(new Uint8Array(t.toTypedArray().buffer));

describe.skipIf(!kernelOptions().wasm)("a training step on resident buffers", () => {
  it("gives the plain step's loss and parameters, bit for bit, over three steps", () => {
    const X = rand([64, 256], { rng: rng(1) });
    const Y = rand([1, 256], { rng: rng(2) }).gt(0.5).cast("float32");
    const plain = deepNetwork([64, 48, 24, 1], { rng: rng(3) });
    const moved = deepNetwork([64, 48, 24, 1], { rng: rng(3) });
    for (const p of moved.parameters()) makeResident(p.data);
    const [optPlain, optMoved] = [new SGD(plain.parameters(), { lr: 0.1 }), new SGD(moved.parameters(), { lr: 0.1 })];
    const step = (net: typeof plain, opt: SGD): Tensor => {
      opt.zeroGrad();
      const loss = binaryCrossEntropy(net.forward(X), Y);
      loss.backward();
      opt.step();
      return loss.data;
    };
    for (let i = 0; i < 3; i++) {
      const expected = step(plain, optPlain);
      const { result } = record(() => step(moved, optMoved));
      expect(bits(result)).toEqual(bits(expected));
      moved.parameters().forEach((p, j) => {
        expect(isResidentTensor(p.data)).toBe(true);
        expect(bits(p.data)).toEqual(bits(plain.parameters()[j]!.data));
      });
    }
    // the gradients the step made while recording live in the kernels' memory too
    expect(isResidentTensor(moved.parameters()[0]!.grad!)).toBe(true);
  });
});
