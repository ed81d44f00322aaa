// saveOnnx writes the whole file or nothing, as checkpoints are saved.
import { add, mul, Variable, type Operand } from "@strata/autograd";
import { Linear, Module, Sequential, Tanh } from "@strata/nn";
import { saveOnnx, toOnnx } from "@strata/onnx";
import { StrataError, ValueError, randn, rng } from "@strata/tensor";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { strataOutputs, expectClose, toOrt, fromOrt } from "./ort.js";

class Branchy extends Module<[Operand], Variable> {
  forward(x: Operand): Variable {
    const v = x as Variable;
    return v.shape[0]! % 2 === 0 ? mul(v, 2) : add(v, 2);
  }
}

describe("saveOnnx", () => {
  let dir = "";
  beforeEach(() => void (dir = fs.mkdtempSync(join(tmpdir(), "strata-onnx-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes the bytes toOnnx gives, which ONNX Runtime loads from the path", async () => {
    const model = new Sequential(new Linear(3, 5, { rng: rng(0) }), new Tanh(), new Linear(5, 2, { rng: rng(1) }));
    const file = join(dir, "model.onnx");
    saveOnnx(model, file, { inputShape: [1, 3] });
    const bytes = toOnnx(model, { inputShape: [1, 3] });
    expect(bytes.constructor).toBe(Uint8Array);
    expect(bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length).toBe(true);
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(bytes);
    const session = await ort.InferenceSession.create(file);
    const x = randn([4, 3], { rng: rng(2) });
    const out = await session.run({ input: toOrt(x) });
    expectClose(fromOrt(out.output!), strataOutputs(model, [x])[0]!, 1e-4);
  });

  it("leaves the file already there unchanged, and no temporary file, when the export fails", () => {
    const file = join(dir, "model.onnx");
    saveOnnx(new Linear(2, 2, { rng: rng(0) }), file, { inputShape: [1, 2] });
    const before = fs.readFileSync(file);
    expect(() => saveOnnx(new Branchy(), file, { inputShape: [2, 2] })).toThrow(ValueError);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(["model.onnx"]);
  });

  it("names itself and the path when the file cannot be written", () => {
    const file = join(dir, "missing", "model.onnx");
    expect(() => saveOnnx(new Linear(2, 2), file, { inputShape: [1, 2] })).toThrow(StrataError);
    expect(() => saveOnnx(new Linear(2, 2), file, { inputShape: [1, 2] })).toThrow(new RegExp(`^saveOnnx: could not write ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: .*ENOENT.*; the previous file, if any, is unchanged$`));
  });
});
