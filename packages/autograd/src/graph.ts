// Exports the recorded graph behind a variable in Graphviz's dot language.
import { formatShape } from "@strata/tensor";
import type { Node } from "./node.js";
import type { Variable } from "./variable.js";

function label(node: Node): string {
  const what = node.leaf ? (node.leaf.name ?? "leaf") : node.name;
  return `${what}\\n${formatShape(node.output.shape)} ${node.output.dtype}`;
}

/**
 * The graph that `backward()` would walk from `v`, as a Graphviz `digraph`: one box per op, one
 * ellipse per leaf that requires gradients (labelled with its `name`), each with its shape and
 * dtype, and an arrow from every input to the op that uses it. Render with `dot -Tsvg`. A
 * variable that is not part of a graph gives a single "constant" node; a graph already freed by
 * backward is still drawn. Never throws.
 *
 * @example
 * ```ts
 * import { toDot, variable, mul, sum } from "@strata/autograd";
 * const w = variable([1, 2], { requiresGrad: true, name: "w" });
 * const dot = toDot(sum(mul(w, w)));
 * console.log(dot.split("\n").filter((l) => l.includes("->")).length); // 3
 * ```
 */
export function toDot(v: Variable): string {
  const root = v.gradFn ?? (v.requiresGrad ? v.accumulator() : null);
  const lines = ["digraph strata {", "  rankdir=BT;", '  node [fontname="Helvetica"];'];
  if (root === null) {
    lines.push(`  c0 [label="constant\\n${formatShape(v.shape)} ${v.dtype}", shape=plaintext];`, "}");
    return lines.join("\n");
  }
  const ids = new Map<Node, string>([[root, "n0"]]);
  const stack: Node[] = [root];
  const body: string[] = [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const id = ids.get(node)!;
    const style = node.leaf ? 'shape=ellipse, style=filled, fillcolor="#dbe9f6"' : "shape=box";
    body.push(`  ${id} [label="${label(node)}", ${style}];`);
    node.next.forEach((input, k) => {
      if (input === null) return;
      let inputId = ids.get(input);
      if (inputId === undefined) {
        inputId = `n${ids.size}`;
        ids.set(input, inputId);
        stack.push(input);
      }
      body.push(`  ${inputId} -> ${id} [label="${k}"];`);
    });
  }
  return [...lines, ...body, "}"].join("\n");
}
