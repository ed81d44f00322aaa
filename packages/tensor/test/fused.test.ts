// denseForward and denseBackward on the WebAssembly kernels against float64 references computed
// from the formulas, against central finite differences, across operand layouts and thread counts;
// and their errors. The references run on the TypeScript kernels (wasm off) in float64.
import { afterEach, describe, expect, it } from "vitest";
import {
  DTypeError, ShapeError, ValueError, cast, denseBackward, denseForward, kernelOptions, matmul, setKernelOptions, tensor,
  type DenseActivation, type Tensor,
} from "@strata/tensor";
import { onTypeScript, sample } from "./reference.js";

const initial = kernelOptions();
afterEach(() => setKernelOptions({ wasm: initial.wasm, threads: initial.threads }));

const ACTS: DenseActivation[] = ["identity", "relu", "leakyRelu", "sigmoid", "tanh"];
const ALPHA = 0.1;

const f64 = (t: Tensor): Float64Array => Float64Array.from(t.toTypedArray());

/** g(z) and g'(z) (given g(z) = a) in doubles, the formulas of the documentation. */
const g = (act: DenseActivation, z: number): number =>
  act === "relu" ? Math.max(z, 0) : act === "leakyRelu" ? (z > 0 ? z : ALPHA * z) : act === "sigmoid" ? 1 / (1 + Math.exp(-z)) : act === "tanh" ? Math.tanh(z) : z;
const gPrime = (act: DenseActivation, z: number, a: number): number =>
  act === "relu" ? +(z > 0) : act === "leakyRelu" ? (z > 0 ? 1 : ALPHA) : act === "sigmoid" ? a * (1 - a) : act === "tanh" ? 1 - a * a : 1;

function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, allowed: (i: number) => number, label: string): void {
  expect(got.length, label).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= allowed(i))) throw new Error(`${label}: element ${i} is ${got[i]}, expected ${want[i]} within ${allowed(i)}`);
  }
}

const wasmAvailable = kernelOptions().wasmAvailable;
const SHAPES: [number, number, number][] = [[3, 7, 65], [7, 65, 63], [65, 257, 3], [20, 300, 209], [257, 3, 65], [1, 300, 1]];

describe.runIf(wasmAvailable)("denseForward on the WebAssembly kernels", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const eps = dtype === "float32" ? 2 ** -24 : 2 ** -52;
    it(`${dtype}: Z within the summation bound of W·X + b in doubles, A = g(Z) to a few ulp, every activation`, () => {
      for (const [n, k, m] of SHAPES) {
        const [W, X, b] = [sample([n, k], dtype, n + k), sample([k, m], dtype, k + m), sample([n, 1], dtype, n)];
        const want = onTypeScript(() => f64(matmul(cast(W, "float64"), cast(X, "float64")).add(cast(b, "float64"))));
        const bound = onTypeScript(() => f64(matmul(cast(W.abs(), "float64"), cast(X.abs(), "float64")).add(cast(b.abs(), "float64"))));
        for (const act of ACTS) {
          const { Z, A } = denseForward(W, X, b, act, { alpha: ALPHA });
          expect(Z.shape).toEqual([n, m]);
          expect(Z.dtype).toBe(dtype);
          const z = f64(Z);
          expectWithin(z, want, (i) => (k + 1) * eps * bound[i]!, `${dtype} ${act} Z ${n}x${k}x${m}`);
          // A from the returned Z: relu exact, the others to 4 ulp of the result; results below the
          // smallest normal number may be flushed to zero
          const tiny = dtype === "float32" ? 2 ** -126 : 2 ** -1022;
          expectWithin(f64(A), Array.from(z, (v) => g(act, v)), (i) => 4 * eps * Math.abs(g(act, z[i]!)) + tiny, `${dtype} ${act} A ${n}x${k}x${m}`);
          if (act === "identity") expect(A).toBe(Z);
        }
      }
    });

    it(`${dtype}: transposed, strided and sliced operands give the same bits as contiguous ones`, () => {
      const [n, k, m] = [20, 65, 63];
      const [W, X, b] = [sample([n, k], dtype, 2), sample([k, m], dtype, 3), sample([n, 1], dtype, 4)];
      const base = denseForward(W, X, b, "tanh");
      const views: [string, Tensor, Tensor, Tensor][] = [
        ["W, X transposed views", W.T.contiguous().T, X.T.contiguous().T, b],
        ["b a column of a wider matrix", W, X, sample([n, 3], dtype, 4).slice(null, [1, 2])],
        ["X every other row of a bigger buffer", W, sample([2 * k, m], dtype, 9).slice([0, null, 2]), b],
      ];
      for (const [label, w, x, bb] of views.slice(0, 1)) {
        const got = denseForward(w, x, bb, "tanh");
        expect(Array.from(got.Z.toTypedArray()), label).toEqual(Array.from(base.Z.toTypedArray()));
        expect(Array.from(got.A.toTypedArray()), label).toEqual(Array.from(base.A.toTypedArray()));
      }
      // the strided b and X hold other values: compare with the same values made contiguous
      for (const [label, w, x, bb] of views.slice(1)) {
        const got = denseForward(w, x, bb, "relu");
        const want = denseForward(w.contiguous(), x.contiguous(), bb.contiguous(), "relu");
        expect(Array.from(got.A.toTypedArray()), label).toEqual(Array.from(want.A.toTypedArray()));
      }
    });
  }
});

describe.runIf(wasmAvailable)("denseBackward on the WebAssembly kernels", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const eps = dtype === "float32" ? 2 ** -24 : 2 ** -52;
    it(`${dtype}: dZ, dW, db, dX against the formulas in doubles, every activation, scale 1/m`, () => {
      for (const [n, k, m] of SHAPES) {
        const [W, X, b, dA] = [sample([n, k], dtype, 1), sample([k, m], dtype, 2), sample([n, 1], dtype, 3), sample([n, m], dtype, 5)];
        for (const act of ACTS) {
          const { Z, A } = denseForward(W, X, b, act, { alpha: ALPHA });
          const scale = 1 / m;
          const { dX, dW, db } = denseBackward(dA, X, W, Z, A, act, { alpha: ALPHA, scale });
          const [z, a, da] = [f64(Z), f64(A), f64(dA)];
          const dZ = tensor(Array.from(da, (v, i) => v * gPrime(act, z[i]!, a[i]!)), { shape: [n, m], dtype: "float64" });
          // g' = 1 − a² or a(1 − a) in the working dtype has an absolute error of a few ε (cancellation
          // near |a| = 1), so each |dZ| in the bounds below is widened to |dA|·(|g'| + 3)
          const mag = tensor(Array.from(da, (v, i) => Math.abs(v) * (Math.abs(gPrime(act, z[i]!, a[i]!)) + 3)), { shape: [n, m], dtype: "float64" });
          const [X64, W64] = [cast(X, "float64"), cast(W, "float64")];
          const ref = onTypeScript(() => ({
            dW: f64(matmul(dZ, X64.T).mul(scale)), dWb: f64(matmul(mag, X64.abs().T).mul(scale)),
            db: f64(dZ.sum({ axis: 1 }).mul(scale)), dbb: f64(mag.sum({ axis: 1 }).mul(scale)),
            dX: f64(matmul(W64.T, dZ)), dXb: f64(matmul(W64.abs().T, mag)),
          }));
          const label = `${dtype} ${act} ${n}x${k}x${m}`;
          expectWithin(f64(dW!), ref.dW, (i) => (m + 4) * eps * ref.dWb[i]! + 1e-300, `${label} dW`);
          expectWithin(f64(db!), ref.db, (i) => (m + 4) * eps * ref.dbb[i]! + 1e-300, `${label} db`);
          expectWithin(f64(dX!), ref.dX, (i) => (n + 4) * eps * ref.dXb[i]! + 1e-300, `${label} dX`);
          expect([dX!.shape, dW!.shape, db!.shape]).toEqual([[k, m], [n, k], [n, 1]]);
        }
      }
    });
  }

  it("float64: dW, db and dX match central finite differences of Σ R·A", () => {
    const [n, k, m] = [4, 8, 9]; // 288 multiply-adds: above the kernels' threshold
    const [W, X, b, R] = [sample([n, k], "float64", 11), sample([k, m], "float64", 12), sample([n, 1], "float64", 13), sample([n, m], "float64", 14)];
    for (const act of ACTS) {
      const loss = (w: Tensor, x: Tensor, bb: Tensor): number => denseForward(w, x, bb, act, { alpha: ALPHA }).A.mul(R).sum().item();
      const { Z, A } = denseForward(W, X, b, act, { alpha: ALPHA });
      const grads = denseBackward(R, X, W, Z, A, act, { alpha: ALPHA });
      const h = 1e-6;
      for (const [which, t, got] of [["W", W, grads.dW!], ["X", X, grads.dX!], ["b", b, grads.db!]] as const) {
        const g0 = got.toTypedArray();
        for (let i = 0; i < t.size; i++) {
          const bumped = (d: number): number => {
            const c = t.contiguous().clone();
            c.data[i] = c.data[i]! + d;
            return which === "W" ? loss(c, X, b) : which === "X" ? loss(W, c, b) : loss(W, X, c);
          };
          const fd = (bumped(h) - bumped(-h)) / (2 * h);
          expect(Math.abs(g0[i]! - fd), `${act} d${which}[${i}]`).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
        }
      }
    }
  });

  it("1, 2 and 3 threads give identical bits, forward and backward", () => {
    const [n, k, m] = [256, 96, 300];
    for (const dtype of ["float32", "float64"] as const) {
      const [W, X, b, dA] = [sample([n, k], dtype, 1), sample([k, m], dtype, 2), sample([n, 1], dtype, 3), sample([n, m], dtype, 4)];
      const run = (threads: number): number[][] => {
        setKernelOptions({ threads });
        const { Z, A } = denseForward(W, X, b, "sigmoid");
        const { dX, dW, db } = denseBackward(dA, X, W, Z, A, "sigmoid", { scale: 0.5 });
        return [Z, A, dX!, dW!, db!].map((t) => Array.from(t.toTypedArray()));
      };
      const one = run(1);
      expect(run(2), `${dtype} 2 threads`).toEqual(one);
      expect(run(3), `${dtype} 3 threads`).toEqual(one);
    }
  });

  it("needs skips gradients (null) without changing the others", () => {
    const [W, X, b, dA] = [sample([9, 30, 1], "float32", 1).reshape([9, 30]), sample([30, 11], "float32", 2), sample([9, 1], "float32", 3), sample([9, 11], "float32", 4)];
    const { Z, A } = denseForward(W, X, b, "relu");
    const all = denseBackward(dA, X, W, Z, A, "relu");
    const some = denseBackward(dA, X, W, Z, A, "relu", { needs: [false, true, false] });
    expect(some.dX).toBeNull();
    expect(some.db).toBeNull();
    expect(Array.from(some.dW!.toTypedArray())).toEqual(Array.from(all.dW!.toTypedArray()));
  });
});

describe("denseForward and denseBackward on the TypeScript kernels", () => {
  it("equal the composed ops, and the kernels agree with them", () => {
    const [W, X, b, dA] = [sample([5, 60], "float64", 1), sample([60, 7], "float64", 2), sample([5, 1], "float64", 3), sample([5, 7], "float64", 4)];
    const ts = onTypeScript(() => {
      const { Z, A } = denseForward(W, X, b, "leakyRelu", { alpha: ALPHA });
      return { Z, A, ...denseBackward(dA, X, W, Z, A, "leakyRelu", { alpha: ALPHA, scale: 0.25 }) };
    });
    const composed = onTypeScript(() => matmul(W, X).add(b).leakyRelu(ALPHA));
    expect(Array.from(ts.A.toTypedArray())).toEqual(Array.from(composed.toTypedArray()));
    if (!wasmAvailable) return;
    const { Z, A } = denseForward(W, X, b, "leakyRelu", { alpha: ALPHA });
    const wasm = denseBackward(dA, X, W, Z, A, "leakyRelu", { alpha: ALPHA, scale: 0.25 });
    for (const key of ["dX", "dW", "db"] as const) {
      expectWithin(f64(wasm[key]!), f64(ts[key]!), () => 1e-12, key);
    }
  });
});

describe("dense errors name the operation, the shapes and what was expected", () => {
  const [W, X, b] = [sample([4, 3], "float32"), sample([3, 5], "float32"), sample([4, 1], "float32")];
  it("shapes", () => {
    expect(() => denseForward(W, sample([7, 5], "float32"), b)).toThrow(new ShapeError("denseForward: W is (4,3), so X needs 3 rows, got X of shape (7,5)"));
    expect(() => denseForward(W, X, sample([4], "float32"))).toThrow(new ShapeError("denseForward: b must be a matrix, got shape (4)"));
    expect(() => denseForward(W, X, sample([3, 1], "float32"))).toThrow(new ShapeError("denseForward: expected b of shape (4,1) for W of shape (4,3), got (3,1)"));
    const { Z, A } = denseForward(W, X, b);
    expect(() => denseBackward(sample([4, 6], "float32"), X, W, Z, A)).toThrow(
      new ShapeError("denseBackward: expected dA of shape (4,5) (W is (4,3), X (3,5)), got (4,6)"),
    );
  });
  it("dtypes, activations and numbers", () => {
    expect(() => denseForward(W, sample([3, 5], "float64"), b)).toThrow(new DTypeError("denseForward: W, X and b must share one float dtype, got W float32 and X float64"));
    expect(() => denseForward(sample([4, 3], "int32"), sample([3, 5], "int32"), sample([4, 1], "int32"))).toThrow(DTypeError);
    expect(() => denseForward(W, X, b, "softmax" as DenseActivation)).toThrow(
      new ValueError('denseForward: unknown activation "softmax"; expected one of identity, relu, leakyRelu, sigmoid, tanh'),
    );
    expect(() => denseForward(W, X, b, "leakyRelu", { alpha: NaN })).toThrow(new ValueError("denseForward: alpha must be a finite number, got NaN"));
    const { Z, A } = denseForward(W, X, b);
    expect(() => denseBackward(Z, X, W, Z, A, "identity", { scale: Infinity })).toThrow(new ValueError("denseBackward: scale must be a finite number, got Infinity"));
  });
});
