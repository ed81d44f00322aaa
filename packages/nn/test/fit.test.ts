// fit: the training loop against a hand-written one, metrics, validation, callbacks, progress, errors.
import { describe, expect, it, vi } from "vitest";
import { noGrad } from "@strata/autograd";
import { binaryCrossEntropy, deepNetwork, softmaxCrossEntropy, type StateDict } from "@strata/nn";
import { SGD } from "@strata/optim";
import { ShapeError, ValueError, rng, tensor, type Tensor } from "@strata/tensor";
import { earlyStopping, fit, type FitOptions } from "@strata/nn";
import { countCorrect } from "../src/metrics.js";
import { errorOf, sameBits } from "./helpers.js";

const n = 3;
const m = 12;
const X = tensor(Array.from({ length: n * m }, (_, i) => Math.sin(1.7 * i + 0.3)), { shape: [n, m], dtype: "float64" });
const Y = tensor(Array.from({ length: m }, (_, j) => (Math.sin(1.7 * j) > 0 ? 1 : 0)), { shape: [1, m], dtype: "float64" });
const net = (seed = 0) => deepNetwork([n, 4, 1], { rng: rng(seed), dtype: "float64", hidden: "tanh" });

function sameWeights(a: StateDict, b: StateDict): boolean {
  return Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => sameBits(a[k]!, b[k]!));
}

function sink(isTTY: boolean): { stream: FitOptions["output"] & object; lines: string[] } {
  const lines: string[] = [];
  const stream = { write(s: string, cb?: unknown) { lines.push(s); if (typeof cb === "function") cb(); return true; }, isTTY, columns: 100 };
  return { stream: stream as unknown as FitOptions["output"] & object, lines };
}

describe("fit", () => {
  it("with batchSize = m and no shuffle equals the hand-written loop", () => {
    const a = net();
    const b = net();
    const history = fit(a, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(a.parameters(), { lr: 0.3 }), epochs: 7, batchSize: m, shuffle: false, verbose: false });
    const opt = new SGD(b.parameters(), { lr: 0.3 });
    const manual: number[] = [];
    for (let e = 0; e < 7; e++) {
      opt.zeroGrad();
      const l = binaryCrossEntropy(b.forward(X), Y);
      manual.push(l.item());
      l.backward();
      opt.step();
    }
    expect(history.loss.length).toBe(7);
    history.loss.forEach((v, i) => expect(Math.abs(v - manual[i]!)).toBeLessThanOrEqual(1e-12));
    expect(sameWeights(a.stateDict(), b.stateDict())).toBe(true);
    expect(history).toMatchObject({ epochs: 7, stopped: false });
    expect(history.accuracy).toBeUndefined();
    expect(history.valLoss).toBeUndefined();
  });

  it("with seeded mini-batches is deterministic; the epoch loss is the size-weighted batch mean", () => {
    const run = () => {
      const model = net(1);
      const batchLosses: number[][] = [];
      const loss = (p: Parameters<typeof binaryCrossEntropy>[0], y: Tensor) => {
        const l = binaryCrossEntropy(p, y);
        batchLosses.at(-1)!.push(l.item() * y.shape[1]!);
        return l;
      };
      const cb = { onTrainBegin: () => batchLosses.push([]), onEpochEnd: () => void batchLosses.push([]) };
      const h = fit(model, { x: X, y: Y, loss, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 4, batchSize: 5, rng: rng(42), metrics: ["accuracy"], callbacks: [cb], verbose: false });
      return { h, w: model.stateDict(), batchLosses };
    };
    const r1 = run();
    const r2 = run();
    expect(r1.h).toEqual(r2.h);
    expect(sameWeights(r1.w, r2.w)).toBe(true);
    expect(r1.h.loss.length).toBe(4);
    expect(r1.h.accuracy!.length).toBe(4);
    expect(r1.batchLosses[0]!.length).toBe(3); // 5 + 5 + 2
    r1.h.loss.forEach((v, e) => expect(v).toBeCloseTo(r1.batchLosses[e]!.reduce((s, x) => s + x, 0) / m, 12));
  });

  it("validation values equal a noGrad evaluation after the epoch, and train mode is restored", () => {
    const model = net(2);
    const xv = X;
    const seen: { valLoss: number; valAcc: number; training: boolean }[] = [];
    const check = {
      onEpochEnd(_e: number, _logs: unknown) {
        model.eval();
        const v = noGrad(() => {
          const p = model.forward(xv);
          return { valLoss: binaryCrossEntropy(p, Y).item(), valAcc: countCorrect(p.data, Y) / m };
        });
        model.train();
        seen.push({ ...v, training: true });
      },
    };
    let trainingDuringCallback = false;
    const h = fit(model, {
      x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.5 }), epochs: 3, batchSize: 4, rng: rng(3),
      validation: { x: xv, y: Y }, metrics: ["accuracy"], callbacks: [{ onEpochEnd: () => void (trainingDuringCallback = model.training) }, check], verbose: false,
    });
    expect(trainingDuringCallback).toBe(true);
    expect(h.valLoss!.length).toBe(3);
    h.valLoss!.forEach((v, i) => expect(v).toBe(seen[i]!.valLoss));
    h.valAccuracy!.forEach((v, i) => expect(v).toBe(seen[i]!.valAcc));
  });

  it("computes accuracy as worked out by hand", () => {
    // one row: threshold 0.5 → predictions 1, 0, 1, 0 against 1, 0, 0, 0 → 3 of 4
    expect(countCorrect(tensor([[0.9, 0.2, 0.5, 0.49]]), tensor([[1, 0, 0, 0]]))).toBe(3);
    expect(countCorrect(tensor([[0.9, 0.2, 0.5, 0.49]]), tensor([1, 0, 0, 0], { dtype: "int32" }))).toBe(3);
    // three rows: argmax per column 0, 2, 1 against classes 0, 1, 1 → 2 of 3
    const p = tensor([[0.7, 0.1, 0.2], [0.2, 0.3, 0.5], [0.1, 0.6, 0.3]]);
    expect(countCorrect(p, tensor([0, 1, 1], { dtype: "int32" }))).toBe(2);
    expect(countCorrect(p, tensor([[0, 1, 1]], { dtype: "int32" }))).toBe(2);
    expect(countCorrect(p, tensor([[1, 0, 0], [0, 1, 1], [0, 0, 0]]))).toBe(2);
    // through fit: a model whose outputs are known (lr 0: no change), batch = all examples
    const model = net(4);
    const p0 = noGrad(() => model.forward(X)).data;
    const h = fit(model, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0 }), epochs: 1, batchSize: m, shuffle: false, metrics: ["accuracy"], verbose: false });
    const pv = p0.toTypedArray() as Float64Array;
    const yv = Y.toTypedArray() as Float64Array;
    let c = 0;
    for (let j = 0; j < m; j++) if ((pv[j]! >= 0.5 ? 1 : 0) === yv[j]) c++;
    expect(h.accuracy![0]).toBe(c / m);
  });

  it("trains a softmax classifier with int labels and reports accuracy", () => {
    const labels = tensor(Array.from({ length: m }, (_, j) => j % 3), { dtype: "int32" });
    const model = deepNetwork([n, 3], { output: "identity", rng: rng(5), dtype: "float64" });
    const h = fit(model, { x: X, y: labels, loss: softmaxCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 6, rng: rng(0), metrics: ["accuracy"], verbose: false });
    expect(h.accuracy!.length).toBe(2);
    h.accuracy!.forEach((a) => expect(Number.isInteger(a * m)).toBe(true));
  });

  it("earlyStopping stops after patience flat epochs and restores the best weights", () => {
    const model = net(6);
    const initial = model.stateDict();
    const stopper = earlyStopping({ monitor: "valLoss", patience: 3 });
    // lr 0 keeps the validation loss flat: epoch 1 is the best, nothing improves on it
    const h = fit(model, {
      x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0 }), epochs: 20, batchSize: m,
      validation: { x: X, y: Y }, callbacks: [stopper], verbose: false,
    });
    expect(h.epochs).toBe(4); // best at 1, then 3 epochs without improvement
    expect(h.stopped).toBe(true);
    expect(stopper.bestEpoch).toBe(1);
    expect(stopper.stoppedEpoch).toBe(4);
    expect(sameWeights(model.stateDict(), initial)).toBe(true);
  });

  it("earlyStopping with restoreBest loads the best epoch's weights back", () => {
    const model2 = net(7);
    const stopper2 = earlyStopping({ monitor: "loss", patience: 2, minDelta: 1e9 }); // the loss falls, but by less than minDelta: epoch 1 stays best
    let best: StateDict | null = null;
    const rec2 = { onEpochEnd: (e: number) => void (e === 1 && (best = model2.stateDict())) };
    const h2 = fit(model2, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model2.parameters(), { lr: 0.5 }), epochs: 10, batchSize: m, shuffle: false, callbacks: [rec2, stopper2], verbose: false });
    expect(h2.epochs).toBe(3);
    expect(h2.stopped).toBe(true);
    expect(h2.loss[2]!).toBeLessThan(h2.loss[0]!); // training moved the weights…
    expect(sameWeights(model2.stateDict(), best!)).toBe(true); // …and the best (epoch 1) ones were loaded back
  });

  it("stops when onEpochEnd returns \"stop\"", () => {
    const model = net();
    const h = fit(model, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 10, batchSize: 4, callbacks: [{ onEpochEnd: (e) => (e === 2 ? "stop" : undefined) }], verbose: false });
    expect(h).toMatchObject({ epochs: 2, stopped: true });
    expect(h.loss.length).toBe(2);
  });

  it("writes one plain line per epoch when the output is not a TTY", () => {
    const { stream, lines } = sink(false);
    const model = net();
    fit(model, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 3, batchSize: 4, rng: rng(0), validation: { x: X, y: Y }, metrics: ["accuracy"], output: stream });
    expect(lines.length).toBe(3);
    lines.forEach((line, i) => {
      expect(line).toMatch(new RegExp(`^epoch ${i + 1}/3  loss \\d+\\.\\d{4}  acc \\d+\\.\\d{2}%  val_loss \\d+\\.\\d{4}  val_acc \\d+\\.\\d{2}%  \\d+ ex/s  \\d+\\.\\ds\\n$`));
    });
  });

  it("writes at most one line every 10 s within a long epoch", () => {
    vi.useFakeTimers();
    try {
      const { stream, lines } = sink(false);
      const model = net();
      const slow = (p: Parameters<typeof binaryCrossEntropy>[0], y: Tensor) => (vi.advanceTimersByTime(4000), binaryCrossEntropy(p, y));
      fit(model, { x: X, y: Y, loss: slow, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 1, shuffle: false, output: stream });
      // 12 batches of 4 s: lines after 12 s, 24 s, 36 s (not after the last batch), then the epoch line
      expect(lines.length).toBe(4);
      expect(lines.slice(0, 3).every((l) => /^epoch 1\/1  \d+\/12 examples  loss /.test(l))).toBe(true);
      expect(lines[3]).toMatch(/^epoch 1\/1  loss .* ex\/s  48\.0s\n$/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("prints nothing with verbose: false", () => {
    const { stream, lines } = sink(false);
    const tty = sink(true);
    const model = net();
    fit(model, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 4, output: stream, verbose: false });
    fit(model, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 4, output: tty.stream, verbose: false });
    expect(lines).toEqual([]);
    expect(tty.lines).toEqual([]);
  });

  it("draws a progress bar on a TTY", () => {
    const { stream, lines } = sink(true);
    const model = net();
    const h = fit(model, { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 4, metrics: ["accuracy"], validation: { x: X, y: Y }, output: stream });
    expect(h.epochs).toBe(2);
    const text = lines.join("");
    expect(text).toContain("epoch 2/2");
    expect(text).toContain("val_loss");
    expect(text).toContain("ex/s");
  });

  it("rejects bad options with messages naming fit and the option", () => {
    const model = net();
    const base: FitOptions = { x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 4, verbose: false };
    const err = (o: Partial<FitOptions> | Record<string, unknown>) => errorOf(() => fit(model, { ...base, ...o } as FitOptions));
    expect(err({ epochs: 0 })).toBeInstanceOf(ValueError);
    expect(err({ epochs: 1.5 }).message).toBe("fit: epochs must be an integer >= 1, got 1.5");
    expect(err({ batchSize: 0 }).message).toBe("fit: batchSize must be an integer >= 1, got 0");
    const shape = err({ y: tensor([[1, 0, 1]]) });
    expect(shape).toBeInstanceOf(ShapeError);
    expect(shape.message).toMatch(/^fit: x \(3,12\) has 12 examples \(columns\) but y \(1,3\) has 3; expected y of shape \(k, 12\) or \(12\); x looks like \(m, n_x\) with examples as rows: pass x.T \(examples are columns\), or pass layout: "batchFirst"/);
    expect(err({ validation: { x: X, y: tensor([1, 0]) } }).message).toMatch(/^fit: validation\.x \(3,12\) has 12 examples \(columns\) but validation\.y \(2\) has 2/);
    expect(err({ loss: "bce" }).message).toMatch(/^fit: loss must be a function/);
    expect(err({ optimizer: { step() {} } }).message).toMatch(/^fit: optimizer must have step\(\) and zeroGrad\(\)/);
    expect(err({ metrics: ["f1"] }).message).toMatch(/^fit: metrics must be a list of "accuracy"/);
    expect(err({ x: [[1]] }).message).toMatch(/^fit: x must be a Tensor/);
    expect(() => earlyStopping({ patience: 0 })).toThrow("earlyStopping: patience must be an integer >= 1, got 0");
    expect(err({ callbacks: [earlyStopping()] }).message).toMatch(/^earlyStopping: monitor "valLoss" is not in fit's logs/);
  });

  it("stops with an error naming the epoch and batch when the loss is not finite", () => {
    const model = net();
    let calls = 0;
    const nanAt = (p: Parameters<typeof binaryCrossEntropy>[0], y: Tensor) => {
      const l = binaryCrossEntropy(p, y);
      return ++calls === 3 * 2 + 2 ? l.mul(Number.NaN) : l; // epoch 3 (3 batches each), batch 2
    };
    const e = errorOf(() => fit(model, { x: X, y: Y, loss: nanAt, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 5, batchSize: 4, verbose: false }));
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toBe("fit: loss became NaN at epoch 3, batch 2");
  });
});
