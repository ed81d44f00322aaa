// Where a tensor's values live. A tensor holds a Storage and reaches its values only through it,
// so that a backend may keep values in memory of its own (WebAssembly linear memory, a GPU buffer)
// behind the same Tensor: `host()` is the one way out to a JavaScript typed array.
import type { DataArray } from "./dtype.js";

/**
 * The values behind a tensor: `device` names the memory that holds them, `host()` returns them as
 * a typed array in JavaScript memory (for host storage the array itself, without a copy; a device
 * backend would copy its values out and keep the copy until the next write).
 *
 * @example
 * ```ts
 * import { tensor, type Storage } from "@strata/tensor";
 * const storage: Storage = tensor([1, 2, 3]).storage;
 * console.log(storage.device, Array.from(storage.host())); // host [1, 2, 3]
 * ```
 */
export interface Storage {
  /** The memory holding the values: "host" for JavaScript typed arrays. */
  readonly device: string;
  /** The values as a typed array in JavaScript memory. Never throws for host storage. */
  host(): DataArray;
}

/** Storage in a JavaScript typed array. @internal */
export class HostStorage implements Storage {
  readonly device = "host";
  constructor(readonly array: DataArray) {}
  host(): DataArray {
    return this.array;
  }
}
