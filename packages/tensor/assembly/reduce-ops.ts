// The row reductions of the WebAssembly kernels, one class each (a type tag, see simd.ts): the
// starting value and how two float64 pairs fold. max and min propagate NaN.

@final
export class Sum {
  @inline start(): f64 { return 0; }
  @inline fold(acc: v128, v: v128): v128 { return f64x2.add(acc, v); }
}

@final
export class Max {
  @inline start(): f64 { return -Infinity; }
  @inline fold(acc: v128, v: v128): v128 { return f64x2.max(acc, v); }
}

@final
export class Min {
  @inline start(): f64 { return Infinity; }
  @inline fold(acc: v128, v: v128): v128 { return f64x2.min(acc, v); }
}
