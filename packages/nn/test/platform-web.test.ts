// @strata/nn on the web platform (what `#platform` resolves to in a browser bundle), run here by
// putting web.ts in place of the Node platform: the path functions refuse with the in-memory
// function to use instead and touch no file, the bytes functions work, and fit prints nothing by
// default, plain lines to console.log with verbose: true, and never a bar.
import * as fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Dense, binaryCrossEntropy, deepNetwork, encodeSafetensors, fit, load, loadFromBytes, loadWeights, readSafetensors,
  save, saveToBytes, saveWeights, writeFileAtomic, writeSafetensors, type FitProgress,
} from "@strata/nn";
import { SGD } from "@strata/optim";
import { StrataError, rng, tensor } from "@strata/tensor";
import { platform as webPlatform } from "../src/platform/web.js";
import { platform as chosen } from "#platform";
import { errorOf, sameBits } from "./helpers.js";

vi.mock("#platform", () => import("../src/platform/web.js"));

afterEach(() => {
  vi.restoreAllMocks();
});

const X = tensor([[0, 1, 2, 3, 4, 5, 6, 7], [1, 0, 1, 0, 1, 0, 1, 0]], { dtype: "float64" });
const Y = tensor([[0, 0, 0, 0, 1, 1, 1, 1]], { dtype: "float64" });
const options = (model: ReturnType<typeof deepNetwork>) => ({ x: X, y: Y, loss: binaryCrossEntropy, optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 3, rng: rng(2) });

describe("the web platform", () => {
  it("is the one in use here, and offers what the Node platform offers", async () => {
    // node.ts is the module `#platform` names under Node, so the mock stands in for it: read the real one past the mock
    const { platform: nodePlatform } = await vi.importActual<typeof import("../src/platform/node.js")>("../src/platform/node.js");
    expect(chosen.name).toBe("web");
    expect(Object.keys(webPlatform).sort()).toEqual(Object.keys(nodePlatform).sort());
    expect(nodePlatform.name).toBe("node");
  });

  it("refuses every path function, naming it and the in-memory function to use, and touches no file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-web-"));
    try {
      const file = path.join(dir, "m.safetensors");
      const model = new Dense(2, 1);
      const cases: [string, () => unknown, string][] = [
        ["save", () => save(model, file), "writing to a file path needs Node; in a browser use saveToBytes(model, { optimizer }) and store the bytes yourself (IndexedDB, a download)"],
        ["saveWeights", () => saveWeights(model, file), "writing to a file path needs Node; in a browser use saveWeightsToBytes(model) and store the bytes yourself (IndexedDB, a download)"],
        ["writeSafetensors", () => writeSafetensors(file, { w: tensor([1]) }), "writing to a file path needs Node; in a browser use encodeSafetensors(tensors, metadata) and store the bytes yourself (IndexedDB, a download)"],
        ["load", () => load(file), "reading a file path needs Node; in a browser get the bytes yourself (fetch(url).arrayBuffer(), IndexedDB, a file input) and use loadFromBytes(new Uint8Array(buffer))"],
        ["loadWeights", () => loadWeights(model, file), "reading a file path needs Node; in a browser get the bytes yourself (fetch(url).arrayBuffer(), IndexedDB, a file input) and use loadWeightsFromBytes(model, new Uint8Array(buffer))"],
        ["readSafetensors", () => readSafetensors(file), "reading a file path needs Node; in a browser get the bytes yourself (fetch(url).arrayBuffer(), IndexedDB, a file input) and use decodeSafetensors(new Uint8Array(buffer))"],
      ];
      for (const [op, call, says] of cases) {
        const e = errorOf(call);
        expect(e, op).toBeInstanceOf(StrataError);
        expect(e.message).toBe(`${op}: ${says} (path ${JSON.stringify(file)})`);
      }
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses writeFileAtomic, and the functions of other packages that write through it, with the general advice", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-web-"));
    try {
      const file = path.join(dir, "m.onnx");
      const says = "writing to a file path needs Node; in a browser keep the bytes in memory and store them yourself (IndexedDB, a download)";
      for (const [op, call] of [["writeFileAtomic", () => writeFileAtomic(file, Uint8Array.of(1))], ["saveOnnx", () => writeFileAtomic(file, Uint8Array.of(1), { op: "saveOnnx" })]] as const) {
        const e = errorOf(call);
        expect(e, op).toBeInstanceOf(StrataError);
        expect(e.message).toBe(`${op}: ${says} (path ${JSON.stringify(file)})`);
      }
      // an op named like an Object property is an op like any other, not a key into the table's prototype
      expect(errorOf(() => writeFileAtomic(file, Uint8Array.of(1), { op: "constructor" })).message).toBe(`constructor: ${says} (path ${JSON.stringify(file)})`);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("checks what it is given before refusing the path: a bad model is named first", () => {
    const e = errorOf(() => writeSafetensors("x.safetensors", { w: [1, 2] as unknown as ReturnType<typeof tensor> }));
    expect(e.message).toBe('x.safetensors: "w" must be a Tensor, got [1,2]');
  });

  it("saves and loads checkpoints as bytes", () => {
    const net = deepNetwork([2, 3, 1], { rng: rng(1), dtype: "float64" });
    const bytes = saveToBytes(net);
    expect(bytes).toEqual(encodeSafetensors(Object.fromEntries(net.namedParameters().map(([k, p]) => [`model.${k}`, p.data])), {
      format: "strata", "strata.version": "1", "strata.architecture": JSON.stringify({ type: "deepNetwork", layerDims: [2, 3, 1], hidden: { name: "relu" }, output: { name: "sigmoid" }, dtype: "float64" }),
    }));
    const { model } = loadFromBytes(bytes);
    expect(sameBits(model.forward(X).data, net.forward(X).data)).toBe(true);
  });

  it("fit prints nothing by default, neither to console.log nor to process.stdout, and still calls onProgress", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const model = deepNetwork([2, 1], { rng: rng(3), dtype: "float64" });
    const calls: FitProgress[] = [];
    const history = fit(model, { ...options(model), onProgress: (p) => void calls.push(p) });
    expect(log).not.toHaveBeenCalled();
    expect(write).not.toHaveBeenCalled();
    // ⌈8 / 3⌉ = 3 batches in each of 2 epochs
    expect(calls.map((p) => `${p.epoch}.${p.batch}:${p.seen}`)).toEqual(["1.1:3", "1.2:6", "1.3:8", "2.1:3", "2.2:6", "2.3:8"]);
    expect(calls[5]!.loss).toBe(history.loss[1]);
  });

  it("fit with verbose: true prints one plain line per epoch with console.log, without the newline", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    const model = deepNetwork([2, 1], { rng: rng(3), dtype: "float64" });
    fit(model, { ...options(model), metrics: ["accuracy"], verbose: true });
    expect(lines.length).toBe(2);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^epoch ${i + 1}/2  loss \\d+\\.\\d{4}  acc \\d+\\.\\d{2}%  \\d+ ex/s  \\d+\\.\\ds$`)));
  });

  it("fit writes plain lines to a given output, even one that says it is a TTY: there is no bar", () => {
    const lines: string[] = [];
    const model = deepNetwork([2, 1], { rng: rng(3), dtype: "float64" });
    fit(model, { ...options(model), output: { write: (s: string) => void lines.push(s), isTTY: true } });
    expect(lines.length).toBe(2);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^epoch ${i + 1}/2  loss \\d+\\.\\d{4}  \\d+ ex/s  \\d+\\.\\ds\\n$`)));
  });
});
