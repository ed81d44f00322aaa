// Reads of a tensor's values into JavaScript refuse a recording, whatever function makes them: a
// replay would not read them again, so what was decided from them would be frozen.
import { describe, expect, it } from "vitest";
import { record, tensor, toMat2, toMat3, toMat4, toQuat, toVec2, toVec3, toVec4, zeros } from "@strata/tensor";

describe("gl-matrix copies out of a tensor are value reads", () => {
  it.each([
    ["toVec2", () => toVec2(tensor([1, 2]))],
    ["toVec3", () => toVec3(tensor([1, 2, 3]))],
    ["toVec4", () => toVec4(tensor([1, 2, 3, 4]))],
    ["toQuat", () => toQuat(tensor([0, 0, 0, 1]))],
    ["toMat2", () => toMat2(zeros([2, 2]))],
    ["toMat3", () => toMat3(zeros([3, 3]))],
    ["toMat4", () => toMat4(zeros([4, 4]))],
  ] as const)("%s refuses the recording", (name, read) => {
    const { recording } = record(read);
    expect(recording.refusals).toEqual([`${name}() read a tensor's value in JavaScript`]);
  });
});
