// The binary operations of the WebAssembly kernels, one class each (a type tag, see simd.ts). The
// reversed ones compute b ∘ a, for a number on the left of a non-commutative op. max and min
// propagate NaN and order −0 below +0, as Math.max and Math.min do.

@final
export class Add {
  @inline f32(a: v128, b: v128): v128 { return f32x4.add(a, b); }
  @inline f64(a: v128, b: v128): v128 { return f64x2.add(a, b); }
}

@final
export class Sub {
  @inline f32(a: v128, b: v128): v128 { return f32x4.sub(a, b); }
  @inline f64(a: v128, b: v128): v128 { return f64x2.sub(a, b); }
}

@final
export class Mul {
  @inline f32(a: v128, b: v128): v128 { return f32x4.mul(a, b); }
  @inline f64(a: v128, b: v128): v128 { return f64x2.mul(a, b); }
}

@final
export class Div {
  @inline f32(a: v128, b: v128): v128 { return f32x4.div(a, b); }
  @inline f64(a: v128, b: v128): v128 { return f64x2.div(a, b); }
}

@final
export class Maximum {
  @inline f32(a: v128, b: v128): v128 { return f32x4.max(a, b); }
  @inline f64(a: v128, b: v128): v128 { return f64x2.max(a, b); }
}

@final
export class Minimum {
  @inline f32(a: v128, b: v128): v128 { return f32x4.min(a, b); }
  @inline f64(a: v128, b: v128): v128 { return f64x2.min(a, b); }
}

@final
export class ReversedSub {
  @inline f32(a: v128, b: v128): v128 { return f32x4.sub(b, a); }
  @inline f64(a: v128, b: v128): v128 { return f64x2.sub(b, a); }
}

@final
export class ReversedDiv {
  @inline f32(a: v128, b: v128): v128 { return f32x4.div(b, a); }
  @inline f64(a: v128, b: v128): v128 { return f64x2.div(b, a); }
}
