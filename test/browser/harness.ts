// What every browser test uses: the example's server and bundler (one copy, in examples/browser),
// the Chromium launcher, and a page that loads a bundle and says when it is ready.
import type { Browser, Page } from "playwright-core";
import { bundle } from "../../examples/browser/bundle.js";
import { serve, type Served } from "../../examples/browser/server.js";
import { openPage } from "./chromium.js";

export { bundle } from "../../examples/browser/bundle.js";
export { serve, type Served } from "../../examples/browser/server.js";
export { launchChromium, openPage } from "./chromium.js";

/** The module the test pages run: the packages and ./programs.ts on `window.strata`. */
export const pageEntry = new URL("./page-entry.ts", import.meta.url).pathname;

/** The repository's root, from which bundles resolve `@strata/*`. */
export const repoRoot = new URL("../..", import.meta.url).pathname;

// The page imports the bundle as a module; `window.pageReady` is set once its top level has run.
const PAGE = `<!doctype html><meta charset="utf-8"><title>strata test page</title><link rel="icon" href="data:,">
<script type="module">import "./bundle.js"; window.pageReady = true;</script>`;

/** A served page running a bundled module. */
export interface TestPage {
  page: Page;
  errors: string[];
  served: Served;
  close(): Promise<void>;
}

/**
 * Bundles `entry` (page-entry.ts unless given), serves it (with or without COOP/COEP) and opens it
 * in `browser`; resolves once the module's top level has run, or rejects with the page's errors.
 */
export async function pageRunning(browser: Browser, isolated: boolean, entry = pageEntry): Promise<TestPage> {
  const code = await bundle(entry);
  const served = await serve({ files: { "/index.html": PAGE, "/bundle.js": code }, isolated });
  const { page, errors } = await openPage(browser, served.url);
  try {
    await page.waitForFunction(() => (window as unknown as { pageReady?: boolean }).pageReady === true, undefined, { timeout: 60_000 });
  } catch (error) {
    await served.close();
    throw new Error(`the test page did not start: ${errors.join("; ") || String(error)}`);
  }
  return { page, errors, served, close: async () => { await page.close(); await served.close(); } };
}

/** What page-entry.ts puts on `window.strata`. */
export interface PageApi {
  tensor: typeof import("@strata/tensor");
  programs: typeof import("./programs.js");
}
