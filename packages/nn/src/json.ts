// JSON read from files is untrusted: V8's JSON.parse takes any nesting, but everything after it
// (validators, JSON.stringify in messages, model construction) recurses and would overflow the
// stack with a bare RangeError. Nesting is bounded once, here, without recursion.

/**
 * Throws through `fail` when `value` nests objects and arrays deeper than `maxDepth` levels (a
 * scalar is depth 0, `[1]` depth 1). Iterative, so any depth is measured safely; a cyclic object
 * is reported as too deep.
 */
export function checkDepth(value: unknown, maxDepth: number, fail: (message: string) => never): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth + 1 > maxDepth) fail(`nests objects and arrays deeper than ${maxDepth} levels`);
    for (const child of Object.values(v)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
}

/** `JSON.parse(text)` with its nesting checked by {@link checkDepth}; syntax errors go through `fail` too. */
export function parseJson(text: string, maxDepth: number, fail: (message: string) => never): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(`is not valid JSON (${(e as Error).message})`);
  }
  checkDepth(value, maxDepth, fail);
  return value;
}

/** A JSON value as messages quote it, cut at 200 characters (a hostile value may be huge). */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

