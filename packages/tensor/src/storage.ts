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

/**
 * Storage in a JavaScript typed array, which {@link HostStorage.replace} may swap for another
 * holding the same values (makeResident moves a tensor into the kernels' memory that way, and
 * every view of the tensor, sharing this storage, follows). @internal
 */
export class HostStorage implements Storage {
  readonly device = "host";
  #array: DataArray;
  constructor(array: DataArray) {
    this.#array = array;
  }
  /** The typed array now holding the values. */
  get array(): DataArray {
    return this.#array;
  }
  host(): DataArray {
    return this.#array;
  }
  /** Swaps the array for `array`, of the same type and length, holding the same values. */
  replace(array: DataArray): void {
    this.#array = array;
  }
}
