/// <reference lib="dom" />
// (e) The example page, driven as a person would: points clicked onto the board (left click
// orange, right click blue), training watched until it has run a while, then what the screen shows
// is read back: the loss text falls, and the heat map under every clicked point has the colour of
// that point's class, i.e. the boundary the network learnt separates the clicks.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLASS_RGB } from "../../examples/browser/draw.js";
import { startExample } from "../../examples/browser/main.js";
import { launchChromium, openPage, type Served } from "./harness.js";

let browser: Browser;
let served: Served;

beforeAll(async () => {
  browser = await launchChromium();
  served = await startExample({ isolated: true });
}, 120_000);

afterAll(async () => {
  await served?.close();
  await browser?.close();
});

// A blue cluster in the middle and an orange ring around it, in board pixels (480 × 480): not
// separable by a line, so a right answer needs the hidden layers.
const BLUE: [number, number][] = [[240, 240], [205, 250], [270, 220], [250, 275]];
const ORANGE: [number, number][] = [[90, 100], [380, 90], [400, 390], [110, 370], [240, 60], [60, 250], [420, 240], [240, 420]];

async function stepsTaken(page: Page): Promise<number> {
  return Number(await page.getAttribute("#status", "data-steps"));
}

/** The heat map's colour at a board pixel, read from the canvas. */
function heatAt(page: Page, [x, y]: [number, number]): Promise<[number, number, number]> {
  return page.evaluate(({ px, py }) => {
    const canvas = document.getElementById("heat") as HTMLCanvasElement;
    const [r, g, b] = canvas.getContext("2d")!.getImageData(px, py, 1, 1).data;
    return [r!, g!, b!] as [number, number, number];
  }, { px: x, py: y });
}

const distance = (a: readonly number[], b: readonly number[]): number => Math.hypot(...a.map((v, i) => v - b[i]!));

describe("the browser example", () => {
  it("learns a boundary between clicked points, and shows it", async () => {
    const { page, errors } = await openPage(browser, served.url);
    await page.waitForFunction(() => document.getElementById("status")?.dataset["steps"] !== undefined);
    const board = (await page.locator("#points").boundingBox())!;
    for (const [x, y] of ORANGE) await page.mouse.click(board.x + x, board.y + y);
    for (const [x, y] of BLUE) await page.mouse.click(board.x + x, board.y + y, { button: "right" });

    // the first loss the page shows, once training has begun
    await page.waitForFunction(() => /^\d/.test(document.getElementById("loss")!.textContent ?? ""));
    const firstLoss = Number(await page.textContent("#loss"));
    await page.waitForFunction(() => Number(document.getElementById("status")!.dataset["steps"]) >= 600, undefined, { timeout: 150_000 });
    // the heat map is redrawn on a timer: wait for one drawn after the steps above
    await page.waitForTimeout(500);
    const lastLoss = Number(await page.textContent("#loss"));
    expect(await stepsTaken(page)).toBeGreaterThanOrEqual(600);
    expect(lastLoss).toBeLessThan(firstLoss / 2);

    for (const [points, label] of [[ORANGE, 0], [BLUE, 1]] as const) {
      for (const point of points) {
        const colour = await heatAt(page, point);
        // nearer its own class's colour than the other's
        expect(distance(colour, CLASS_RGB[label]!), `heat map at ${point} should be class ${label}: ${colour}`)
          .toBeLessThan(distance(colour, CLASS_RGB[1 - label]!));
      }
    }
    expect(await page.textContent("#status")).toMatch(/cross-origin isolated/);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
