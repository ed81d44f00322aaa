// The two internals @strata/nn builds parameters on: a leaf remembers that it once required
// gradients (so a frozen parameter stays one), and a leaf's value can be replaced by one of
// another dtype with the variable kept (Module.to).
import { describe, expect, it } from "vitest";
import { mul, sum, variable } from "@strata/autograd";
import { DTypeError, ShapeError, ValueError, tensor } from "@strata/tensor";
import { thrown } from "../../tensor/test/reference.js";

describe("everRequiredGrad", () => {
  it("is set by creation with requiresGrad or by setting it later, never cleared; false for constants and results", () => {
    const created = variable([1], { requiresGrad: true });
    const later = variable([1]);
    const constant = variable([1]);
    expect([created.everRequiredGrad, later.everRequiredGrad, constant.everRequiredGrad]).toEqual([true, false, false]);
    later.requiresGrad = true;
    created.requiresGrad = false;
    later.requiresGrad = false;
    expect([created.everRequiredGrad, later.everRequiredGrad]).toEqual([true, true]);
    expect(mul(created, 2).everRequiredGrad).toBe(false);
    expect(created.detach().everRequiredGrad).toBe(false);
  });
});

describe("replaceData", () => {
  it("changes the value and dtype, casts the gradient, and keeps the hooks", () => {
    const w = variable([1.5, -2], { requiresGrad: true });
    const seen: string[] = [];
    w.registerHook((g) => void seen.push(g.dtype));
    sum(mul(w, w)).backward();
    w.replaceData(tensor([0.25, 4], { dtype: "float64" }));
    expect(w.dtype).toBe("float64");
    expect(w.grad!.dtype).toBe("float64");
    expect(w.grad!.toArray()).toEqual([3, -4]); // 2w at the old value, cast
    w.grad = null;
    sum(mul(w, w)).backward();
    expect(w.grad!.toArray()).toEqual([0.5, 8]); // 2w at the new value
    expect(seen).toEqual(["float32", "float64"]);
  });

  it("refuses a non-leaf, another shape, and a non-float value for a variable that requires gradients", () => {
    const w = variable([1, 2], { requiresGrad: true });
    expect(thrown(() => mul(w, 2).replaceData(tensor([1, 2])))).toBeInstanceOf(ValueError);
    const e = thrown(() => w.replaceData(tensor([1, 2, 3])));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe("replaceData: expected a value of shape (2), got (3)");
    expect(thrown(() => w.replaceData(tensor([1, 2], { dtype: "int32" })))).toBeInstanceOf(DTypeError);
    expect(w.data.toArray()).toEqual([1, 2]);
  });
});
