// Hostile files: checkpoints whose header declares far more than they hold, JSON nested without
// end wherever JSON is read, paths that are not regular files. Each must end in a ValueError that
// names the problem, quickly and without allocating what the file declares.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { Dense, Dropout, Sequential, architectureOf, deepNetwork, load, loadWeights, modelFromArchitecture, readSafetensors, save, writeSafetensors, type Architecture } from "@strata/nn";
import { SGD } from "@strata/optim";
import { ValueError, rng, tensor, type Tensor } from "@strata/tensor";
import { errorOf } from "./helpers.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-hostile-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A safetensors file assembled by hand from header text and data bytes. */
function rawFile(name: string, headerText: string, data = new Uint8Array(0)): string {
  const json = Buffer.from(headerText);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.concat([length, json, data]));
  return file;
}

/** A checkpoint whose metadata declares `architecture` (text or JSON) and which holds `tensors`. */
function checkpoint(architecture: unknown, tensors: Record<string, Tensor> = {}, extra: Record<string, string> = {}): string {
  const file = path.join(dir, `c${fs.readdirSync(dir).length}.safetensors`);
  const text = typeof architecture === "string" ? architecture : JSON.stringify(architecture);
  writeSafetensors(file, tensors, { format: "strata", "strata.version": "1", "strata.architecture": text, ...extra });
  return file;
}

const deep = (levels: number, leaf = "1"): string => "[".repeat(levels) + leaf + "]".repeat(levels);
const relu = { name: "relu" };
const sigmoid = { name: "sigmoid" };

/** How many bytes of ArrayBuffers `fn` leaves allocated (typed arrays are ArrayBuffers). */
function arrayBytesDuring(fn: () => void): number {
  const before = process.memoryUsage().arrayBuffers;
  let peak = before;
  const watch = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 1);
  try {
    fn();
  } finally {
    clearInterval(watch);
  }
  return Math.max(peak, process.memoryUsage().arrayBuffers) - before;
}

describe("architectures declaring more than the file holds", () => {
  it("are refused from the header, before any weight is allocated (the 240-byte file of the fuzzing campaign)", () => {
    const file = checkpoint({ type: "deepNetwork", layerDims: [30000, 30000, 1], hidden: relu, output: sigmoid, dtype: "float32" });
    let e: Error | undefined;
    // 30000 x 30000 float32 weights would be 3.6 GB
    expect(arrayBytesDuring(() => (e = errorOf(() => load(file))))).toBeLessThan(1 << 20);
    expect(e).toBeInstanceOf(ValueError);
    expect(e!.message).toBe(`load ${file}: the weights in the file do not fit strata.architecture (nothing was allocated): missing W1, b1, W2, b2`);
  });

  it("any declared network whose weights are not all in the file fails naming what is missing, allocating nothing", () => {
    const size = fc.integer({ min: 1, max: 2 ** 31 });
    const dims = fc.array(size, { minLength: 2, maxLength: 6 });
    const layers = fc.array(fc.tuple(size, size), { minLength: 1, maxLength: 2000 });
    const arch = fc.oneof(
      dims.map((layerDims): Architecture => ({ type: "deepNetwork", layerDims, hidden: { name: "relu" }, output: { name: "sigmoid" }, dtype: "float32" })),
      layers.map((ls): Architecture => ({ type: "sequential", layers: ls.map(([nIn, nOut]) => ({ type: "dense", nIn, nOut, activation: { name: "tanh" }, dtype: "float64" })) })),
    );
    fc.assert(
      fc.property(arch, (a) => {
        const file = checkpoint(a, { "model.W1": tensor([[1]]) });
        let e: Error | undefined;
        expect(arrayBytesDuring(() => (e = errorOf(() => load(file))))).toBeLessThan(1 << 20);
        expect(e).toBeInstanceOf(ValueError);
        expect(e!.message).toMatch(/do not fit strata.architecture \(nothing was allocated\): missing /);
        fs.rmSync(file);
      }),
      { numRuns: 40 },
    );
  });

  it("a file with every tensor but one dropped, or one reshaped, names exactly that tensor", () => {
    // Random small models saved for real: the names and shapes load predicts from the
    // architecture alone are the ones the built model has, or one of these files would not load.
    const layer = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).map(([a, b]) => ({ kind: "dense" as const, a, b })),
      fc.constant({ kind: "dropout" as const, a: 0, b: 0 }),
    );
    const model = fc.oneof(
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 4 }).map((d) => deepNetwork(d, { rng: rng(1) })),
      fc.array(layer, { minLength: 1, maxLength: 4 }).map((ls) => new Sequential(...ls.map((l) => (l.kind === "dense" ? new Dense(l.a, l.b, { rng: rng(2) }) : new Dropout(0.5))), new Sequential(new Dense(2, 3, { rng: rng(3) })))),
    );
    fc.assert(
      fc.property(model, fc.nat(), fc.boolean(), (net, pick, reshape) => {
        const file = path.join(dir, "real.safetensors");
        save(net, file);
        expect(architectureOf(load(file).model)).toEqual(architectureOf(net));
        const { tensors, metadata } = readSafetensors(file);
        const names = Object.keys(tensors);
        const victim = names[pick % names.length]!;
        const changed = { ...tensors };
        if (reshape) changed[victim] = tensor([[1, 2, 3, 4, 5, 6, 7]]);
        else delete changed[victim];
        writeSafetensors(file, changed, metadata);
        const name = victim.slice("model.".length);
        const shape = tensors[victim]!.shape.join(", ");
        expect(errorOf(() => load(file)).message).toBe(
          `load ${file}: the weights in the file do not fit strata.architecture (nothing was allocated): ${reshape ? `${name} is (1, 7) but the architecture needs (${shape})` : `missing ${name}`}`,
        );
      }),
      { numRuns: 60 },
    );
  });

  it("lists ten names and counts the rest when a file lacks a million", () => {
    const file = checkpoint({ type: "deepNetwork", layerDims: new Array(500_001).fill(1), hidden: relu, output: sigmoid, dtype: "float32" });
    expect(errorOf(() => load(file)).message).toMatch(/missing W1, b1, W2, b2, W3, b3, W4, b4, W5, b5 and 999990 more$/);
  });

  it("a deepNetwork of 200,000 layers builds (no spreading into arguments), as does a Sequential of 200,000 layers from JSON", () => {
    const net = deepNetwork(new Array(200_001).fill(1), { rng: rng(0) });
    expect(net.layers.length).toBe(200_000);
    expect(net.layers[199_999]!.layer).toBe(200_000);
    const seq = modelFromArchitecture({ type: "sequential", layers: new Array(200_000).fill({ type: "dropout", p: 0.5 }) }) as Sequential;
    expect(seq.layers.length).toBe(200_000);
  });
});

describe("JSON nested without end", () => {
  const levels = fc.integer({ min: 9, max: 100_000 });

  it("in the header, a shape, a dtype, __metadata__ or a metadata value: a ValueError, never a stack overflow", () => {
    const places = [
      (d: number) => `{"x":${deep(d)}}`,
      (d: number) => `{"x":{"dtype":"F32","shape":${deep(d)},"data_offsets":[0,0]}}`,
      (d: number) => `{"x":{"dtype":${deep(d)},"shape":[0],"data_offsets":[0,0]}}`,
      (d: number) => `{"x":{"dtype":"F32","shape":[0],"data_offsets":${deep(d)}}}`,
      (d: number) => `{"__metadata__":${deep(d)}}`,
      (d: number) => `{"__metadata__":{"a":${deep(d)}}}`,
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: places.length - 1 }), levels, (place, d) => {
        const file = rawFile("deep.safetensors", places[place]!(d));
        const e = errorOf(() => readSafetensors(file));
        expect(e).toBeInstanceOf(ValueError);
        expect(e.message).toBe(`${file}: the header nests objects and arrays deeper than 8 levels`);
      }),
      { numRuns: 30 },
    );
  });

  it("in the optimiser state or a nested sequential architecture: a ValueError naming the metadata", () => {
    fc.assert(
      fc.property(levels, fc.boolean(), (d, inOptimizer) => {
        // a sequential nests two levels (an object and its layers array) per step: 128 steps are too deep
        const steps = d + 128;
        const file = inOptimizer
          ? checkpoint({ type: "dropout", p: 0.5 }, {}, { "strata.optimizer": `{"kind":"SGD","options":{},"state":[{"m":${deep(d)}}]}` })
          : checkpoint('{"type":"sequential","layers":['.repeat(steps) + '{"type":"dropout","p":0.5}' + "]}".repeat(steps));
        const e = errorOf(() => load(file));
        expect(e).toBeInstanceOf(ValueError);
        const what = inOptimizer ? "strata.optimizer nests objects and arrays deeper than 8" : "strata.architecture nests objects and arrays deeper than 256";
        expect(e.message).toBe(`load ${file}: ${what} levels`);
      }),
      { numRuns: 30 },
    );
  });

  it("modelFromArchitecture refuses deep and cyclic objects with a ValueError, and still takes reasonable nesting", () => {
    let deepArch: unknown = { type: "dropout", p: 0.1 };
    for (let i = 0; i < 100_000; i++) deepArch = { type: "sequential", layers: [deepArch] };
    expect(errorOf(() => modelFromArchitecture(deepArch)).message).toBe("modelFromArchitecture: the architecture nests objects and arrays deeper than 256 levels");
    const cyclic: { type: string; layers: unknown[] } = { type: "sequential", layers: [] };
    cyclic.layers.push(cyclic);
    expect(errorOf(() => modelFromArchitecture(cyclic))).toBeInstanceOf(ValueError);
    let fine: unknown = { type: "dense", nIn: 2, nOut: 1, activation: relu, dtype: "float32" };
    for (let i = 0; i < 100; i++) fine = { type: "sequential", layers: [fine] };
    const net = modelFromArchitecture(fine);
    expect(net.namedParameters().map(([k]) => k)[0]).toBe(`${"0.".repeat(100)}W`);
  });

  it("keeps an optimiser's real state loadable", () => {
    const net = deepNetwork([3, 2, 1], { rng: rng(5) });
    const file = path.join(dir, "opt.safetensors");
    save(net, file, { optimizer: new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 }) });
    expect(load(file).optimizerState?.options.momentum).toBe(0.9);
  });
});

describe("paths that are not regular files", () => {
  it("/dev/zero, a FIFO and a directory are refused before anything is read; a symlink to a file is read", () => {
    expect(errorOf(() => readSafetensors("/dev/zero")).message).toBe("readSafetensors: /dev/zero is a character device; expected a regular safetensors file");
    const fifo = path.join(dir, "pipe.safetensors");
    execFileSync("mkfifo", [fifo]);
    expect(errorOf(() => load(fifo)).message).toBe(`readSafetensors: ${fifo} is a FIFO; expected a regular safetensors file`);
    expect(errorOf(() => readSafetensors(dir)).message).toBe(`readSafetensors: ${dir} is a directory; expected a regular safetensors file`);
    const file = path.join(dir, "real.safetensors");
    writeSafetensors(file, { w: tensor([1, 2]) });
    fs.symlinkSync(file, path.join(dir, "link.safetensors"));
    expect(readSafetensors(path.join(dir, "link.safetensors")).tensors.w!.toArray()).toEqual([1, 2]);
  });
});

describe("property: a path that does not name one whole safetensors file ends at once in a ValueError", () => {
  it("devices, FIFOs, directories and links to them are refused by kind; a file cut or padded anywhere is refused saying where it ends", () => {
    const good = path.join(dir, "good.safetensors");
    writeSafetensors(good, { a: tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float64" }), b: tensor([7, 8], { dtype: "int32" }) }, { note: "x" });
    const bytes = fs.readFileSync(good);
    const headerBytes = Number(bytes.readBigUInt64LE(0));
    const fifo = path.join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    const specials: [string, string][] = [
      ["/dev/zero", "a character device"], ["/dev/null", "a character device"], ["/dev/urandom", "a character device"],
      [fifo, "a FIFO"], [dir, "a directory"],
    ];
    const target = fc.oneof(
      fc.record({ special: fc.constantFrom(...specials), linked: fc.boolean() }).map(({ special, linked }) => ({ kind: "special" as const, special, linked })),
      fc.record({ cut: fc.integer({ min: 0, max: bytes.length - 1 }) }).map(({ cut }) => ({ kind: "cut" as const, cut })),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((pad) => ({ kind: "padded" as const, pad })),
    );
    let n = 0;
    fc.assert(
      fc.property(target, (t) => {
        const file = path.join(dir, `t${n++}.safetensors`);
        if (t.kind === "special") {
          const [where, kind] = t.special;
          if (t.linked) fs.symlinkSync(where, file);
          const shown = t.linked ? file : where;
          const e = errorOf(() => readSafetensors(shown));
          expect(e).toBeInstanceOf(ValueError);
          expect(e.message).toBe(`readSafetensors: ${shown} is ${kind}; expected a regular safetensors file`);
          return;
        }
        fs.writeFileSync(file, t.kind === "cut" ? bytes.subarray(0, t.cut) : Buffer.concat([bytes, t.pad]));
        const e = errorOf(() => readSafetensors(file));
        expect(e).toBeInstanceOf(ValueError);
        expect(e.message.startsWith(`${file}: `)).toBe(true);
        // the message says where the file ends against what its header needs
        if (t.kind === "padded") expect(e.message).toContain(`: ${t.pad.length} trailing bytes after the last tensor`);
        else if (t.cut < 8) expect(e.message).toContain(`: the file has ${t.cut} bytes, fewer than the 8-byte header length`);
        else if (t.cut < 8 + headerBytes) expect(e.message).toContain(`header length ${headerBytes} exceeds the ${t.cut - 8} bytes after it`);
        else expect(e.message).toContain(`are out of bounds: the data section has ${t.cut - 8 - headerBytes} bytes (is the file truncated?)`);
      }),
      { numRuns: 150 },
    );
  });
});

describe("values the model's dtype cannot hold", () => {
  const huge = fc.double({ min: 3.5e38, max: 1.7e308, noNaN: true }).chain((v) => fc.constantFrom(v, -v));

  it("loadWeights refuses a float64 beyond float32's range naming the file, the tensor, the value and its index; unchecked converts", () => {
    fc.assert(
      fc.property(huge, fc.integer({ min: 0, max: 5 }), (v, at) => {
        const layer = new Dense(3, 2, { rng: rng(7) });
        const before = layer.W.data.toArray();
        const values = [0.5, -1, 2, 0.25, 3, -4];
        values[at] = v;
        const file = path.join(dir, "w64.safetensors");
        writeSafetensors(file, { W: tensor([values.slice(0, 3), values.slice(3)], { dtype: "float64" }), b: tensor([[0], [1]], { dtype: "float64" }) });
        const e = errorOf(() => loadWeights(layer, file));
        expect(e.name).toBe("DTypeError");
        expect(e.message).toBe(`loadWeights ${file}: loadStateDict: W holds ${v} at index (${Math.floor(at / 3)}, ${at % 3}), which float32 cannot hold (it would become ${Math.fround(v)}); pass { unchecked: true } to convert anyway`);
        expect(layer.W.data.toArray()).toEqual(before);
        loadWeights(layer, file, { unchecked: true });
        expect(layer.W.data.toTypedArray()[at]).toBe(Math.fround(v));
      }),
      { numRuns: 50 },
    );
  });

  it("load refuses a checkpoint whose float64 weights do not fit its float32 architecture", () => {
    const arch = { type: "dense", nIn: 2, nOut: 1, activation: relu, dtype: "float32" };
    const file = checkpoint(arch, { "model.W": tensor([[1, -1e39]], { dtype: "float64" }), "model.b": tensor([[0.1]], { dtype: "float64" }) });
    expect(errorOf(() => load(file)).message).toBe(`load ${file}: loadStateDict: W holds -1e+39 at index (0, 1), which float32 cannot hold (it would become -Infinity); pass { unchecked: true } to convert anyway`);
    const fine = checkpoint(arch, { "model.W": tensor([[1, -1e38]], { dtype: "float64" }), "model.b": tensor([[0.1]], { dtype: "float64" }) });
    expect((load(fine).model as Dense).W.data.toArray()).toEqual([[1, Math.fround(-1e38)]]);
  });
});
