// Strata as a user gets it, following the README's "Use Strata in your project": the five packages
// are packed by pnpm (which builds them to dist with tsc first), the tarballs are installed with npm
// into a fresh project outside the workspace, and two TypeScript programs there are compiled with
// tsc, skipLibCheck off, and run with node: the README's own program, and test/consumer/main.ts,
// which uses every package and checks a checkpoint and the multi-threaded kernels.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const PACKAGES = ["tensor", "autograd", "nn", "optim", "onnx"];
const work = mkdtempSync(join(tmpdir(), "strata-consumer-"));
const packs = join(work, "strata-packs");
const project = join(work, "my-project");

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_loglevel: "error" } });

/** The README section's ```ts program. */
function readmeProgram(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Use Strata in your project"));
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

let tarballs: string[] = [];
const printed: Record<string, string> = {};

beforeAll(() => {
  run("npx", ["-y", "pnpm@10.34.9", "-r", "--filter", "./packages/*", "pack", "--pack-destination", packs], root);
  tarballs = readdirSync(packs).sort();
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "my-project", private: true, type: "module" }, null, 2));
  run("npm", ["install", "--no-audit", "--no-fund", ...PACKAGES.map((p) => join(packs, `strata-${p}-0.1.0.tgz`))], project);
  run("npm", ["install", "--no-audit", "--no-fund", "--save-dev", "typescript@5.9.3", "@types/node@^20.19.0"], project);
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify({
    compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: false, outDir: "out", types: ["node"] },
    include: ["*.ts"],
  }, null, 2));
  writeFileSync(join(project, "readme.ts"), readmeProgram());
  copyFileSync(join(root, "test", "consumer", "main.ts"), join(project, "main.ts"));
  run(join(project, "node_modules", ".bin", "tsc"), ["-p", "."], project);
  for (const program of ["readme", "main"]) printed[program] = run(process.execPath, [join(project, "out", `${program}.js`)], project);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("a project that installs the packed packages with npm", () => {
  it("gets one tarball per package, with dist, types first in exports, and no workspace: ranges", () => {
    expect(tarballs).toEqual(PACKAGES.map((p) => `strata-${p}-0.1.0.tgz`).sort());
    for (const t of tarballs) {
      const manifest = JSON.parse(run("tar", ["-xzOf", t, "package/package.json"], packs)) as Record<string, unknown>;
      const entry = (manifest.exports as Record<string, Record<string, string>>)["."]!;
      expect(Object.keys(entry), t).toEqual(["types", "default"]);
      expect(entry, t).toEqual({ types: "./dist/index.d.ts", default: "./dist/index.js" });
      expect([manifest.sideEffects, manifest.license, manifest.type], t).toEqual([false, "MIT", "module"]);
      expect(JSON.stringify(manifest.dependencies ?? {}), t).not.toContain("workspace:");
      const listing = run("tar", ["-tzf", t], packs);
      for (const file of ["package/dist/index.js", "package/dist/index.d.ts", "package/dist/index.js.map", "package/LICENSE", "package/README.md"]) {
        expect(listing, `${t} has ${file}`).toContain(file);
      }
      expect(listing, t).not.toMatch(/package\/test\/|tsbuildinfo/);
    }
  });

  it("installs one copy of each package: their dependencies on each other resolve to the tarballs", () => {
    for (const p of PACKAGES) {
      expect(existsSync(join(project, "node_modules", "@strata", p, "dist", "index.js")), p).toBe(true);
      for (const q of PACKAGES) expect(existsSync(join(project, "node_modules", "@strata", q, "node_modules", "@strata")), `${q} has no nested @strata`).toBe(false);
    }
  });

  it("compiles and runs the README's program, which trains a model", () => {
    const accuracy = Number(/training accuracy ([\d.]+)/.exec(printed.readme!)?.[1]);
    expect(accuracy, printed.readme).toBeGreaterThan(0.9);
  });

  it("trains, checkpoints and reloads a model with every package", () => {
    const out = printed.main!;
    const loss = /loss ([\d.]+) -> ([\d.]+)/.exec(out);
    expect(loss, out).not.toBeNull();
    expect(Number(loss![2])).toBeLessThan(Number(loss![1]) / 5);
    const accuracy = Number(/test accuracy ([\d.]+)/.exec(out)?.[1]);
    expect(accuracy, out).toBeGreaterThan(0.9);
    expect(out).toContain(`reloaded accuracy ${accuracy.toFixed(4)}`);
    expect(out).toContain("onnx file as toOnnx gives true, batch axis true, parameters named true");
  });

  it("runs the WebAssembly kernels on two threads from the installed package", () => {
    expect(printed.main).toContain("wasm kernels true, products agree true");
  });
});
