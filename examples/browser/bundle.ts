// Bundles a program for a page with esbuild: ES modules, `platform: "browser"` (so packages'
// `browser` export conditions are chosen) and nothing that stands in for Node's modules. A program
// that reaches a `node:` module fails here, at build time, rather than in the page.
import { build } from "esbuild";

/** How {@link bundle} builds. */
export interface BundleOptions {
  /** Minify (for the size measurement); false by default, so that the output can be searched. */
  minify?: boolean;
  /** Source text used as the entry instead of a file; imports in it resolve from `resolveDir`. */
  contents?: string;
  resolveDir?: string;
}

/**
 * The bundle of `entry` (a file path; with `contents`, only a name for messages) as one ES module.
 * Throws the esbuild error (whose message lists every unresolved import) when the build fails.
 */
export async function bundle(entry: string, options: BundleOptions = {}): Promise<string> {
  const { minify = false, contents, resolveDir } = options;
  const result = await build({
    ...(contents === undefined
      ? { entryPoints: [entry] }
      : { stdin: { contents, resolveDir: resolveDir ?? process.cwd(), sourcefile: entry, loader: "ts" as const } }),
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify,
    logLevel: "silent",
    legalComments: "none",
  });
  return result.outputFiles[0]!.text;
}
