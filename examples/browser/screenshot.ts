/// <reference lib="dom" />
// Makes screenshot.png (shown in the README): the example trained on the two spirals in headless
// Chromium. `npx tsx examples/browser/screenshot.ts [steps]` (default 3000 steps).
import { launchChromium, openPage } from "../../test/browser/chromium.js";
import { startExample } from "./main.js";

const steps = Number(process.argv[2] ?? 3000);
const served = await startExample({ isolated: true });
const browser = await launchChromium();
try {
  const { page, errors } = await openPage(browser, served.url);
  await page.setViewportSize({ width: 920, height: 760 });
  await page.waitForFunction(() => document.getElementById("status")?.dataset["steps"] !== undefined);
  await page.click("#preset-spirals");
  await page.waitForFunction((n) => Number(document.getElementById("status")!.dataset["steps"]) >= n, steps, { timeout: 600_000 });
  // let the heat map catch up with the last steps
  await page.waitForTimeout(300);
  await page.screenshot({ path: new URL("./screenshot.png", import.meta.url).pathname });
  console.log(`screenshot after ${await page.textContent("#status")}; loss ${await page.textContent("#loss")}`);
  if (errors.length > 0) throw new Error(`the page reported: ${errors.join("; ")}`);
} finally {
  await browser.close();
  await served.close();
}
