// What a value holds on to: the tensors (and bare typed arrays) a caller can reach from a result,
// for the recorder and compile, which must treat every one of them as read after a call.
import { Tensor } from "./tensor.js";

/**
 * The tensors reachable from `value` (itself, in arrays, maps, sets and any object's own
 * properties, or as an object's `data`, as a variable holds its tensor), and the typed arrays met
 * bare, down to a depth of 8 and each object once. Never throws.
 *
 * @example
 * ```ts
 * import { reachable, tensor } from "@strata/tensor";
 * const t = tensor([1, 2]);
 * const { tensors, views } = reachable({ out: [t, new Map([["again", t]])], raw: new Float32Array(2) });
 * console.log(tensors.length, tensors[0] === t, views.length); // 1 true 1
 * ```
 *
 * @internal
 */
export function reachable(value: unknown): { tensors: Tensor[]; views: ArrayBufferView[] } {
  const found = { tensors: [] as Tensor[], views: [] as ArrayBufferView[] };
  walk(value, found, new Set(), 0);
  return found;
}

function walk(value: unknown, found: { tensors: Tensor[]; views: ArrayBufferView[] }, seen: Set<object>, depth: number): void {
  if (depth > 8 || value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Tensor) return void found.tensors.push(value);
  if (ArrayBuffer.isView(value)) return void found.views.push(value);
  const parts: unknown[] = value instanceof Map || value instanceof Set ? [...value.values()] : Object.values(value);
  if ("data" in value) parts.push((value as { data: unknown }).data);
  for (const part of parts) walk(part, found, seen, depth + 1);
}
