// fit's onProgress against a hand count of the batches, the examples and the running loss; and
// where printed progress goes by default under Node.
import { afterEach, describe, expect, it, vi } from "vitest";
import { binaryCrossEntropy, deepNetwork, fit, type FitProgress } from "@strata/nn";
import { SGD } from "@strata/optim";
import { ValueError, rng, tensor, type Tensor } from "@strata/tensor";
import { errorOf } from "./helpers.js";

const n = 2;
const m = 12;
const X = tensor(Array.from({ length: n * m }, (_, i) => Math.cos(0.9 * i + 0.2)), { shape: [n, m], dtype: "float64" });
const Y = tensor([Array.from({ length: m }, (_, j) => (Math.cos(0.9 * j) > 0 ? 1 : 0))], { dtype: "float64" });
const net = () => deepNetwork([n, 3, 1], { rng: rng(9), dtype: "float64", hidden: "tanh" });

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("fit's onProgress", () => {
  it("is called after every batch with the hand-counted epoch, batch, examples, running loss and accuracy", () => {
    vi.useFakeTimers();
    const model = net();
    const batchSize = 5;
    // each loss call takes 1.5 s of fake time and records the batch's loss times its size
    const sums: { loss: number; size: number }[][] = [];
    const loss = (p: Parameters<typeof binaryCrossEntropy>[0], y: Tensor) => {
      vi.advanceTimersByTime(1500);
      const l = binaryCrossEntropy(p, y);
      sums.at(-1)!.push({ loss: l.item() * y.shape[1]!, size: y.shape[1]! });
      return l;
    };
    const calls: FitProgress[] = [];
    const history = fit(model, {
      x: X, y: Y, loss, optimizer: new SGD(model.parameters(), { lr: 0.2 }), epochs: 3, batchSize, rng: rng(4), metrics: ["accuracy"], verbose: false,
      callbacks: [{ onTrainBegin: () => void sums.push([]), onEpochEnd: () => void sums.push([]) }],
      onProgress: (p) => void calls.push({ ...p }),
    });
    // ⌈12 / 5⌉ = 3 batches of 5, 5 and 2 examples, in each of 3 epochs
    expect(calls.map((p) => [p.epoch, p.batch, p.seen])).toEqual([
      [1, 1, 5], [1, 2, 10], [1, 3, 12],
      [2, 1, 5], [2, 2, 10], [2, 3, 12],
      [3, 1, 5], [3, 2, 10], [3, 3, 12],
    ]);
    expect(calls.every((p) => p.epochs === 3 && p.batches === 3 && p.examples === 12)).toBe(true);
    calls.forEach((p, k) => {
      const batches = sums[p.epoch - 1]!.slice(0, p.batch);
      const running = batches.reduce((s, b) => s + b.loss, 0) / batches.reduce((s, b) => s + b.size, 0);
      expect(p.loss).toBeCloseTo(running, 12);
      expect(p.elapsed).toBe(1.5 * (k + 1));
      expect(Number.isInteger(p.accuracy! * p.seen)).toBe(true);
    });
    // after an epoch's last batch, the running values are the epoch's
    for (let e = 0; e < 3; e++) {
      expect(calls[3 * e + 2]!.loss).toBe(history.loss[e]);
      expect(calls[3 * e + 2]!.accuracy).toBe(history.accuracy![e]);
    }
  });

  it("counts ⌈m / batchSize⌉ batches for every batch size, the last one holding the rest", () => {
    for (let batchSize = 1; batchSize <= m + 2; batchSize++) {
      const model = net();
      const calls: FitProgress[] = [];
      fit(model, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 2, batchSize, verbose: false, onProgress: (p) => void calls.push(p) });
      let expected = 0;
      for (let seen = 0; seen < m; seen += batchSize) expected++;
      expect(calls.length, `batchSize ${batchSize}`).toBe(2 * expected);
      expect(calls[0]!.batches).toBe(expected);
      const seen = calls.filter((p) => p.epoch === 1).map((p) => p.seen);
      const sizes = seen.map((s, i) => s - (i === 0 ? 0 : seen[i - 1]!));
      expect(sizes).toEqual([...new Array<number>(expected - 1).fill(batchSize), m - batchSize * (expected - 1)]);
    }
  });

  it("has no accuracy without metrics, and runs whatever verbose says", () => {
    const model = net();
    const calls: FitProgress[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    fit(model, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 6, verbose: false, onProgress: (p) => void calls.push(p) });
    expect(write).not.toHaveBeenCalled();
    expect(calls.length).toBe(2);
    expect(calls.every((p) => !("accuracy" in p))).toBe(true);
  });

  it("stops training with the callback's own error, and refuses a non-function and an output without write()", () => {
    const model = net();
    const boom = new Error("stop here");
    let calls = 0;
    const e = errorOf(() => fit(model, {
      x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 3, batchSize: 4, verbose: false,
      onProgress: () => {
        if (++calls === 4) throw boom;
      },
    }));
    expect(e).toBe(boom);
    expect(calls).toBe(4);
    const bad = errorOf(() => fit(model, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 4, onProgress: "yes" as unknown as () => void }));
    expect(bad).toBeInstanceOf(ValueError);
    expect(bad.message).toBe('fit: onProgress must be a function (progress) => void, got "yes"');
    const noWrite = errorOf(() => fit(model, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 4, output: { isTTY: true } as never }));
    expect(noWrite.message).toBe("fit: output must be a writable stream (anything with write(text)), got [object Object]");
  });
});

describe("printed progress under Node", () => {
  it("goes to process.stdout when no output is given: one plain line per epoch off a TTY", () => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => (lines.push(String(s)), true));
    const wasTTY = process.stdout.isTTY;
    process.stdout.isTTY = false as unknown as true;
    try {
      const model = net();
      fit(model, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 6 });
    } finally {
      process.stdout.isTTY = wasTTY;
      write.mockRestore();
    }
    expect(lines.length).toBe(2);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^epoch ${i + 1}/2  loss \\d+\\.\\d{4}  \\d+ ex/s  \\d+\\.\\ds\\n$`)));
  });
});
