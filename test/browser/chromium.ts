// Starts the Chromium the browser tests and the browser benchmark drive: Debian's package, through
// playwright-core (which downloads nothing). Missing Chromium is an error that says how to install
// it, never a skip: a browser test that did not run must not look like one that passed.
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

/** Where Chromium is looked for: STRATA_CHROMIUM, else Debian's /usr/bin/chromium. */
export const chromiumPath = process.env["STRATA_CHROMIUM"] ?? "/usr/bin/chromium";

/** A headless Chromium; throws with the install command when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `browser tests: no Chromium at ${chromiumPath}. Install Debian's package with ` +
        "`apt-get update && apt-get install -y chromium` (as root; .ci/run does this), " +
        "or point STRATA_CHROMIUM at a Chromium binary.",
    );
  }
  // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start
  return chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
}

/**
 * A new page at `url` whose uncaught errors and console errors are collected, so that a test
 * failing in the page shows the page's own message. `errors` fills as the page runs.
 */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console error: ${message.text()}`);
  });
  await page.goto(url);
  return { page, errors };
}
