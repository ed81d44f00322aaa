// Module's types: a subclass declares forward with any inputs and outputs, and code that holds it
// sees that signature; the layer protocol's config types follow the fields. Each mistake below is
// a line that must not compile: `npx tsc -p tsconfig.json` fails on an unused @ts-expect-error, so
// these lines fail the type check the day the types stop catching them. The run-time tests check
// that the same code does what its types say.
import { describe, expect, it } from "vitest";
import { add, matmul, tanh, variable, type Operand, type Variable } from "@strata/autograd";
import { Dense, Module, ModuleList, Sequential, field, registerLayer, type ForwardHook, type LayerType } from "@strata/nn";
import { ones, rng, zeros } from "@strata/tensor";

/** An RNN-like cell: two inputs (one optional), a pair out, as DESIGN.md's RNN forward is typed. */
class Cell extends Module {
  W = variable(ones([2, 2]).mul(0.5), { requiresGrad: true });
  forward(x: Operand, h0?: Variable): [Variable, Variable] {
    const h = tanh(add(matmul(this.W, x), h0 ?? zeros([2, 1])));
    return [h, h.sum({ axis: 0, keepDims: true })];
  }
}

/** A module typed for code that only knows it maps one tensor to one variable. */
type Layer = Module<[Operand], Variable>;

// Never called: these only have to type-check (or fail to, where marked).
export function usesThatCompile(): unknown[] {
  const cell = new Cell();
  const [h, total]: [Variable, Variable] = cell.forward(ones([2, 1]));
  const again = cell.forward(ones([2, 1]), h);
  const layers: Layer[] = [new Dense(2, 2), new Sequential(new Dense(2, 2))];
  const list = new ModuleList<Layer>(layers);
  const y: Variable = list[0]!.forward(ones([2, 1]));
  const hook: ForwardHook<Cell> = (_m, [x, h0], [out]) => [out, out.sum()] as [Variable, Variable];
  cell.registerForwardHook(hook);
  new Dense(2, 2).registerForwardHook((m, [x], out) => void [m.nIn, x, out.shape]);
  return [h, total, again, list, y];
}

export function usesThatMustNotCompile(): unknown[] {
  const cell = new Cell();
  // a pair is not one variable
  // @ts-expect-error Type '[Variable, Variable]' is not assignable to type 'Variable'
  const one: Variable = cell.forward(ones([2, 1]));
  // the second input is a Variable, not a string
  // @ts-expect-error Argument of type 'string' is not assignable to parameter of type 'Variable'
  const wrongInput = cell.forward(ones([2, 1]), "h0");
  // a cell returning a pair is not a one-in, one-out layer
  // @ts-expect-error Type '[Variable, Variable]' is not assignable to type 'Variable'
  const asLayer: Layer = cell;
  const list = new ModuleList<Layer>();
  // @ts-expect-error Cell is not a Layer
  list.append(cell);
  // @ts-expect-error a Sequential takes modules, not numbers
  const seq = new Sequential(new Dense(2, 2), 5);
  // a Dense hook's output is a Variable, not a pair
  // @ts-expect-error Property '0' does not exist on type 'Variable'
  new Dense(2, 2).registerForwardHook((_m, _inputs, out) => out[0]);
  return [one, wrongInput, asLayer, seq];
}

class Scale extends Module {
  constructor(readonly size: number, readonly mode: "add" | "mul") {
    super();
  }
  forward(x: Variable): Variable {
    return this.mode === "add" ? add(x, this.size) : x.mul(this.size);
  }
}
const scaleFields = { size: field.integer({ min: 1 }), mode: field.oneOf("add", "mul") };

export function layerTypesThatMustNotCompile(): unknown[] {
  const missing: LayerType<Scale, typeof scaleFields> = {
    type: "Scale",
    fields: scaleFields,
    // @ts-expect-error Property 'mode' is missing: config gives every field
    config: (m) => ({ size: m.size }),
    fromConfig: (c) => new Scale(c.size, c.mode),
  };
  const wrongType: LayerType<Scale, typeof scaleFields> = {
    type: "Scale",
    fields: scaleFields,
    config: (m) => ({ size: m.size, mode: m.mode }),
    // @ts-expect-error size is a number, not a string
    fromConfig: (c) => new Scale(c.size.toUpperCase(), c.mode),
  };
  // @ts-expect-error fromConfig must make the registered class
  registerLayer(Scale, { type: "Scale2", fields: scaleFields, config: (m: Scale) => ({ size: m.size, mode: m.mode }), fromConfig: () => new Dense(1, 1) });
  return [missing, wrongType];
}

describe("typed forward", () => {
  it("a module with two inputs and a pair out runs as its types say, alone and under hooks", () => {
    const cell = new Cell();
    const [h, total] = cell.forward(ones([2, 1]));
    expect(h.toArray()).toEqual([[Math.fround(Math.tanh(1))], [Math.fround(Math.tanh(1))]]);
    expect(total.item()).toBeCloseTo(2 * Math.tanh(1), 6);
    const seen: number[] = [];
    const handle = cell.registerForwardHook((_m, [, h0], [out]) => void seen.push(h0 === undefined ? -1 : out.size));
    cell.forward(ones([2, 1]));
    cell.forward(ones([2, 1]), h);
    handle.remove();
    expect(seen).toEqual([-1, 2]);
    expect(cell.parameters()).toEqual([cell.W]);
  });

  it("a Sequential passes each module's output to the next, whatever it is", () => {
    class Pair extends Module {
      forward(x: Variable): [Variable, Variable] {
        return [x, variable(ones([1, 1]))];
      }
    }
    class Join extends Module {
      forward([a, b]: [Variable, Variable]): Variable {
        return add(a, b);
      }
    }
    const seq = new Sequential(new Dense(2, 2, { rng: rng(0) }), new Pair(), new Join());
    const x = ones([2, 3]);
    expect(seq.forward(x).toArray()).toEqual(add((seq.layers[0] as Dense).forward(x), 1).toArray());
    expect(() => new Sequential(new Dense(2, 2), new Pair()).forward(x)).toThrow("Sequential: module 1 (Pair) returned an array of 2, not a tensor; a Sequential's output is one Variable, so end it with a module that returns one");
  });
});
