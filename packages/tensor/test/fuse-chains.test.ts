// Chains of elementwise ops fused by record (src/fuse.ts): a replay runs each chain in one pass,
// and must give the bits the ops one by one give (the eager call on the same inputs), fall back to
// the ops one by one when the chain cannot run on the kernels, and leave apart what is no chain.
import { afterEach, describe, expect, it } from "vitest";
import {
  add, div, exp, kernelOptions, leakyRelu, log, makeResident, maximum, minimum, mul, record, relu, replay, setKernelOptions, sigmoid, sub, tanh,
  type DType, type Tensor,
} from "@strata/tensor";
import { HostStorage } from "../src/storage.js";
import { lastBackend } from "../src/dispatch/dispatch.js";
import { sample } from "./reference.js";

const wasm = kernelOptions().wasm;

/** `t` moved into the kernels' memory, where a chain can read it in place. */
function resident(t: Tensor): Tensor {
  expect(makeResident(t)).toBe(true);
  return t;
}

function bits(t: Tensor): string {
  const a = t.toTypedArray();
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

/** Records `f` on `inputs`, writes new values into them, replays; expects the eager call's bits. */
function expectFusedReplay(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], pieces: number, fresh: (i: number) => Tensor): void {
  const { result, recording } = record(() => f(...inputs));
  expect(recording.work.length).toBe(pieces);
  inputs.forEach((x, i) => x.data.set(fresh(i).data));
  lastBackend.chain = "";
  replay(recording);
  if (pieces < 2) expect(lastBackend.chain).toBe("wasm");
  expect(bits(result)).toBe(bits(f(...inputs)));
}

describe.skipIf(!wasm)("record fuses chains of elementwise ops", () => {
  afterEach(() => setKernelOptions({ wasm: true }));

  for (const dtype of ["float32", "float64"] as DType[]) {
    it(`a·b + c replays as one pass, bit for bit the ops one by one (${dtype})`, () => {
      const n = 3 * 4096 + 7;
      const inputs = [1, 2, 3].map((s) => resident(sample([n], dtype, s)));
      expectFusedReplay((a, b, c) => a.mul(b).add(c), inputs, 1, (i) => sample([n], dtype, 10 + i));
    });

    it(`a long chain of maps and arithmetic with numbers, swapped operands and a float64-only scalar (${dtype})`, () => {
      const shape = [37, 301];
      const inputs = [1, 2].map((s) => resident(sample(shape, dtype, s, 0.5, 3)));
      const chain = (a: Tensor, b: Tensor): Tensor => {
        let t = mul(a, b);
        t = add(t, 0.1); // not a float32 value: float32 arithmetic in float64, as alone
        t = sub(2, t); // a number on the left: the swapped op
        t = relu(t);
        t = leakyRelu(sub(t, b), 0.3);
        t = maximum(t, a);
        t = minimum(t, 7);
        t = div(1, add(t, 1));
        t = exp(t);
        t = log(t);
        t = sigmoid(t);
        return tanh(mul(t, a));
      };
      expectFusedReplay(chain, inputs, 1, (i) => sample(shape, dtype, 20 + i, 0.5, 3));
    });
  }

  it("keeps an intermediate no one reads after the chain out of memory, and writes every one that is returned or read later", () => {
    const n = 3 * 4096 + 5;
    const [a, b, c] = [1, 2, 3].map((s) => resident(sample([n], "float32", s)));
    let kept: Tensor | null = null;
    const dropped = record(() => {
      kept = mul(a!, b!);
      return add(kept, c!);
    });
    const returned = record(() => {
      const t = mul(a!, b!);
      return [t, add(t, c!)];
    });
    class Pair {
      constructor(readonly inner: { t: Tensor }, readonly u: Tensor) {}
    }
    const boxed = record(() => {
      const t = mul(a!, b!);
      return new Map([["pair", new Pair({ t }, add(t, c!))]]);
    });
    const readLater = record(() => {
      const t = mul(a!, b!);
      const u = add(t, c!);
      return t.sum().add(u.sum()); // the sums do not say what they read: t stays written
    });
    const before = bits(kept!);
    for (const x of [a!, b!, c!]) x.data.set(sample([n], "float32", 7).data);
    for (const r of [dropped, returned, boxed, readLater]) replay(r.recording);
    const t = mul(a!, b!);
    expect(bits(dropped.result)).toBe(bits(add(t, c!)));
    expect(bits(kept!)).toBe(before);
    expect(bits(returned.result[0]!)).toBe(bits(t));
    expect(bits(returned.result[1]!)).toBe(bits(add(t, c!)));
    expect(bits(boxed.result.get("pair")!.inner.t)).toBe(bits(t));
    expect(bits(readLater.result)).toBe(bits(t.sum().add(add(t, c!).sum())));
  });

  it("splits a compute-bound chain between threads and still gives the same bits", () => {
    const n = 5 * 4096 * 8 + 3;
    const inputs = [resident(sample([n], "float32", 4))];
    expectFusedReplay((x) => tanh(exp(mul(x, 0.5))), inputs, 1, () => sample([n], "float32", 5));
  });

  it("leaves ops apart that do not read each other, or read a part of one another's output", () => {
    const n = 8192;
    const [a, b, c] = [1, 2, 3].map((s) => resident(sample([n], "float32", s)));
    const apart = record(() => [mul(a!, b!), add(c!, b!)]).recording;
    expect(apart.work.length).toBe(2);
    const shifted = record(() => {
      const t = mul(a!, b!);
      return add(t.slice([1, n]), c!.slice([1, n]));
    }).recording;
    expect(shifted.work.length).toBeGreaterThan(1);
  });

  it("leaves small ops and ops on plain arrays apart, as the kernels alone would not take them", () => {
    const small = [1, 2, 3].map((s) => resident(sample([100], "float32", s)));
    expect(record(() => small[0]!.mul(small[1]!).add(small[2]!)).recording.work.length).toBe(2);
    const plain = [1, 2, 3].map((s) => sample([8192], "float32", s));
    expect(record(() => plain[0]!.mul(plain[1]!).add(plain[2]!)).recording.work.length).toBe(2);
  });

  it("runs the ops one by one when an input has left the kernels' memory since recording", () => {
    const n = 8192;
    const inputs = [1, 2, 3].map((s) => resident(sample([n], "float32", s)));
    const { result, recording } = record(() => inputs[0]!.mul(inputs[1]!).add(inputs[2]!));
    expect(recording.work.length).toBe(1);
    const plain = sample([n], "float32", 9);
    (inputs[1]!.storage as HostStorage).replace(plain.data);
    lastBackend.chain = "";
    replay(recording);
    expect(lastBackend.chain).toBe("");
    expect(bits(result)).toBe(bits(inputs[0]!.mul(inputs[1]!).add(inputs[2]!)));
  });

  it("runs the ops one by one when two operands now overlap without coinciding", () => {
    const n = 8192;
    const inputs = [1, 2, 3].map((s) => resident(sample([n], "float32", s)));
    const { result, recording } = record(() => inputs[0]!.mul(inputs[1]!).add(inputs[2]!));
    const big = resident(sample([n + 1], "float32", 8));
    (inputs[0]!.storage as HostStorage).replace(big.data.subarray(0, n));
    (inputs[1]!.storage as HostStorage).replace(big.data.subarray(1, n + 1));
    lastBackend.chain = "";
    replay(recording);
    expect(lastBackend.chain).toBe("");
    expect(bits(result)).toBe(bits(inputs[0]!.mul(inputs[1]!).add(inputs[2]!)));
  });

  it("runs the ops one by one, as eagerly, when the kernels are turned off before a replay", () => {
    const n = 8192;
    const inputs = [1, 2].map((s) => resident(sample([n], "float32", s)));
    const f = (a: Tensor, b: Tensor): Tensor => exp(a.mul(b).sub(1));
    const { result, recording } = record(() => f(inputs[0]!, inputs[1]!));
    expect(recording.work.length).toBe(1);
    setKernelOptions({ wasm: false });
    replay(recording);
    expect(bits(result)).toBe(bits(f(inputs[0]!, inputs[1]!)));
  });
});
