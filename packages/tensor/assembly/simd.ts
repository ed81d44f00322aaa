// Helpers shared by the elementwise kernels (pointwise.ts, arith.ts): lane counts, splats and
// one-element loads and stores for either float type, and the type-tag idiom.

/** Elements per v128 for T (4 for f32, 2 for f64). */
@inline
export function lanes<T>(): i32 {
  return 16 / <i32>sizeof<T>();
}

/** x in every lane, for either float type. */
@inline
export function splat<T>(x: T): v128 {
  return sizeof<T>() == 4 ? f32x4.splat(<f32>x) : f64x2.splat(<f64>x);
}

/** The element at `at`, in every lane. */
@inline
export function loadOne<T>(at: usize): v128 {
  return sizeof<T>() == 4 ? v128.load32_splat(at) : v128.load64_splat(at);
}

/** Lane 0 of v to `at`. */
@inline
export function storeOne<T>(at: usize, v: v128): void {
  if (sizeof<T>() == 4) v128.store32_lane(at, v, 0);
  else v128.store64_lane(at, v, 0);
}

// Each operation is a class used as a type tag: its methods are inlined into a loop of its own,
// instantiated per class, and never touch `this` (a null reference is passed). With the operation
// passed as a number instead, binaryen merged the per-operation loops back into one that
// dispatched on it, and evaluated relu and leakyRelu, on every element.
@inline
export function tag<Op>(): Op {
  return changetype<Op>(0);
}
