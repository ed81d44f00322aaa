// The derivative table's types catch a row that forgets an input, has one product too many, reads
// a value it did not save, or writes null where it means "no gradient". Each mistake below is a
// line that must not compile: `npx tsc -p tsconfig.json` fails on an unused @ts-expect-error, so
// these lines fail the type check the day the types stop catching them. The run-time tests check
// the table itself against its declared inputs, for whatever a cast could slip past the types.
import { describe, expect, it } from "vitest";
import { mul, variable, type PrimitiveAttrs, type Variable } from "@strata/autograd";
import type { Tensor } from "@strata/tensor";
import { NoGradient, noGradient } from "../src/no-gradient.js";
import { record } from "../src/record.js";
import { row, type Inputs, type Rule } from "../src/rule.js";
import { primitiveInputs, primitives, rules, type InputsOf } from "../src/rules.js";

type MulRule = Rule<InputsOf<"mul">, PrimitiveAttrs["mul"]>;
type WhereRule = Rule<InputsOf<"where">, PrimitiveAttrs["where"]>;
type ConcatRule = Rule<InputsOf<"concat">, PrimitiveAttrs["concat"]>;
type NegRule = Rule<InputsOf<"neg">, PrimitiveAttrs["neg"]>;
const forward = ([a, b]: readonly (Tensor | number)[]): Tensor => (a as Tensor).mul(b as Tensor);
const same = (g: Variable): Variable => g;

// Never called: these only have to type-check (or fail to, where marked).
export function rowsThatCompile(): unknown[] {
  const mulRow: MulRule = row({ forward, saves: ["a", "b"], vjp: [(g, { b }) => mul(g, b), (g, { a }) => mul(g, a)] });
  const withY: MulRule = row({ forward, saves: ["b", "y"], vjp: [(g, { b, y }) => mul(mul(g, b), y), same] });
  const whereRow: WhereRule = row({ forward, saves: ["cond"], vjp: [noGradient("a condition"), (g, { cond }) => mul(g, cond), same] });
  const concatRow: ConcatRule = row({ forward, vjp: (g, { shapes }, i) => (shapes[i] ? g : g) });
  const applied = record("mul", [variable(1), 2], {});
  return [mulRow, withY, whereRow, concatRow, applied];
}

export function rowsThatMustNotCompile(): unknown[] {
  // too few products: mul has two inputs
  // @ts-expect-error Source has 1 element(s) but target requires 2
  const tooFew: MulRule = row({ forward, saves: ["a", "b"], vjp: [(g, { b }) => mul(g, b)] });
  // too many products
  // @ts-expect-error Source has 3 element(s) but target allows only 2
  const tooMany: MulRule = row({ forward, saves: ["a", "b"], vjp: [(g, { b }) => mul(g, b), same, same] });
  // where without its condition's entry: three inputs, two products
  // @ts-expect-error the condition needs noGradient(reason), not a missing entry
  const whereShort: WhereRule = row({ forward, saves: ["cond"], vjp: [(g, { cond }) => mul(g, cond), same] });
  // reading an input the row does not save
  // @ts-expect-error Property 'b' does not exist on the context of a row that saves only "a"
  const unsavedInput: MulRule = row({ forward, saves: ["a"], vjp: [(g, { b }) => mul(g, b), (g, { a }) => mul(g, a)] });
  // reading y without saving it
  // @ts-expect-error Property 'y' does not exist on the context of a row that does not save "y"
  const unsavedY: MulRule = row({ forward, saves: ["a", "b"], vjp: [(g, { y }) => mul(g, y), (g, { a }) => mul(g, a)] });
  // reading anything from a row that saves nothing
  // @ts-expect-error Property 'a' does not exist when saves is left out
  const savesNothing: MulRule = row({ forward, vjp: [same, (g, { a }) => mul(g, a)] });
  // null for "no gradient"
  // @ts-expect-error Type 'null' is not assignable: say noGradient(reason)
  const nullEntry: WhereRule = row({ forward, saves: ["cond"], vjp: [null, (g, { cond }) => mul(g, cond), same] });
  // saving a name that is not one of the inputs
  // @ts-expect-error Type '"c"' is not assignable to type 'Save<readonly ["a", "b"]>'
  const unknownSave: MulRule = row({ forward, saves: ["c"], vjp: [same, same] });
  // a variadic row is one function for every input, not a tuple
  // @ts-expect-error a tuple is not a product
  const variadicTuple: ConcatRule = row({ forward, vjp: [same, same] });
  const unary: NegRule = row({ forward, vjp: [same] });
  // a unary row in a binary slot
  // @ts-expect-error Rule<readonly ["x"], …> is not assignable to Rule<readonly ["a", "b"], …>
  const wrongSlot: MulRule = unary;
  // applying a primitive to the wrong number of operands
  // @ts-expect-error '[Variable]' is not assignable to 'readonly [Operand, Operand]'
  const oneOperand = record("mul", [variable(1)], {});
  return [tooFew, tooMany, whereShort, unsavedInput, unsavedY, savesNothing, nullEntry, unknownSave, variadicTuple, wrongSlot, oneOperand];
}

const names = (p: keyof typeof primitiveInputs): Inputs => primitiveInputs[p];

describe("the derivative table at run time", () => {
  it("has one row per declared primitive, and one product or marker per input", () => {
    expect([...primitives].sort()).toEqual(Object.keys(primitiveInputs).sort());
    for (const p of primitives) {
      const { vjp } = rules[p] as { vjp: unknown };
      const declared = names(p);
      if ("variadic" in declared) {
        expect(typeof vjp, p).toBe("function");
        continue;
      }
      expect(Array.isArray(vjp), p).toBe(true);
      const entries = vjp as readonly unknown[];
      expect(entries.length, p).toBe(declared.length);
      for (const f of entries) expect(typeof f === "function" || f instanceof NoGradient, p).toBe(true);
    }
  });

  it("says out loud, with a reason, exactly where there is no gradient", () => {
    const markers: string[] = [];
    for (const p of primitives) {
      const { vjp } = rules[p] as { vjp: unknown };
      if (!Array.isArray(vjp)) continue;
      vjp.forEach((f: unknown, i) => {
        if (f instanceof NoGradient) markers.push(`${p}.${names(p)[i]!}: ${f.reason}`);
      });
    }
    expect(markers).toEqual([
      "where.cond: a condition only selects between a and b",
      "gather.indices: integer indices",
      "indexAdd.indices: integer indices",
      "gatherPlanes.indices: integer indices",
      "scatterAddPlanes.indices: integer indices",
    ]);
  });

  it("saves only inputs it declares (or y), under names that do not shadow the context", () => {
    for (const p of primitives) {
      const declared = names(p);
      for (const s of rules[p].saves as readonly string[]) expect(s === "y" || (!("variadic" in declared) && declared.includes(s)), `${p} saves ${s}`).toBe(true);
      for (const n of declared) expect(["attrs", "shapes", "y", "g"], `${p} input ${n}`).not.toContain(n);
    }
  });

  it("builds a row whose products compute what they say (d(a·b) = b da + a db)", () => {
    const r: MulRule = row({ forward, saves: ["a", "b"], vjp: [(g, { b }) => mul(g, b), (g, { a }) => mul(g, a)] });
    const [da, db] = r.vjp;
    const ctx = { attrs: {}, shapes: [[2], [2]] as const, a: variable([2, 3]), b: variable([5, 7]), y: variable([10, 21]) };
    const g = variable([1, -1]);
    expect((da as (g: Variable, c: typeof ctx) => Variable)(g, ctx).toArray()).toEqual([5, -7]);
    expect((db as (g: Variable, c: typeof ctx) => Variable)(g, ctx).toArray()).toEqual([2, -3]);
    expect(r.saves).toEqual(["a", "b"]);
  });
});
