// Memory layouts for gradcheck inputs. gradcheck perturbs storage elements, so each layout reaches
// a different code path: one element per position, a scattered buffer walked with odd strides, and
// one element shared by many positions (whose gradient is the sum over them).
import { contiguousStrides, isFloatDType, type Tensor } from "@strata/tensor";
import { layouts as referenceLayouts } from "../../tensor/test/reference.js";

export const LAYOUTS = ["contiguous", "strided", "broadcast"] as const;
export type Layout = (typeof LAYOUTS)[number];

/**
 * `t` in `layout`, on a fresh buffer (gradcheck writes into it). "strided" keeps the values;
 * "broadcast" repeats the first slice along the first axis longer than 1 (or the first element
 * when there is none), so its values are a subset of `t`'s. Int and bool tensors are returned as
 * they are: they are indices and masks, not differentiated.
 */
export function inLayout(t: Tensor, layout: Layout): Tensor {
  if (!isFloatDType(t.dtype)) return t;
  switch (layout) {
    case "contiguous":
      return t.clone();
    case "strided": {
      // The reference's strided view (step 2, last axis walked backwards) of the transpose,
      // transposed back: reversed axis order and a negative stride in one view.
      const view = referenceLayouts(t.T).find((l) => l.name === "strided")!.t;
      return view.T;
    }
    case "broadcast": {
      const axis = t.shape.findIndex((n) => n > 1);
      const first = t.shape.map((_, k) => (k === axis ? ([0, 1] as const) : null));
      const source = axis < 0 ? t.reshape([]).clone() : t.slice(...first).clone();
      return source.broadcastTo(t.shape);
    }
  }
}

/** Whether `t` really has the memory layout the name promises (see {@link inLayout}). */
export function hasLayout(t: Tensor, layout: Layout): boolean {
  if (!isFloatDType(t.dtype) || t.ndim === 0) return true;
  switch (layout) {
    case "contiguous":
      return t.isContiguous;
    case "strided":
      return t.size > 1 ? !t.isContiguous && t.strides.some((s) => s < 0) : t.strides.join() !== contiguousStrides(t.shape).join();
    case "broadcast":
      return t.strides.includes(0);
  }
}
