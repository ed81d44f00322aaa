// Every `@example` in the packages' sources, and each guide in docs/guide (its ```ts blocks in
// order, as one program), is extracted, type-checked and run; where a
// `console.log(...)` line ends in `// expected`, the printed text must match it (spaces and
// quotes ignored), so the docs cannot drift from what the code does.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { format } from "node:util";
import { afterAll, describe, expect, it, vi } from "vitest";

const root = join(import.meta.dirname, "..");
// one directory per run, so that runs side by side do not delete each other's files
const outDir = join(root, ".doc-examples", String(process.pid));

interface Example {
  name: string;
  file: string;
  code: string;
  expected: (string | null)[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

function example(name: string, code: string[]): Example {
  const expected = code.filter((l) => l.includes("console.log(")).map((l) => /\/\/\s*(.+)$/.exec(l)?.[1] ?? null);
  return { name, file: `${name.replace(/[^A-Za-z0-9]+/g, "_")}.ts`, code: code.join("\n"), expected };
}

/** A guide's ```ts blocks, in order, as one program: each step builds on the ones before. */
function guide(path: string): Example {
  const blocks = [...readFileSync(path, "utf8").matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  return example(relative(root, path), blocks.join("\n").split("\n"));
}

function extract(path: string): Example[] {
  const text = readFileSync(path, "utf8");
  const out: Example[] = [];
  for (const m of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = m[0].split("\n").map((l) => l.replace(/^\s*\*?\s?/, ""));
    let inside = false;
    let afterTag = false;
    let code: string[] = [];
    for (const line of lines) {
      if (line.startsWith("@example")) afterTag = true;
      else if (afterTag && !inside && line.startsWith("```ts")) (inside = true), (code = []);
      else if (inside && line.startsWith("```")) {
        inside = false;
        afterTag = false;
        const lineNo = text.slice(0, m.index).split("\n").length;
        out.push(example(`${relative(root, path)}:${lineNo}#${out.length}`, code));
      } else if (inside) code.push(line);
    }
  }
  return out;
}

const guides = join(root, "docs", "guide");
const examples = [
  ...readdirSync(join(root, "packages")).flatMap((pkg) => sourceFiles(join(root, "packages", pkg, "src")).flatMap(extract)),
  ...readdirSync(guides).filter((f) => f.endsWith(".md")).map((f) => guide(join(guides, f))),
];

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
for (const ex of examples) writeFileSync(join(outDir, ex.file), `${ex.code}\nexport {};\n`);
writeFileSync(
  join(outDir, "tsconfig.json"),
  JSON.stringify({ extends: "../../tsconfig.base.json", compilerOptions: { noUnusedLocals: false }, include: ["./*.ts"] }),
);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const squash = (s: string): string => s.replace(/[\s"'`]/g, "");

describe("documentation examples", () => {
  it("exist for the public API", () => {
    expect(examples.length).toBeGreaterThan(50);
  });

  it("type-check", () => {
    const tsc = join(root, "node_modules", ".bin", "tsc");
    let output = "";
    try {
      execFileSync(tsc, ["-p", join(outDir, "tsconfig.json")], { encoding: "utf8" });
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(output).toBe("");
  });

  for (const ex of examples) {
    it(`runs ${ex.name}`, async () => {
      const printed: string[] = [];
      const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void printed.push(format(...args)));
      try {
        await import(join(outDir, ex.file));
      } finally {
        spy.mockRestore();
      }
      const calls = ex.expected.length;
      expect(printed.length, `${ex.name} printed ${printed.length} times, its code has ${calls} console.log calls`).toBe(calls);
      ex.expected.forEach((want, i) => {
        if (want !== null) expect(squash(printed[i]!), `${ex.name}, console.log #${i + 1}`).toBe(squash(want));
      });
    });
  }
});
