/**
 * Base class of every error Strata throws on purpose. Catch this to tell Strata's own diagnostics
 * apart from bugs. `new StrataError(message)` keeps the message and sets `name` to the class's
 * own name (`"ShapeError"` for a subclass). Never throws.
 *
 * @example
 * ```ts
 * import { tensor, StrataError } from "@strata/tensor";
 * try { tensor([1, 2]).reshape([3]); } catch (e) { console.log(e instanceof StrataError); } // true
 * ```
 */
export class StrataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Thrown when shapes do not fit an operation: the message names the op, the shapes, and what was
 * expected, for example `matmul: inner dimensions differ: (3,4) @ (5,2)`. Constructed as
 * {@link StrataError}. Never throws.
 *
 * @example
 * ```ts
 * import { ones, matmul, ShapeError } from "@strata/tensor";
 * try { matmul(ones([3, 4]), ones([5, 2])); } catch (e) { console.log(e instanceof ShapeError); } // true
 * ```
 */
export class ShapeError extends StrataError {}

/**
 * Thrown when an operation does not accept a dtype, or a value does not fit the requested dtype
 * (the elementwise and in-place ops also report an operand that is neither a Tensor nor a number
 * this way). Constructed as {@link StrataError}. Never throws.
 *
 * @example
 * ```ts
 * import { tensor, DTypeError } from "@strata/tensor";
 * try { tensor([1.5], { dtype: "int32" }); } catch (e) { console.log(e instanceof DTypeError); } // true
 * ```
 */
export class DTypeError extends StrataError {}

/**
 * Thrown when an argument's value is out of its domain (an axis out of range, a negative size, an
 * index past the end). Constructed as {@link StrataError}. Never throws.
 *
 * @example
 * ```ts
 * import { zeros, ValueError } from "@strata/tensor";
 * try { zeros([2]).get(5); } catch (e) { console.log(e instanceof ValueError); } // true
 * ```
 */
export class ValueError extends StrataError {}
