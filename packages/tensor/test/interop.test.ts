import { describe, expect, it } from "vitest";
import ndarray from "ndarray";
import { mat2, mat3, mat4, quat, vec2, vec3, vec4 } from "gl-matrix";
import {
  DTypeError,
  ShapeError,
  Tensor,
  ValueError,
  arange,
  eye,
  fromMat2,
  fromMat3,
  fromMat4,
  fromNdarray,
  fromQuat,
  fromVec2,
  fromVec3,
  fromVec4,
  matmul,
  tensor,
  toMat2,
  toMat3,
  toMat4,
  toNdarray,
  toQuat,
  toVec2,
  toVec3,
  toVec4,
  zeros,
} from "@strata/tensor";
import { at, flatValues, indices, pseudoRandom } from "./reference.js";

/** `a @ b` for a 2-D `a` and a 1-D or 2-D `b`, element by element through the strides. */
function naive(a: Tensor, b: Tensor): number[][] | number[] {
  const [m, k] = a.shape as [number, number];
  if (b.ndim === 1) return Array.from({ length: m }, (_, i) => Array.from({ length: k }, (_, p) => at(a, [i, p]) * at(b, [p])).reduce((x, y) => x + y, 0));
  const n = b.shape[1]!;
  return Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => Array.from({ length: k }, (_, p) => at(a, [i, p]) * at(b, [p, j])).reduce((x, y) => x + y, 0)));
}

/** A gl-matrix-style Float32Array of `n` pseudo-random values in [-3, 3). */
const randomArray = (n: number, seed: number): Float32Array => Float32Array.from(pseudoRandom(n, seed));

describe("fromNdarray / toNdarray share memory", () => {
  it("fromNdarray: writes through either side show in the other", () => {
    const a = ndarray(new Float32Array(6), [2, 3]);
    const t = fromNdarray(a);
    expect(t.data).toBe(a.data);
    expect([t.shape, t.strides, t.offset, t.dtype]).toEqual([[2, 3], [3, 1], 0, "float32"]);
    a.set(1, 2, 5);
    expect(t.get(1, 2)).toBe(5);
    t.data[1] = 7; // element (0, 1)
    expect(a.get(0, 1)).toBe(7);
  });

  it("fromNdarray keeps the strides and offset of transposed and sliced views", () => {
    const base = ndarray(Float64Array.from({ length: 24 }, (_, i) => i), [4, 6]);
    const views = {
      transposed: base.transpose(1, 0),
      sliced: base.hi(3, 5).lo(1, 1).step(1, 2),
      reversed: base.step(-1, -2),
      picked: base.pick(null, 4),
    };
    for (const [name, v] of Object.entries(views)) {
      const t = fromNdarray(v);
      expect([name, t.shape, t.strides, t.offset]).toEqual([name, v.shape, v.stride, v.offset]);
      for (const idx of indices(t.shape)) expect(t.get(...idx)).toBe(v.get(...idx));
    }
    const r = fromNdarray(views.reversed);
    views.reversed.set(0, 0, -1);
    expect(r.get(0, 0)).toBe(-1);
    expect(base.get(3, 5)).toBe(-1);
  });

  it("fromNdarray takes the dtype from the data and rejects other arrays", () => {
    expect(fromNdarray(ndarray(new Float64Array(2))).dtype).toBe("float64");
    expect(fromNdarray(ndarray(new Int32Array(2))).dtype).toBe("int32");
    expect(fromNdarray(ndarray(new Uint8Array(2))).dtype).toBe("bool");
    expect(fromNdarray(ndarray(new Float32Array([7]), [])).item()).toBe(7);
    expect(() => fromNdarray(ndarray([1, 2, 3]))).toThrow(DTypeError);
    expect(() => fromNdarray(ndarray([1, 2, 3]))).toThrow(
      "fromNdarray: ndarray data is a plain Array; expected Float32Array, Float64Array, Int32Array or Uint8Array",
    );
    expect(() => fromNdarray(ndarray(new Int16Array(3)))).toThrow(/^fromNdarray: ndarray data is Int16Array; expected Float32Array/);
    expect(() => fromNdarray(ndarray(new Uint8ClampedArray(3)))).toThrow(/Uint8ClampedArray/);
  });

  it("fromNdarray rejects views that reach outside their data", () => {
    expect(() => fromNdarray(ndarray(new Float32Array(4), [2, 3]))).toThrow(ValueError);
    expect(() => fromNdarray(ndarray(new Float32Array(4), [2, 3]))).toThrow(/reaches indices 0\.\.5, outside data of length 4/);
    expect(() => fromNdarray(ndarray(new Float32Array(4), [2], [-1], 0))).toThrow(/reaches indices -1\.\.0/);
    expect(fromNdarray(ndarray(new Float32Array(0), [0, 3])).shape).toEqual([0, 3]);
  });

  it("fromNdarray refuses Uint8Array data holding bytes other than 0 and 1 (it shares memory, so it cannot normalise)", () => {
    expect(() => fromNdarray(ndarray(new Uint8Array([0, 1, 2, 3])))).toThrow(ValueError);
    expect(() => fromNdarray(ndarray(new Uint8Array([0, 1, 2, 3])))).toThrow(/^fromNdarray: Uint8Array data is read as bool, which holds only 0 and 1, but the view holds 3/);
    expect(fromNdarray(ndarray(new Uint8Array([1]), [])).item()).toBe(1);
    // Only the elements of the view count: every other byte of this data is 7.
    const data = new Uint8Array([1, 7, 0, 7, 1, 7]);
    const t = fromNdarray(ndarray(data, [3], [2], 0));
    expect(t.dtype).toBe("bool");
    expect(t.data).toBe(data);
    expect(t.toArray()).toEqual([1, 0, 1]);
    expect(() => fromNdarray(ndarray(data, [3], [2], 1))).toThrow(/the view holds 7/);
    expect(fromNdarray(ndarray(new Uint8Array([1, 2]), [0])).shape).toEqual([0]);
  });

  it("toNdarray: a view over the tensor's buffer with its strides and offset", () => {
    const t = arange(12, { dtype: "float32" }).reshape([3, 4]);
    const a = toNdarray(t);
    expect(a.data).toBe(t.data);
    a.set(0, 1, 9);
    expect(t.get(0, 1)).toBe(9);
    t.data[11] = -5;
    expect(a.get(2, 3)).toBe(-5);
    for (const v of [t.T, t.slice([1, 3], [null, null, -2]), t.slice(2), tensor([1, 2]).broadcastTo([3, 2])]) {
      const nd = toNdarray(v);
      expect([nd.shape, nd.stride, nd.offset]).toEqual([v.shape, v.strides, v.offset]);
      for (const idx of indices(v.shape)) expect(nd.get(...idx)).toBe(v.get(...idx));
    }
    const back = fromNdarray(toNdarray(t.T));
    expect(back.data).toBe(t.data);
    expect(back.strides).toEqual([1, 4]);
  });
});

describe("gl-matrix vectors and quaternions", () => {
  it("round-trips vec2, vec3, vec4 and quat, copying", () => {
    const cases = [
      [vec2.fromValues(1, -2), fromVec2, toVec2],
      [vec3.fromValues(1, -2, 3.5), fromVec3, toVec3],
      [vec4.fromValues(1, -2, 3.5, 0.25), fromVec4, toVec4],
      [quat.fromValues(0.1, 0.2, 0.3, 0.9), fromQuat, toQuat],
    ] as const;
    for (const [v, from, to] of cases) {
      const t = (from as (x: Float32Array) => Tensor)(v as Float32Array);
      expect([t.shape, t.dtype]).toEqual([[v.length], "float32"]);
      expect(flatValues(t)).toEqual(Array.from(v));
      const back = (to as (x: Tensor) => Float32Array)(t);
      expect(back).toEqual(v);
      expect(back).not.toBe(v);
      const first = v[0];
      (v as Float32Array)[0] = 100; // the tensor holds a copy
      expect(t.get(0)).toBe(first);
    }
  });

  it("accepts float64 tensors and strided views on the way out, and fills `out`", () => {
    expect(toVec3(tensor([1, 2, 3], { dtype: "float64" }))).toEqual(new Float32Array([1, 2, 3]));
    expect(toVec3(arange(6, { dtype: "float32" }).slice([null, null, -2]))).toEqual(new Float32Array([5, 3, 1]));
    const out = vec4.create();
    expect(toVec4(tensor([1, 2, 3, 4]), out)).toBe(out);
    expect(out).toEqual(new Float32Array([1, 2, 3, 4]));
  });

  it("validates shapes and dtypes", () => {
    expect(() => toVec3(zeros([4]))).toThrow(ShapeError);
    expect(() => toVec3(zeros([4]))).toThrow("toVec3: expected shape (3), got (4)");
    expect(() => toVec2(zeros([2, 1]))).toThrow("toVec2: expected shape (2), got (2,1)");
    expect(() => toQuat(zeros([4], { dtype: "int32" }))).toThrow(DTypeError);
    expect(() => toQuat(zeros([4], { dtype: "int32" }))).toThrow("toQuat: expected a float32 or float64 tensor, got int32; cast it first");
    expect(() => fromVec3([1, 2] as unknown as vec3)).toThrow("fromVec3: expected 3 values, got 2");
  });

  it("quaternions are [x, y, z, w] and rotate like vec3.transformQuat (via mat4.fromQuat)", () => {
    const q = quat.setAxisAngle(quat.create(), vec3.normalize(vec3.create(), [1, 2, 3]), 0.7);
    const t = fromQuat(q);
    expect(t.get(3)).toBeCloseTo(Math.cos(0.35), 6); // w last
    const r4 = fromMat4(mat4.fromQuat(mat4.create(), toQuat(t)));
    const r3 = fromMat3(mat3.fromQuat(mat3.create(), q));
    for (const seed of [1, 2, 3]) {
      const [x, y, z] = pseudoRandom(3, seed) as [number, number, number];
      const expected = Array.from(vec3.transformQuat(vec3.create(), [x, y, z], q));
      expect(naive(r4, tensor([x, y, z, 0])).slice(0, 3)).toAllClose(expected, { atol: 1e-5 });
      expect(naive(r3, tensor([x, y, z]))).toAllClose(expected, { atol: 1e-5 });
      expect(matmul(r3, tensor([x, y, z]))).toAllClose(expected, { atol: 1e-5 });
    }
  });
});

describe("gl-matrix matrices are column-major", () => {
  it("fromMat4(m).get(i, j) is m[j*4 + i]; a translation lands in column 3", () => {
    const m = randomArray(16, 1) as mat4;
    const t = fromMat4(m);
    expect([t.shape, t.dtype]).toEqual([[4, 4], "float32"]);
    for (const [i, j] of indices([4, 4]) as Iterable<[number, number]>) expect(t.get(i, j)).toBe(m[j * 4 + i]);
    const tr = fromMat4(mat4.fromTranslation(mat4.create(), [1.5, -2, 3]));
    expect([tr.get(0, 3), tr.get(1, 3), tr.get(2, 3), tr.get(3, 3)]).toEqual([1.5, -2, 3, 1]);
    expect([tr.get(3, 0), tr.get(3, 1), tr.get(3, 2)]).toEqual([0, 0, 0]);
    expect(fromMat2(mat2.fromValues(1, 2, 3, 4)).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    const t3 = fromMat3(mat3.fromTranslation(mat3.create(), [5, 6]));
    expect([t3.get(0, 2), t3.get(1, 2)]).toEqual([5, 6]);
  });

  it("products agree with mat4.multiply and vec4.transformMat4 (naive product)", () => {
    for (const seed of [1, 2, 3]) {
      const a = randomArray(16, seed) as mat4;
      const b = randomArray(16, seed + 10) as mat4;
      const ab = fromMat4(mat4.multiply(mat4.create(), a, b));
      expect(naive(fromMat4(a), fromMat4(b))).toAllClose(ab, { rtol: 1e-5, atol: 1e-5 });
      const v = randomArray(4, seed + 20) as vec4;
      const mv = Array.from(vec4.transformMat4(vec4.create(), v, a));
      expect(naive(fromMat4(a), fromVec4(v))).toAllClose(mv, { rtol: 1e-5, atol: 1e-5 });
      const a3 = randomArray(9, seed) as mat3;
      const b3 = randomArray(9, seed + 10) as mat3;
      expect(naive(fromMat3(a3), fromMat3(b3))).toAllClose(fromMat3(mat3.multiply(mat3.create(), a3, b3)), { atol: 1e-5 });
      const a2 = randomArray(4, seed) as mat2;
      const b2 = randomArray(4, seed + 10) as mat2;
      expect(naive(fromMat2(a2), fromMat2(b2))).toAllClose(fromMat2(mat2.multiply(mat2.create(), a2, b2)), { atol: 1e-5 });
    }
  });

  it("products agree with mat4.multiply and vec4.transformMat4 (library matmul)", () => {
    for (const seed of [1, 2, 3]) {
      const a = randomArray(16, seed) as mat4;
      const b = randomArray(16, seed + 10) as mat4;
      expect(matmul(fromMat4(a), fromMat4(b))).toAllClose(fromMat4(mat4.multiply(mat4.create(), a, b)), { rtol: 1e-5, atol: 1e-5 });
      const v = randomArray(4, seed + 20) as vec4;
      expect(matmul(fromMat4(a), fromVec4(v))).toAllClose(Array.from(vec4.transformMat4(vec4.create(), v, a)), { rtol: 1e-5, atol: 1e-5 });
      const a3 = randomArray(9, seed) as mat3;
      const b3 = randomArray(9, seed + 10) as mat3;
      expect(matmul(fromMat3(a3), fromMat3(b3))).toAllClose(fromMat3(mat3.multiply(mat3.create(), a3, b3)), { atol: 1e-5 });
    }
  });

  it("round-trips mat2, mat3, mat4, and toMat4 inverts fromMat4 on views", () => {
    for (const [n, from, to] of [
      [2, fromMat2, toMat2],
      [3, fromMat3, toMat3],
      [4, fromMat4, toMat4],
    ] as const) {
      const m = randomArray(n * n, n);
      const t = (from as (x: Float32Array) => Tensor)(m);
      expect((to as (x: Tensor) => Float32Array)(t)).toEqual(m);
      expect((from as (x: Float32Array) => Tensor)((to as (x: Tensor) => Float32Array)(t)).equals(t)).toBe(true);
    }
    const m = randomArray(16, 7) as mat4;
    expect(toMat4(fromMat4(m).T)).toEqual(mat4.transpose(mat4.create(), m));
    const f64 = tensor(flatValues(fromMat4(m)), { dtype: "float64", shape: [4, 4] });
    expect(toMat4(f64)).toEqual(m);
    const out = mat4.create();
    expect(toMat4(fromMat4(m), out)).toBe(out);
  });

  it("validates shapes and dtypes", () => {
    expect(() => toMat4(zeros([3, 4]))).toThrow(ShapeError);
    expect(() => toMat4(zeros([3, 4]))).toThrow("toMat4: expected shape (4,4), got (3,4)");
    expect(() => toMat3(zeros([9]))).toThrow("toMat3: expected shape (3,3), got (9)");
    expect(() => toMat2(eye(2, 2, { dtype: "bool" }))).toThrow(DTypeError);
    expect(() => fromMat4([1, 2, 3] as unknown as mat4)).toThrow("fromMat4: expected 16 values, got 3");
  });
});
