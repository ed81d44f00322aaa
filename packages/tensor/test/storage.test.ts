// A tensor reaches its values only through its Storage: views share it, and a storage of another
// device (here a stand-in that counts the reads a real device would serve by copying out) works
// with every op unchanged.
import { describe, expect, it } from "vitest";
import { add, matmul, sum, tensor, Tensor, type Storage } from "@strata/tensor";

class CountingStorage implements Storage {
  readonly device = "counting";
  reads = 0;
  constructor(private readonly values: Float64Array) {}
  host(): Float64Array {
    this.reads += 1;
    return this.values;
  }
}

describe("Storage", () => {
  it("is shared by views and is where data comes from", () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.storage.device).toBe("host");
    expect(t.storage.host()).toBe(t.data);
    for (const view of [t.T, t.slice(1), t.reshape([3, 2]), t.unsqueeze(0)]) expect(view.storage).toBe(t.storage);
    expect(t.clone().storage).not.toBe(t.storage);
  });

  it("of another device serves every op through host(), with the values a host tensor gives", () => {
    const storage = new CountingStorage(Float64Array.of(1, 2, 3, 4, 5, 6));
    const t = new Tensor(storage, [2, 3]);
    const plain = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float64" });
    expect(t.dtype).toBe("float64");
    expect(add(t, 1).toArray()).toEqual(add(plain, 1).toArray());
    expect(matmul(t, t.T).toArray()).toEqual(matmul(plain, plain.T).toArray());
    expect(sum(t.T.slice(1)).item()).toBe(sum(plain.T.slice(1)).item());
    expect(storage.reads).toBeGreaterThan(3);
  });
});
