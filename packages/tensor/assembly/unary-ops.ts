// The elementwise maps of the WebAssembly kernels, one class each (a type tag, see simd.ts): f32
// and f64 compute g on a vector; an activation (marked in opcodes.json) also has grad32/grad64,
// dZ = dA·g'(·) read from z (relu, leakyRelu) or from the output a (sigmoid, tanh). A new map is
// a class here and a line in opcodes.json; scripts/build-wasm.mjs wires its code.
import { expF32x4, expF64x2, logF32x4, logF64x2, sigmoidF32x4, sigmoidF64x2, tanhF32x4, tanhF64x2 } from "./vmath";

@final
export class Identity {
  @inline f32(v: v128, alpha: v128): v128 { return v; }
  @inline f64(v: v128, alpha: v128): v128 { return v; }
  @inline grad32(dA: v128, z: v128, a: v128, alpha: v128): v128 { return dA; }
  @inline grad64(dA: v128, z: v128, a: v128, alpha: v128): v128 { return dA; }
}

@final
export class Relu {
  // max propagates NaN and gives +0 for −0, as the TypeScript kernel does
  @inline f32(v: v128, alpha: v128): v128 { return f32x4.max(v, f32x4.splat(0)); }
  @inline f64(v: v128, alpha: v128): v128 { return f64x2.max(v, f64x2.splat(0)); }
  @inline grad32(dA: v128, z: v128, a: v128, alpha: v128): v128 { return v128.and(dA, f32x4.gt(z, f32x4.splat(0))); }
  @inline grad64(dA: v128, z: v128, a: v128, alpha: v128): v128 { return v128.and(dA, f64x2.gt(z, f64x2.splat(0))); }
}

@final
export class LeakyRelu {
  @inline f32(v: v128, alpha: v128): v128 { return v128.bitselect(v, f32x4.mul(v, alpha), f32x4.gt(v, f32x4.splat(0))); }
  @inline f64(v: v128, alpha: v128): v128 { return v128.bitselect(v, f64x2.mul(v, alpha), f64x2.gt(v, f64x2.splat(0))); }
  @inline grad32(dA: v128, z: v128, a: v128, alpha: v128): v128 { return v128.bitselect(dA, f32x4.mul(dA, alpha), f32x4.gt(z, f32x4.splat(0))); }
  @inline grad64(dA: v128, z: v128, a: v128, alpha: v128): v128 { return v128.bitselect(dA, f64x2.mul(dA, alpha), f64x2.gt(z, f64x2.splat(0))); }
}

@final
export class Sigmoid {
  @inline f32(v: v128, alpha: v128): v128 { return sigmoidF32x4(v); }
  @inline f64(v: v128, alpha: v128): v128 { return sigmoidF64x2(v); }
  // σ' = a(1 − a), from the layer's output
  @inline grad32(dA: v128, z: v128, a: v128, alpha: v128): v128 { return f32x4.mul(dA, f32x4.mul(a, f32x4.sub(f32x4.splat(1), a))); }
  @inline grad64(dA: v128, z: v128, a: v128, alpha: v128): v128 { return f64x2.mul(dA, f64x2.mul(a, f64x2.sub(f64x2.splat(1), a))); }
}

@final
export class Tanh {
  @inline f32(v: v128, alpha: v128): v128 { return tanhF32x4(v); }
  @inline f64(v: v128, alpha: v128): v128 { return tanhF64x2(v); }
  // tanh' = 1 − a², from the layer's output
  @inline grad32(dA: v128, z: v128, a: v128, alpha: v128): v128 { return f32x4.mul(dA, f32x4.sub(f32x4.splat(1), f32x4.mul(a, a))); }
  @inline grad64(dA: v128, z: v128, a: v128, alpha: v128): v128 { return f64x2.mul(dA, f64x2.sub(f64x2.splat(1), f64x2.mul(a, a))); }
}

@final
export class Exp {
  @inline f32(v: v128, alpha: v128): v128 { return expF32x4(v); }
  @inline f64(v: v128, alpha: v128): v128 { return expF64x2(v); }
}

@final
export class Log {
  @inline f32(v: v128, alpha: v128): v128 { return logF32x4(v); }
  @inline f64(v: v128, alpha: v128): v128 { return logF64x2(v); }
}
