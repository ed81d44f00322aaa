// Checkpoints of a model whose parameters live in the WebAssembly kernels' memory (views on a
// SharedArrayBuffer, as a compiled step leaves them): the bytes written are the values, the same
// as for plain arrays, and what comes back owns its memory (a plain ArrayBuffer, not a share).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Linear, decodeSafetensors, encodeSafetensors, load, save, saveToBytes, loadFromBytes, Sequential, ReLU } from "@strata/nn";
import { isResidentTensor, kernelOptions, makeResident, rng } from "@strata/tensor";

const dir = mkdtempSync(join(tmpdir(), "strata-resident-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(): Sequential {
  return new Sequential(new Linear(64, 48, { rng: rng(1) }), new ReLU(), new Linear(48, 10, { rng: rng(2) }));
}

describe.skipIf(!kernelOptions().wasm)("checkpoints of resident parameters", () => {
  it("saveToBytes, encodeSafetensors and save write the same bytes as for plain arrays, and load owns its memory", () => {
    const plain = model();
    const moved = model();
    for (const p of moved.parameters()) expect(makeResident(p.data)).toBe(true);
    expect(moved.parameters().every((p) => isResidentTensor(p.data))).toBe(true);

    const bytes = saveToBytes(moved);
    expect(bytes.buffer).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(bytes)).toEqual(Array.from(saveToBytes(plain)));

    const weight = moved.parameters()[0]!.data;
    const encoded = encodeSafetensors({ w: weight });
    expect(Array.from(encoded)).toEqual(Array.from(encodeSafetensors({ w: plain.parameters()[0]!.data })));
    const decoded = decodeSafetensors(encoded).tensors.w!;
    expect(decoded.data.buffer).toBeInstanceOf(ArrayBuffer);
    // the decoded tensor is a copy: writing the parameter does not change it
    const first = decoded.data[0];
    weight.data[weight.offset] = 1234;
    expect(decoded.data[0]).toBe(first);

    const file = join(dir, "moved.safetensors");
    save(moved, file);
    const back = load(file).model;
    const fromBytes = loadFromBytes(bytes).model;
    moved.parameters().forEach((p, i) => {
      const expected = Array.from(p.data.toTypedArray());
      expect(Array.from(back.parameters()[i]!.data.toTypedArray())).toEqual(expected);
      expect(back.parameters()[i]!.data.data.buffer).toBeInstanceOf(ArrayBuffer);
      if (i > 0) expect(Array.from(fromBytes.parameters()[i]!.data.toTypedArray())).toEqual(expected);
    });
  });
});
