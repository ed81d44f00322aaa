// compile's arguments and results: tensors nested in arrays and plain objects, variables that get
// gradients, in-place writes reaching the caller, resident arguments bound without a copy, and
// reuseResults. Each test compares what the caller sees with the same function called eagerly.
import { describe, expect, it } from "vitest";
import { compile, variable, type Variable } from "@strata/autograd";
import { kernelOptions, makeResident, randn, rng, tensor, zeros, type Tensor } from "@strata/tensor";
import { bindOrCopy, describeArgs, ownCopy, unbind } from "../src/compile-args.js";

const values = (t: Tensor | null | undefined): number[] => (t == null ? [] : Array.from(t.contiguous().toTypedArray(), Number));
const draw = (shape: number[], seed: number, dtype: "float32" | "float64" = "float64"): Tensor => randn(shape, { rng: rng(seed), dtype });
/** A float32 tensor in the kernels' memory where they are on (else a plain one). */
const resident = (shape: number[], seed: number): Tensor => {
  const t = draw(shape, seed, "float32");
  makeResident(t);
  return t;
};

describe("tensors inside arrays and plain objects", () => {
  it("are read at every call, at any depth", () => {
    const f = (a: { x: Tensor; pair: [Tensor, { w: Tensor }] }, s: number): Tensor => a.x.mul(a.pair[0]).add(a.pair[1].w).mul(s);
    const compiled = compile(f, { onRefusal: "error" });
    for (let k = 0; k < 4; k++) {
      const arg = { x: draw([3], 10 * k), pair: [draw([3], 10 * k + 1), { w: draw([3], 10 * k + 2) }] as [Tensor, { w: Tensor }] };
      expect(values(compiled(arg, 2))).toEqual(values(f(arg, 2)));
    }
    expect(compiled.status).toEqual({ recordings: 1, replays: 3, eager: null });
  });

  it("make the signature: another shape, another key or another length records afresh", () => {
    const f = compile((b: Record<string, Tensor> | Tensor[]) => Object.values(b).reduce((s, t) => s.add(t.sum()), zeros([])), { onRefusal: "error" });
    const calls: (Record<string, Tensor> | Tensor[])[] = [
      { a: draw([2], 1) }, { a: draw([2], 2) }, { a: draw([3], 3) }, { b: draw([2], 4) }, [draw([2], 5)], [draw([2], 6), draw([2], 7)], [draw([2], 8)],
    ];
    for (const c of calls) expect(f(c).item()).toBeCloseTo(Object.values(c).reduce((s, t) => s + t.sum().item(), 0), 12);
    expect(f.status).toEqual({ recordings: 5, replays: 2, eager: null });
    expect(describeArgs([{ a: [tensor([1])] }, "s", -0], "grad").key).toBe('grad|{"a":[Tfloat32[1]]}|string:"s"|number:-0|');
  });

  it("an array that holds itself is compared by identity, not walked forever", () => {
    const cyclic: unknown[] = [tensor([1, 2])];
    cyclic.push(cyclic);
    const f = compile((c: unknown[]) => (c[0] as Tensor).mul(2), { onRefusal: "error" });
    expect(values(f(cyclic))).toEqual([2, 4]);
    (cyclic[0] as Tensor).data.set([3, 4]);
    expect(values(f(cyclic))).toEqual([6, 8]);
  });
});

describe("variable arguments that require gradients", () => {
  const f = (x: Variable, w: Tensor): Variable => {
    const loss = x.mul(w).square().sum();
    loss.backward();
    return loss;
  };

  it("get the gradient eager backward gives them, inside arrays too, while the function replays", () => {
    const g = (xs: Variable[], w: Tensor): Variable => f(xs[0]!, w);
    const compiled = compile(g, { onRefusal: "error" });
    for (let k = 0; k < 4; k++) {
      const t = draw([3], k);
      const w = draw([3], 20 + k);
      const [a, b] = [variable(t.clone(), { requiresGrad: true }), variable(t.clone(), { requiresGrad: true })];
      expect(values(compiled([b], w).data)).toEqual(values(g([a], w).data));
      expect(values(b.grad)).toEqual(values(a.grad));
      // by hand: d/dx Σ (x·w)² = 2·x·w²
      values(t).forEach((x, i) => expect(values(b.grad)[i]).toBeCloseTo(2 * x * values(w)[i]! ** 2, 12));
    }
    expect(compiled.status.replays).toBe(3);
  });

  it("with a .grad already set: accumulated as eagerly, the recording refused naming the argument", () => {
    const compiled = compile(f, { onRefusal: "silent" });
    const t = draw([3], 1);
    const w = draw([3], 2);
    const [a, b] = [variable(t.clone(), { requiresGrad: true }), variable(t.clone(), { requiresGrad: true })];
    for (let k = 0; k < 3; k++) {
      f(a, w);
      compiled(b, w);
      expect(values(b.grad)).toEqual(values(a.grad));
    }
    expect(compiled.status.eager).toMatch(/argument variable 1 \(of shape \[3\]\) has a \.grad set before the call/);
  });
});

describe("in-place writes to arguments reach the caller", () => {
  it.each([
    ["mulInPlace on a tensor", (x: Tensor) => x.mulInPlace(2).sum()],
    ["assign through a row view", (x: Tensor) => x.reshape([2, 3]).slice(1).assign(tensor([7, 8, 9], { dtype: "float64" })).sum()],
    ["addInPlace on a transposed view", (x: Tensor) => x.reshape([2, 3]).T.addInPlace(1).sum()],
  ] as const)("%s, on contiguous and strided caller tensors", (_, f) => {
    const compiled = compile(f, { onRefusal: "error" });
    for (let k = 0; k < 4; k++) {
      const base = draw([2, 6], k);
      const [a, b] = k % 2 === 0 ? [draw([6], k), draw([6], k)] : [base.clone().slice(null, [0, 6, 2]).reshape([-1]), base.clone().slice(null, [0, 6, 2]).reshape([-1])];
      expect(values(compiled(b))).toEqual(values(f(a)));
      expect(values(b)).toEqual(values(a));
      // the caller's version counts the write, as eagerly (autograd checks saved tensors with it)
      expect(b.version).toBe(a.version);
      expect(b.version).toBeGreaterThan(0);
    }
    expect(compiled.status.replays).toBe(3);
  });

  it("a variable's data written in place (an update step on an argument)", () => {
    const step = (p: Variable): Tensor => p.data.subInPlace(p.data.mul(0.5));
    const compiled = compile(step, { onRefusal: "error" });
    const [a, b] = [variable(draw([4], 1)), variable(draw([4], 1))];
    for (let k = 0; k < 3; k++) {
      step(a);
      compiled(b);
      expect(values(b.data)).toEqual(values(a.data));
    }
  });
});

describe("resident arguments are bound, not copied", () => {
  it("bindOrCopy binds a resident contiguous tensor, copies anything else, and unbind restores the own array", () => {
    const arg = resident([2, 3], 1);
    const own = ownCopy(arg);
    const ownArray = own.data;
    const swapped = bindOrCopy(own, arg, new Set());
    if (kernelOptions().wasm) {
      expect(swapped).toBe(ownArray);
      expect(own.data.buffer).toBe(arg.data.buffer);
      expect(own.data.byteOffset).toBe(arg.data.byteOffset);
      // a resident row at an offset: a view of just those values
      const row = arg.slice(1);
      const ownRow = ownCopy(row);
      bindOrCopy(ownRow, row, new Set());
      expect(ownRow.data.byteOffset).toBe(arg.data.byteOffset + 3 * 4);
    } else {
      expect(swapped).toBe(null);
    }
    unbind(own, swapped);
    expect(own.data).toBe(ownArray);
    // not contiguous, or sharing memory with a result: copied
    expect(bindOrCopy(ownCopy(arg.T), arg.T, new Set())).toBe(null);
    expect(bindOrCopy(own, arg, new Set([arg.storage]))).toBe(null);
    expect(values(own)).toEqual(values(arg));
  });

  it("a training step on resident batches replays as eagerly, and the step keeps none of the caller's memory", () => {
    const make = () => variable(draw([4, 3], 7, "float32"), { requiresGrad: true });
    const [a, b] = [make(), make()];
    const step = (w: Variable) => (x: Tensor, y: Tensor): Tensor => {
      w.grad = null;
      const loss = w.matmul(x).sub(y).square().mean();
      loss.backward();
      w.data.subInPlace(w.grad!.mul(0.1));
      return loss.data;
    };
    const compiled = compile(step(b), { onRefusal: "error" });
    const batches: Tensor[] = [];
    for (let k = 0; k < 5; k++) {
      const [x, y] = [resident([3, 8], 100 + k), resident([4, 8], 200 + k)];
      batches.push(x);
      expect(values(compiled(x, y))).toEqual(values(step(a)(x, y)));
      expect(values(b.data)).toEqual(values(a.data));
    }
    // writing into the last batch changes nothing the compiled step holds: its next call on a
    // plain (copied) batch equals eager
    batches.at(-1)!.data.fill(1e6);
    const [x, y] = [draw([3, 8], 9, "float32"), draw([4, 8], 10, "float32")];
    expect(values(compiled(x, y))).toEqual(values(step(a)(x, y)));
  });

  // past the WebAssembly thresholds, where kernels take resident operands in place
  it("large operands on the kernels, bound on some calls and copied on others, give eager's values", () => {
    const f = (a: Tensor, b: Tensor, c: Tensor): Tensor => a.mul(b).add(c).relu().mul(2);
    const compiled = compile(f, { reuseResults: true, onRefusal: "error" });
    for (let k = 0; k < 4; k++) {
      const xs = [0, 1, 2].map((i) => (k % 2 === 0 ? resident([20_000], 10 * k + i) : draw([20_000], 10 * k + i, "float32")));
      expect(values(compiled(xs[0]!, xs[1]!, xs[2]!))).toEqual(values(f(xs[0]!, xs[1]!, xs[2]!)));
    }
    expect(compiled.status.replays).toBe(3);
  });

  it("an in-place write to a bound argument lands in the caller's array", () => {
    const f = (x: Tensor): Tensor => x.mulInPlace(3).sum();
    const compiled = compile(f, { onRefusal: "error" });
    for (let k = 0; k < 3; k++) {
      const [a, b] = [resident([5], k), resident([5], k)];
      f(a);
      compiled(b);
      expect(values(b)).toEqual(values(a));
      expect(b.version).toBe(a.version);
    }
  });
});

describe("reuseResults", () => {
  it("hands back the recording's own tensors, overwritten by the next call", () => {
    const f = (x: Tensor): { y: Tensor; v: Variable } => ({ y: x.exp(), v: variable(x.mul(2)) });
    const compiled = compile(f, { reuseResults: true, onRefusal: "error" });
    const first = compiled(draw([3], 1));
    const firstY = values(first.y);
    const second = compiled(draw([3], 2));
    expect(second.y).toBe(first.y);
    expect(values(first.y)).not.toEqual(firstY);
    expect(values(second.y)).toEqual(values(draw([3], 2).exp()));
    expect(second.v.data).toBe(first.v.data);
    expect(second.v.requiresGrad).toBe(false);
    expect(values(second.v.data)).toEqual(values(draw([3], 2).mul(2)));
  });

  it("still copies a result that shares memory with an argument, and copies everything by default", () => {
    const f = (x: Tensor): Tensor[] => [x.reshape([2, 2]), x.add(1)];
    const reusing = compile(f, { reuseResults: true, onRefusal: "error" });
    const copying = compile(f, { onRefusal: "error" });
    for (const x of [resident([4], 1), resident([4], 2), draw([4], 3, "float32")]) {
      const [view, sum] = reusing(x);
      const [view2, sum2] = copying(x);
      expect(values(view)).toEqual(values(x));
      x.data.fill(0);
      expect(values(view)).not.toEqual(values(x));
      expect(values(view2)).toEqual(values(view));
      expect(values(sum2)).toEqual(values(sum));
    }
    const again = copying(draw([4], 4, "float32"));
    expect(again[1]).not.toBe(copying(draw([4], 4, "float32"))[1]);
  });

  it("a result fed back as the next call's argument (a recurrence) is copied in, not bound", () => {
    const w = draw([3, 3], 5, "float32").mul(0.5);
    const cell = (h: Tensor): Tensor => w.matmul(h).tanh();
    const compiled = compile(cell, { reuseResults: true, onRefusal: "error" });
    let [h, eager] = [resident([3, 1], 6), resident([3, 1], 6)];
    for (let k = 0; k < 4; k++) {
      h = compiled(h);
      eager = cell(eager);
      expect(values(h)).toEqual(values(eager));
    }
  });
});
