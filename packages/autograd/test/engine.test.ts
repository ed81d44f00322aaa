// The reverse-mode engine: ordering, accumulation, pruning, freeing, seeds, broadcasting, dtypes,
// in-place detection, grad mode, detach, hooks, retainGrad, gradients() and toDot. Expected values
// are derived by hand in the comments next to them.
import { describe, expect, it } from "vitest";
import {
  Variable, add, defineFunction, enableGrad, exp, gradients, isGradEnabled, mul, noGrad, sum, toDot, variable,
} from "@strata/autograd";
import {
  DTypeError, ShapeError, Tensor, ValueError, addInPlace, assign, fill, mulInPlace, ones, tensor, type TensorValues,
} from "@strata/tensor";
import { thrown } from "../../tensor/test/reference.js";

const leaf = (values: TensorValues, name?: string): Variable =>
  variable(values, { dtype: "float64", requiresGrad: true, ...(name ? { name } : {}) });

/** A custom op `Σ inputs` whose backward logs which gradients the engine asked for. */
function probe(log: { name: string; needs: boolean[] }[], name: string) {
  return defineFunction({
    name,
    forward: (_ctx, ...xs) => xs.slice(1).reduce<Tensor>((s, x) => s.add(x), xs[0] as Tensor),
    backward: (ctx, g) => {
      log.push({ name, needs: [...ctx.needsInputGrad] });
      return ctx.needsInputGrad.map((n) => (n ? g : null));
    },
  });
}

describe("graph traversal", () => {
  it("backpropagates through a chain of 100,000 ops without overflowing the stack", () => {
    // y ← (y·c) + 1, 50,000 times: the +1 has derivative 1, so dy/dx = c^50000.
    const c = 1.00002;
    const x = leaf(0.5);
    let y: Variable = x;
    for (let k = 0; k < 50_000; k++) y = add(mul(y, c), 1);
    y.backward();
    expect(x.grad).toAllClose(Math.pow(c, 50_000), { rtol: 1e-9 });
  });

  it("accumulates over shared subexpressions (a diamond, x used many times)", () => {
    // y = (3x + x²)·x + x = 3x² + x³ + x, so dy/dx = 6x + 3x² + 1 = 25 at x = 2.
    const x = leaf(2);
    add(mul(add(mul(x, 3), mul(x, x)), x), x).backward();
    expect(x.grad).toAllClose(25);

    // Σ_k k·x for k = 1..10: every use adds its own k, 55 in all.
    const z = leaf([1, -1]);
    let s: Variable = mul(z, 1);
    for (let k = 2; k <= 10; k++) s = add(s, mul(z, k));
    sum(s).backward();
    expect(z.grad).toAllClose([55, 55]);
  });

  it("accumulates .grad over backward passes until it is set to null", () => {
    const x = leaf([1, 3]);
    const y = sum(mul(x, x)); // dy/dx = 2x
    y.backward(undefined, { retainGraph: true });
    expect(x.grad).toAllClose([2, 6]);
    y.backward(undefined, { retainGraph: true });
    expect(x.grad).toAllClose([4, 12]);
    x.grad = null;
    expect(x.grad).toBeNull();
    y.backward();
    expect(x.grad).toAllClose([2, 6]);
  });

  it("gives every leaf a gradient tensor of its own, also with createGraph", () => {
    // add hands the same g to both inputs, and the seed is the caller's tensor: .grad must be a
    // copy of neither, or an optimiser zeroing one gradient in place would change the other.
    const a = leaf([1, 2]);
    const b = leaf([3, 4]);
    sum(add(a, b)).backward(undefined, { createGraph: true });
    expect(a.grad).not.toBe(b.grad);
    fill(a.grad!, 0);
    expect(b.grad).toAllClose([1, 1]);

    const z = leaf([1, 2]);
    const seed = tensor([1, 1], { dtype: "float64" });
    z.backward(seed, { createGraph: true });
    expect(z.grad).not.toBe(seed);
  });

  it("asks only for the gradients that lead to a leaf requiring them", () => {
    const log: { name: string; needs: boolean[] }[] = [];
    const a = leaf([1, 2]);
    const frozen = variable([3, 4], { dtype: "float64" });
    sum(probe(log, "f")(a, frozen, tensor([5, 6], { dtype: "float64" }), 7)).backward();
    // Only `a` requires a gradient: the variable without requiresGrad, the tensor and the number do not.
    expect(log).toEqual([{ name: "f", needs: [true, false, false, false] }]);
    expect(a.grad).toAllClose([1, 1]);

    // With gradients() w.r.t. `a` alone, a branch reaching only `w` is never run, and a node with
    // both as inputs is asked for a's gradient only.
    log.length = 0;
    const w = leaf([10, 20]);
    const out = add(add(probe(log, "left")(a), probe(log, "right")(w)), probe(log, "both")(a, w));
    const [ga] = gradients([sum(out)], [a]);
    expect(ga!.data).toAllClose([2, 2]);
    expect(log.map((e) => e.name).sort()).toEqual(["both", "left"]);
    expect(log.find((e) => e.name === "both")!.needs).toEqual([true, false]);
  });
});

describe("graph freeing", () => {
  it("frees the graph after backward unless retainGraph", () => {
    const x = leaf([1, 2]);
    const y = sum(mul(x, x));
    y.backward();
    expect(() => y.backward()).toThrow(ValueError);
    expect(() => y.backward()).toThrow(/freed.*retainGraph: true/);

    const x2 = leaf([1, 2]);
    const y2 = sum(mul(x2, x2));
    y2.backward(undefined, { retainGraph: true });
    y2.backward();
    expect(x2.grad).toAllClose([4, 8]); // twice 2x
  });
});

describe("seeds", () => {
  it("requires a seed for a non-scalar output, naming the shape and what to pass", () => {
    const y = mul(leaf([[1, 2, 3], [4, 5, 6]]), 2);
    expect(() => y.backward()).toThrow(ValueError);
    expect(() => y.backward()).toThrow(/shape \(2,3\).*seed.*pass.*\(2,3\).*(sum|mean)/);
  });

  it("refuses a seed of the wrong shape with a ShapeError naming both shapes", () => {
    const y = mul(leaf([[1, 2, 3], [4, 5, 6]]), 2);
    expect(() => y.backward(ones([3, 2]))).toThrow(ShapeError);
    expect(() => y.backward(ones([3, 2]))).toThrow(/seed has shape \(3,2\).*output has shape \(2,3\)/);
  });

  it("refuses backward on a variable that does not require gradients", () => {
    expect(() => sum(variable([1, 2])).backward()).toThrow(/backward: this variable does not require gradients/);
  });

  it("weights the gradient by a tensor seed", () => {
    const x = leaf([1, 2, 3]);
    mul(x, x).backward(tensor([1, 10, 100])); // seed · 2x
    expect(x.grad).toAllClose([2, 40, 600]);
  });
});

describe("broadcasting and dtypes", () => {
  it("sums the gradient of a broadcast operand down to its shape", () => {
    const a = leaf([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
    const b = leaf([[1], [2], [3]]);
    const weights = tensor([[1, 2, 3, 4], [0, 0, 0, 1], [-1, 1, -1, 1]], { dtype: "float64" });
    sum(mul(add(add(a, b), 5), weights)).backward();
    expect(b.grad!.shape).toEqual([3, 1]);
    expect(b.grad).toAllClose([[10], [1], [0]]); // row sums of the weights
    expect(a.grad).toAllClose(weights);
  });

  it("keeps each leaf's dtype for its gradient when dtypes mix", () => {
    const a = variable([0.1], { dtype: "float32", requiresGrad: true });
    const b = variable([3], { dtype: "float64", requiresGrad: true });
    const y = mul(a, b);
    expect(y.dtype).toBe("float64");
    y.backward();
    expect(a.grad!.dtype).toBe("float32");
    expect(b.grad!.dtype).toBe("float64");
    expect(a.grad).toAllClose([3]);
    // b's gradient is a's float32 value, widened exactly.
    expect(b.grad!.item()).toBe(Math.fround(0.1));
  });

  it("lets only float variables require gradients", () => {
    expect(() => variable([1, 2], { dtype: "int32", requiresGrad: true })).toThrow(DTypeError);
    expect(() => variable([true], { dtype: "bool", requiresGrad: true })).toThrow(/only float32 and float64.*bool/);
    const i = variable([1, 2], { dtype: "int32" });
    expect(() => { i.requiresGrad = true; }).toThrow(DTypeError);
  });

  it("lets requiresGrad be set on leaves only", () => {
    const y = mul(leaf([1]), 2);
    expect(() => { y.requiresGrad = false; }).toThrow(/only be set on a leaf.*mul.*detach\(\)/);
  });
});

describe("in-place changes of saved tensors", () => {
  it("detects an input saved by mul changed in place, leaving .grad as it was", () => {
    const x = leaf([1, 2, 3]);
    x.grad = tensor([7, 7, 7], { dtype: "float64" });
    const w = tensor([4, 5, 6], { dtype: "float64" });
    const y = sum(mul(x, w));
    addInPlace(w, 1);
    // One attempt only: the failed pass has already released the nodes it went through.
    const error = thrown(() => y.backward());
    expect(error).toBeInstanceOf(ValueError);
    expect(error.message).toMatch(/shape \(3\) \(float64\) saved by mul.*modified in place.*clone\(\)/);
    expect(x.grad).toAllClose([7, 7, 7]);

    // The differentiated input itself, changed after use.
    const z = sum(mul(x, x));
    mulInPlace(x.data, 2);
    expect(() => z.backward()).toThrow(/saved by mul/);
    expect(x.grad).toAllClose([7, 7, 7]);
  });

  it("detects exp's saved output changed in place, also through a view", () => {
    const x = leaf([[0, 1], [2, 3]]);
    const y = exp(x);
    fill(y.data.slice([0, 1]), 0); // the first row only
    expect(() => sum(y).backward()).toThrow(/shape \(2,2\) \(float64\) saved by exp.*modified in place/);
    expect(x.grad).toBeNull();

    const x2 = leaf([1, 2]);
    const y2 = exp(x2);
    assign(y2.data.reshape([1, 2]), 5);
    expect(() => sum(y2).backward()).toThrow(/saved by exp/);
  });

  it("does not change any leaf's .grad when a later node of the same pass fails", () => {
    const x1 = leaf([1, 2]);
    const x2 = leaf([3, 4]);
    const w = tensor([5, 6], { dtype: "float64" });
    const y = sum(add(mul(x2, w), mul(x1, 2)));
    addInPlace(w, 1);
    expect(() => y.backward()).toThrow(/saved by mul/);
    // x1's branch is intact, but a backward that throws must not leave partial gradients behind.
    expect(x1.grad).toBeNull();
    expect(x2.grad).toBeNull();
  });

  it("ignores in-place changes of tensors the graph did not save", () => {
    const x = leaf([1, 2]);
    const w = tensor([5, 6], { dtype: "float64" });
    const y = sum(add(x, w)); // add saves nothing
    addInPlace(w, 1);
    y.backward();
    expect(x.grad).toAllClose([1, 1]);
  });
});

describe("grad mode and detach", () => {
  it("records nothing inside noGrad, and nesting restores the outer mode", () => {
    const x = leaf([1, 2]);
    expect(noGrad(() => mul(x, 2)).requiresGrad).toBe(false);
    noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      expect(enableGrad(() => mul(x, 2)).requiresGrad).toBe(true);
      expect(isGradEnabled()).toBe(false);
    });
    expect(isGradEnabled()).toBe(true);
  });

  it("restores the mode when the callback throws", () => {
    expect(() => noGrad(() => { throw new Error("boom"); })).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
    noGrad(() => {
      expect(() => enableGrad(() => { throw new Error("boom"); })).toThrow("boom");
      expect(isGradEnabled()).toBe(false);
    });
  });

  it("refuses a callback that returns a Promise", () => {
    expect(() => noGrad(async () => 1)).toThrow(/noGrad: the callback returned a Promise.*synchronous/);
    expect(() => enableGrad(() => Promise.resolve(1))).toThrow(/enableGrad.*Promise/);
    expect(isGradEnabled()).toBe(true);
  });

  it("detach shares the data and cuts the graph", () => {
    const x = leaf([3]);
    const y = mul(x, x);
    const d = y.detach();
    expect(d.data).toBe(y.data);
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    mul(d, x).backward(); // d is a constant x², so the gradient is 9, not 3x² = 27
    expect(x.grad).toAllClose([9]);
  });
});

describe("hooks and retainGrad", () => {
  it("shows a leaf's hook the incoming gradient and lets it replace it", () => {
    const x = leaf([1, 1, 1]);
    const seen: number[][] = [];
    const handle = x.registerHook((g) => { seen.push(g.toArray() as number[]); });
    const doubler = x.registerHook((g) => g.mul(2));
    const y = sum(mul(x, tensor([1, 2, 3], { dtype: "float64" })));
    y.backward(undefined, { retainGraph: true });
    expect(seen).toEqual([[1, 2, 3]]);
    expect(x.grad).toAllClose([2, 4, 6]);
    doubler.remove();
    handle.remove();
    x.grad = null;
    y.backward();
    expect(seen).toHaveLength(1);
    expect(x.grad).toAllClose([1, 2, 3]);
  });

  it("lets a hook on a non-leaf change what reaches the leaves upstream", () => {
    const x = leaf([1, 2]);
    const h = mul(x, 3);
    h.registerHook((g) => g.mul(2));
    sum(mul(h, h)).backward(); // dL/dh = 2h = 6x, doubled to 12x, times dh/dx = 3
    expect(x.grad).toAllClose([36, 72]);
  });

  it("refuses a hook on a variable that does not require gradients", () => {
    expect(() => variable([1]).registerHook(() => undefined)).toThrow(/registerHook.*does not require gradients/);
  });

  it("keeps a non-leaf's gradient with retainGrad", () => {
    const x = leaf([1, 2]);
    const h = mul(x, 3).retainGrad();
    const plain = mul(x, 4);
    sum(add(mul(h, h), plain)).backward();
    expect(h.grad).toAllClose([6, 12]); // 2h
    expect(plain.grad).toBeNull();
  });
});

describe("gradients()", () => {
  it("returns gradients w.r.t. leaves and intermediates without touching .grad", () => {
    const x = leaf([1, 2, 3]);
    const h = mul(x, x);
    const unrelated = leaf([5, 5]);
    const [gx, gh, gu] = gradients([sum(mul(h, 3))], [x, h, unrelated]);
    expect(gx!.data).toAllClose([6, 12, 18]); // 6x
    expect(gh!.data).toAllClose([3, 3, 3]);
    expect(gu!.data).toAllClose([0, 0]);
    expect(x.grad).toBeNull();
    expect(h.grad).toBeNull();
  });

  it("weights outputs by gradOutputs and sums over outputs", () => {
    const x = leaf([1, 2, 3]);
    const [g] = gradients([mul(x, 2), sum(mul(x, x))], [x], { gradOutputs: [tensor([1, 2, 3]), undefined] });
    expect(g!.data).toAllClose([2 + 2, 4 + 4, 6 + 6]); // 2·w + 2x
  });

  it("differentiates its own result with createGraph", () => {
    const x = leaf([1, -2]);
    const [g] = gradients([sum(mul(mul(x, x), x))], [x], { createGraph: true }); // 3x²
    expect(g!.requiresGrad).toBe(true);
    const [h] = gradients([sum(g!)], [x]); // 6x
    expect(g!.data).toAllClose([3, 12]);
    expect(h!.data).toAllClose([6, -12]);
  });
});

describe("toDot", () => {
  it("draws one box per op, one named ellipse per leaf, and an edge per input", () => {
    const w = leaf([1, 2], "w");
    const b = leaf([3, 4], "b");
    const dot = toDot(sum(add(mul(w, w), add(b, 1))));
    const lines = dot.split("\n");
    expect(lines[0]).toMatch(/^digraph \w+ \{$/);
    expect(lines.at(-1)).toBe("}");
    const boxes = lines.filter((l) => l.includes("shape=box"));
    const ellipses = lines.filter((l) => l.includes("shape=ellipse"));
    // sum, add, mul, add(b, 1): four ops; w and b: two leaves; the constant 1 is not drawn.
    expect(boxes).toHaveLength(4);
    expect(boxes.map((l) => /label="(\w+)/.exec(l)![1]).sort()).toEqual(["add", "add", "mul", "sum"]);
    expect(ellipses.map((l) => /label="(\w+)\\n\(2\) float64"/.exec(l)![1]).sort()).toEqual(["b", "w"]);
    // add→sum, mul→add, add→add, w→mul twice, b→add
    expect(lines.filter((l) => /^\s*n\d+ -> n\d+/.test(l))).toHaveLength(6);
  });
});
