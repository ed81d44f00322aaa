import { describe, expect, it } from "vitest";
import { Tensor, ValueError, arange, formatTensor, tensor, zeros } from "@strata/tensor";
// formatTensor is reached through the module until index.ts re-exports format.js.

const lines = (...ls: string[]): string => ls.join("\n");

describe("formatTensor: small cases worked out by hand", () => {
  it("aligns a float matrix on its decimal points", () => {
    expect(String(tensor([[1.5, 2], [-3.25, 4]]))).toBe(
      lines(
        "tensor([[ 1.5 ,  2.  ],", //
        "        [-3.25,  4.  ]], shape=(2,2), dtype=float32)",
      ),
    );
    expect(tensor([[1.5, 2], [-3.25, 4]]).toString()).toBe(formatTensor(tensor([[1.5, 2], [-3.25, 4]])));
  });

  it("trims trailing zeros to the most decimals any value needs (at most 4)", () => {
    expect(String(tensor([1, 2, 3]))).toBe("tensor([1., 2., 3.], shape=(3), dtype=float32)");
    expect(String(tensor([0.1, 0.25, 1 / 3]))).toBe("tensor([0.1   , 0.25  , 0.3333], shape=(3), dtype=float32)");
    expect(String(tensor([1.23456, 2], { dtype: "float64" }))).toBe("tensor([1.2346, 2.    ], shape=(2), dtype=float64)");
    expect(String(tensor([0.99996], { dtype: "float64" }))).toBe("tensor([1.], shape=(1), dtype=float64)");
    expect(String(tensor([123456.789, -0.5], { dtype: "float64" }))).toBe("tensor([123456.789,     -0.5  ], shape=(2), dtype=float64)");
    expect(String(tensor([-0, 0]))).toBe("tensor([-0.,  0.], shape=(2), dtype=float32)");
  });

  it("prints 0-d and empty tensors", () => {
    expect(String(tensor(5))).toBe("tensor(5., shape=(), dtype=float32)");
    expect(String(tensor(-3, { dtype: "int32" }))).toBe("tensor(-3, shape=(), dtype=int32)");
    expect(String(tensor(true))).toBe("tensor(true, shape=(), dtype=bool)");
    expect(String(zeros([0, 3]))).toBe("tensor([], shape=(0,3), dtype=float32)");
    expect(String(zeros([2, 0], { dtype: "int32" }))).toBe("tensor([], shape=(2,0), dtype=int32)");
  });

  it("prints int32 plainly and bool as true/false, right-aligned", () => {
    expect(String(tensor([[1, -2], [30, 4]], { dtype: "int32" }))).toBe(
      lines(
        "tensor([[ 1, -2],", //
        "        [30,  4]], shape=(2,2), dtype=int32)",
      ),
    );
    expect(String(tensor([[true, false], [false, true]]))).toBe(
      lines(
        "tensor([[ true, false],", //
        "        [false,  true]], shape=(2,2), dtype=bool)",
      ),
    );
  });

  it("separates 3-D blocks by a blank line (two for 4-D)", () => {
    expect(String(arange(12).reshape([2, 3, 2]))).toBe(
      lines(
        "tensor([[[ 0,  1],",
        "         [ 2,  3],",
        "         [ 4,  5]],",
        "",
        "        [[ 6,  7],",
        "         [ 8,  9],",
        "         [10, 11]]], shape=(2,3,2), dtype=int32)",
      ),
    );
    expect(String(arange(4).reshape([2, 1, 1, 2]))).toBe(
      lines(
        "tensor([[[[0, 1]]],",
        "",
        "",
        "        [[[2, 3]]]], shape=(2,1,1,2), dtype=int32)",
      ),
    );
  });

  it("switches to scientific notation when magnitudes span too far", () => {
    expect(String(tensor([1e9, 1.5]))).toBe("tensor([1.0e+09, 1.5e+00], shape=(2), dtype=float32)");
    expect(String(tensor([1e-5, 1], { dtype: "float64" }))).toBe("tensor([1.e-05, 1.e+00], shape=(2), dtype=float64)");
    expect(String(tensor([-1.5e-7, 2.25e10, 0], { dtype: "float64" }))).toBe("tensor([-1.50e-07,  2.25e+10,  0.00e+00], shape=(3), dtype=float64)");
    expect(String(tensor([1.23456e120, -2], { dtype: "float64" }))).toBe("tensor([ 1.2346e+120, -2.0000e+000], shape=(2), dtype=float64)");
    // 1e-4 itself and 99999999 stay fixed
    expect(String(tensor([1e-4, 1], { dtype: "float64" }))).toBe("tensor([0.0001, 1.    ], shape=(2), dtype=float64)");
    expect(String(tensor([99999999, 1], { dtype: "float64" }))).toBe("tensor([99999999.,        1.], shape=(2), dtype=float64)");
  });

  it("prints nan, inf and -inf, which do not affect the notation", () => {
    expect(String(tensor([NaN, Infinity, -Infinity, 1.5]))).toBe("tensor([ nan,  inf, -inf,  1.5], shape=(4), dtype=float32)");
    expect(String(tensor([NaN]))).toBe("tensor([nan], shape=(1), dtype=float32)");
    expect(String(tensor([1e9, NaN]))).toBe("tensor([1.e+09,    nan], shape=(2), dtype=float32)");
  });

  it("wraps long rows under the opening bracket", () => {
    expect(String(arange(40))).toBe(
      lines(
        "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,",
        "        17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,",
        "        34, 35, 36, 37, 38, 39], shape=(40), dtype=int32)",
      ),
    );
    expect(formatTensor(arange(40), { lineWidth: Infinity }).split("\n")).toHaveLength(1);
  });
});

describe("formatTensor on views", () => {
  it("reads transposed, strided and broadcast views through their strides", () => {
    expect(String(arange(6).reshape([2, 3]).T)).toBe(
      lines(
        "tensor([[0, 3],", //
        "        [1, 4],",
        "        [2, 5]], shape=(3,2), dtype=int32)",
      ),
    );
    expect(String(arange(10).slice([8, null, -3]))).toBe("tensor([8, 5, 2], shape=(3), dtype=int32)");
    const offsetView = new Tensor(new Float64Array([9, 9, 1, 9, 2.5, 9]), [2], [2], 2);
    expect(String(offsetView)).toBe("tensor([1. , 2.5], shape=(2), dtype=float64)");
    expect(String(tensor([1, 2]).broadcastTo([3, 2]))).toBe(
      lines(
        "tensor([[1., 2.],", //
        "        [1., 2.],",
        "        [1., 2.]], shape=(3,2), dtype=float32)",
      ),
    );
  });
});

describe("formatTensor summaries", () => {
  it("keeps the first and last 3 entries of each long axis (2-D)", () => {
    expect(String(arange(2000).reshape([40, 50]))).toBe(
      lines(
        "tensor([[   0,    1,    2, ...,   47,   48,   49],",
        "        [  50,   51,   52, ...,   97,   98,   99],",
        "        [ 100,  101,  102, ...,  147,  148,  149],",
        "        ...,",
        "        [1850, 1851, 1852, ..., 1897, 1898, 1899],",
        "        [1900, 1901, 1902, ..., 1947, 1948, 1949],",
        "        [1950, 1951, 1952, ..., 1997, 1998, 1999]], shape=(40,50), dtype=int32)",
      ),
    );
    expect(String(arange(1001))).toBe("tensor([   0,    1,    2, ...,  998,  999, 1000], shape=(1001), dtype=int32)");
    expect(String(arange(1000)).includes("...")).toBe(false);
  });

  it("summarises 3-D with blank lines around the elided blocks, short axes whole", () => {
    expect(String(arange(1400).reshape([7, 2, 100]))).toBe(
      lines(
        "tensor([[[   0,    1,    2, ...,   97,   98,   99],",
        "         [ 100,  101,  102, ...,  197,  198,  199]],",
        "",
        "        [[ 200,  201,  202, ...,  297,  298,  299],",
        "         [ 300,  301,  302, ...,  397,  398,  399]],",
        "",
        "        [[ 400,  401,  402, ...,  497,  498,  499],",
        "         [ 500,  501,  502, ...,  597,  598,  599]],",
        "",
        "        ...,",
        "",
        "        [[ 800,  801,  802, ...,  897,  898,  899],",
        "         [ 900,  901,  902, ...,  997,  998,  999]],",
        "",
        "        [[1000, 1001, 1002, ..., 1097, 1098, 1099],",
        "         [1100, 1101, 1102, ..., 1197, 1198, 1199]],",
        "",
        "        [[1200, 1201, 1202, ..., 1297, 1298, 1299],",
        "         [1300, 1301, 1302, ..., 1397, 1398, 1399]]], shape=(7,2,100), dtype=int32)",
      ),
    );
  });

  it("chooses the format from the shown entries only", () => {
    const x = arange(2000, { dtype: "float32" });
    x.data[1000] = 1e10; // hidden in the middle: no scientific notation
    expect(String(x)).toBe("tensor([   0.,    1.,    2., ..., 1997., 1998., 1999.], shape=(2000), dtype=float32)");
  });

  it("summarises a huge broadcast view without materialising it", () => {
    // 3e9 elements could not be copied; only the 18 shown ones are read.
    expect(String(tensor([1, 2, 3]).broadcastTo([1e9, 3]))).toBe(
      lines(
        "tensor([[1., 2., 3.],",
        "        [1., 2., 3.],",
        "        [1., 2., 3.],",
        "        ...,",
        "        [1., 2., 3.],",
        "        [1., 2., 3.],",
        "        [1., 2., 3.]], shape=(1000000000,3), dtype=float32)",
      ),
    );
    expect(String(arange(3000).reshape([1000, 3]).T.slice(null, [null, null, -1]))).toBe(
      lines(
        "tensor([[2997, 2994, 2991, ...,    6,    3,    0],",
        "        [2998, 2995, 2992, ...,    7,    4,    1],",
        "        [2999, 2996, 2993, ...,    8,    5,    2]], shape=(3,1000), dtype=int32)",
      ),
    );
  });
});

describe("formatTensor options", () => {
  it("honours precision, threshold and edgeItems", () => {
    expect(formatTensor(tensor([1 / 3, 2]), { precision: 2 })).toBe("tensor([0.33, 2.  ], shape=(2), dtype=float32)");
    expect(formatTensor(tensor([1.75]), { precision: 0 })).toBe("tensor([2.], shape=(1), dtype=float32)");
    expect(formatTensor(arange(10), { threshold: 5, edgeItems: 2 })).toBe("tensor([0, 1, ..., 8, 9], shape=(10), dtype=int32)");
  });

  it("rejects bad options", () => {
    expect(() => formatTensor(arange(3), { precision: -1 })).toThrow(ValueError);
    expect(() => formatTensor(arange(3), { edgeItems: 0 })).toThrow(/^formatTensor: edgeItems must be an integer >= 1, got 0/);
    expect(() => formatTensor(arange(3), { lineWidth: 2.5 })).toThrow(ValueError);
  });

  it("limits precision to 0..100 (toFixed's range) with its own ValueError", () => {
    expect(() => formatTensor(tensor([1 / 3]), { precision: 101 })).toThrow(ValueError);
    expect(() => formatTensor(tensor([1 / 3]), { precision: 101 })).toThrow(/^formatTensor: precision must be an integer in \[0, 100\], got 101$/);
    expect(() => formatTensor(tensor([1e-9]), { precision: 200 })).toThrow(ValueError);
    expect(() => formatTensor(tensor([1]), { precision: Infinity })).toThrow(/precision must be an integer in \[0, 100\], got Infinity/);
    expect(formatTensor(tensor([0.5]), { precision: 100 })).toBe("tensor([0.5], shape=(1), dtype=float32)");
    expect(formatTensor(tensor([1e-9], { dtype: "float64" }), { precision: 100 })).toMatch(/^tensor\(\[1\.0{15}\d+e-09\], shape=\(1\), dtype=float64\)$/);
  });
});
