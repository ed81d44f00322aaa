/// <reference lib="dom" />
// Makes onnx-screenshot.png (shown in the READMEs): the ONNX page in headless Chromium after a 7
// is drawn with the mouse. Needs examples/serve/out/model.onnx (see examples/serve/README.md).
// `npx tsx examples/browser/onnx-screenshot.ts`
import { launchChromium, openPage } from "../../test/browser/chromium.js";
import { startExample } from "./main.js";

const served = await startExample({ isolated: true });
const browser = await launchChromium();
try {
  const { page, errors } = await openPage(browser, served.url + "onnx.html");
  await page.setViewportSize({ width: 820, height: 640 });
  await page.waitForFunction(() => document.getElementById("prediction")?.dataset["runs"] !== undefined, undefined, { timeout: 60_000 });
  await page.click("#clear");
  const pad = (await page.locator("#pad").boundingBox())!;
  const stroke: [number, number][] = [[75, 60], [205, 55], [175, 120], [130, 235]];
  await page.mouse.move(pad.x + stroke[0]![0], pad.y + stroke[0]![1]);
  await page.mouse.down();
  for (const [x, y] of stroke.slice(1)) await page.mouse.move(pad.x + x, pad.y + y, { steps: 12 });
  await page.mouse.up();
  await page.waitForFunction(() => document.getElementById("prediction")!.dataset["idle"] === "true");
  await page.screenshot({ path: new URL("./onnx-screenshot.png", import.meta.url).pathname });
  console.log(`screenshot: the page reads ${await page.textContent("#prediction")}; ${await page.textContent("#status")}`);
  if (errors.length > 0) throw new Error(`the page reported: ${errors.join("; ")}`);
} finally {
  await browser.close();
  await served.close();
}
