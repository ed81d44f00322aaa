// dtype promotion and helpers, against an independent statement of the order and a table written
// out by hand.
import { describe, expect, it } from "vitest";
import { DTYPES, isDType, isFloatDType, promoteTypes, resultTypeWithScalar, allocate, dtypeOfArray, DTypeError, ValueError, type DType } from "@strata/tensor";

// The documented order: a result is never narrower than either operand.
const ORDER: DType[] = ["bool", "int32", "float32", "float64"];

// The same rule written out cell by cell (row: first operand, column: second).
const TABLE: Record<DType, Record<DType, DType>> = {
  bool: { bool: "bool", int32: "int32", float32: "float32", float64: "float64" },
  int32: { bool: "int32", int32: "int32", float32: "float32", float64: "float64" },
  float32: { bool: "float32", int32: "float32", float32: "float32", float64: "float64" },
  float64: { bool: "float64", int32: "float64", float32: "float64", float64: "float64" },
};

describe("promoteTypes", () => {
  for (const a of ORDER) {
    for (const b of ORDER) {
      it(`${a} with ${b}`, () => {
        const want = ORDER[Math.max(ORDER.indexOf(a), ORDER.indexOf(b))];
        expect(promoteTypes(a, b)).toBe(want);
        expect(promoteTypes(a, b)).toBe(TABLE[a][b]);
        expect(promoteTypes(b, a)).toBe(promoteTypes(a, b));
      });
    }
  }

  it("is associative over every triple", () => {
    for (const a of ORDER) for (const b of ORDER) for (const c of ORDER) {
      expect(promoteTypes(promoteTypes(a, b), c)).toBe(promoteTypes(a, promoteTypes(b, c)));
    }
  });

  it("DTYPES lists the dtypes in promotion order", () => {
    expect([...DTYPES]).toEqual(ORDER);
  });
});

describe("resultTypeWithScalar", () => {
  it("float tensors keep their dtype whatever the number", () => {
    for (const d of ["float32", "float64"] as const) {
      for (const v of [0, 2, -3, 0.5, NaN, Infinity, 2 ** 40]) expect(resultTypeWithScalar(d, v)).toBe(d);
    }
  });

  it("int32 stays int32 for integers and goes to float32 for anything else (NaN, ±Infinity included)", () => {
    for (const v of [0, 2, -7, 2 ** 31 - 1, -(2 ** 31)]) expect(resultTypeWithScalar("int32", v)).toBe("int32");
    for (const v of [0.5, -1e-3, NaN, Infinity, -Infinity]) expect(resultTypeWithScalar("int32", v)).toBe("float32");
  });

  it("bool goes to int32 for integers (0 and 1 included) and float32 for the rest", () => {
    for (const v of [0, 1, 2, -5]) expect(resultTypeWithScalar("bool", v)).toBe("int32");
    for (const v of [0.5, NaN, Infinity]) expect(resultTypeWithScalar("bool", v)).toBe("float32");
  });
});

describe("isDType and isFloatDType", () => {
  it("accept exactly the four dtype names", () => {
    for (const d of ORDER) expect(isDType(d)).toBe(true);
    for (const v of ["int64", "Float32", "float", "", "toString", "constructor", "__proto__", "hasOwnProperty", undefined, null, 1, {}, ["float32"]]) {
      expect(isDType(v)).toBe(false);
    }
  });

  it("isFloatDType is true for float32 and float64 only", () => {
    expect(ORDER.filter(isFloatDType)).toEqual(["float32", "float64"]);
  });
});

describe("dtypeOfArray and allocate", () => {
  it("maps each typed array to its dtype", () => {
    expect(dtypeOfArray(new Float32Array(1))).toBe("float32");
    expect(dtypeOfArray(new Float64Array(1))).toBe("float64");
    expect(dtypeOfArray(new Int32Array(1))).toBe("int32");
    expect(dtypeOfArray(new Uint8Array(1))).toBe("bool");
  });

  it("rejects other arrays with a DTypeError naming the type", () => {
    expect(() => dtypeOfArray(new Int16Array(1))).toThrow(DTypeError);
    expect(() => dtypeOfArray(new Int16Array(1))).toThrow(/dtypeOfArray: unsupported array type Int16Array/);
    expect(() => dtypeOfArray(new Uint8ClampedArray(1))).toThrow(/Uint8ClampedArray/);
    expect(() => dtypeOfArray(new DataView(new ArrayBuffer(4)))).toThrow(/DataView/);
  });

  it("allocate gives a zero-filled array of the right type and length, and round-trips", () => {
    const kinds: [DType, Function][] = [["float32", Float32Array], ["float64", Float64Array], ["int32", Int32Array], ["bool", Uint8Array]];
    for (const [d, ctor] of kinds) {
      const a = allocate(d, 5);
      expect(a).toBeInstanceOf(ctor);
      expect(a.length).toBe(5);
      expect(Array.from(a)).toEqual([0, 0, 0, 0, 0]);
      expect(dtypeOfArray(a)).toBe(d);
      expect(allocate(d, 0).length).toBe(0);
    }
    expect(allocate("float32", 2)).not.toBe(allocate("float32", 2));
  });

  it("allocate refuses an unknown dtype and a size that is not a non-negative integer", () => {
    expect(() => allocate("int64" as DType, 2)).toThrow(DTypeError);
    expect(() => allocate("int64" as DType, 2)).toThrow("allocate: unknown dtype int64; expected float32, float64, int32 or bool");
    expect(() => allocate("float32", 2.5)).toThrow(ValueError);
    expect(() => allocate("float32", 2.5)).toThrow("allocate: size 2.5 is not a non-negative integer");
    expect(() => allocate("int32", -1)).toThrow(/^allocate: size -1 is not a non-negative integer/);
    expect(() => allocate("bool", NaN)).toThrow(ValueError);
    expect(allocate("float64", 3).length).toBe(3);
  });
});
