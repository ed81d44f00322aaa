// The public API's documentation contract, checked on every export of the five packages' entry
// points with the TypeScript compiler: a summary, an `@example` (whose code test/doc-examples runs),
// and, for functions and classes, the errors they throw (`@throws`) or the words "Never throws".
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const PACKAGES = ["tensor", "autograd", "nn", "optim", "onnx"];

interface ExportDoc {
  name: string;
  summary: string;
  tags: Map<string, string[]>;
  callable: boolean;
}

function exportDocs(): ExportDoc[] {
  const entries = PACKAGES.map((p) => join(root, "packages", p, "src", "index.ts"));
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true,
  });
  const checker = program.getTypeChecker();
  return entries.flatMap((entry, i) => {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    return checker.getExportsOfModule(module).map((exported) => {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const tags = new Map<string, string[]>();
      for (const tag of symbol.getJsDocTags(checker)) tags.set(tag.name, [...(tags.get(tag.name) ?? []), ts.displayPartsToString(tag.text)]);
      const valueType = symbol.valueDeclaration ? checker.getTypeOfSymbolAtLocation(symbol, symbol.valueDeclaration) : undefined;
      const callable = (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class)) !== 0 || (valueType?.getCallSignatures().length ?? 0) > 0;
      return { name: `@strata/${PACKAGES[i]}: ${exported.name}`, summary: ts.displayPartsToString(symbol.getDocumentationComment(checker)), tags, callable };
    });
  });
}

const docs = exportDocs();
const missing = (test: (d: ExportDoc) => boolean): string[] => docs.filter((d) => !test(d)).map((d) => d.name);

describe("the public API's documentation", () => {
  it("covers every export of the five packages", () => {
    expect(docs.length).toBeGreaterThan(300);
    expect(missing((d) => d.summary.trim().length > 0)).toEqual([]);
  });

  it("gives every export an @example with TypeScript code", () => {
    expect(missing((d) => (d.tags.get("example") ?? []).some((text) => text.includes("```ts")))).toEqual([]);
  });

  it("says what every function and class throws, or that it never throws", () => {
    const says = (d: ExportDoc): boolean => !d.callable || d.tags.has("throws") || /Never throws/.test(d.summary);
    expect(missing(says)).toEqual([]);
  });
});
