import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";
import { CTR, embeddedEnv, mustRun } from "../../ctr_process.ts";
import { type BenchRow, describeMachine, writeResult } from "../../report.ts";
import { startServe } from "../week/serve.ts";

export interface ExplorerOptions {
  /** Page loads, each in a fresh browser context (no HTTP cache). Default 7. */
  runs: number;
  /** Debian's Chromium; browsers are never downloaded. */
  chromiumPath: string;
  workDir: string;
  /** The result file, `bench/results/<name>.json`. Default `api-explorer`. */
  resultName: string;
}

/** Target: the explorer's first paint with data at most this long after navigation, on the demo store. */
const MAX_FIRST_ANSWER_MS = 1000;
/** `npm start`'s store: the demo's days at its default scale. */
const DEMO = { from: "2016-02-01", to: "2016-02-03", scale: "0.25" };

/** The demo store, built through the real commands as `npm start` builds it. */
async function demoStore(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const env = embeddedEnv(dataDir);
  const raw = path.join(dataDir, "raw");
  await mustRun([CTR, "generate", "--from", DEMO.from, "--to", DEMO.to, "--scale", DEMO.scale, "--out", raw], env);
  const orders = ["--orders", path.join(raw, "orders.csv"), "--items", path.join(raw, "order_items.csv")];
  await mustRun([CTR, "orders", "load", ...orders], env);
  await mustRun([CTR, "backfill", "--from", DEMO.from, "--to", DEMO.to], env);
}

/** What one page load measured, in ms after navigation start (the browser's own clock). */
interface PageLoad {
  /** The explorer's User Timing mark once the opening chart and tables are drawn. */
  firstAnswerMs: number;
  firstContentfulPaintMs: number;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

/**
 * The explorer's first paint with data: `ctr serve` on the demo store, the page opened in headless
 * Chromium, the time from navigation to the page's `ctr:first-answer` mark (the day's totals charted
 * and the top tables drawn). The first load meets a fresh server (nothing in the result cache); the
 * later ones the answers it kept, as a second visitor would.
 */
export async function runExplorerPart(options: ExplorerOptions): Promise<BenchRow[]> {
  const machine = describeMachine();
  const dataDir = path.join(options.workDir, "explorer-demo");
  process.stderr.write("bench api explorer: the demo store (ctr generate, orders load, backfill)\n");
  await demoStore(dataDir);
  const server = await startServe(dataDir, {});
  const browser = await chromium.launch({
    executablePath: options.chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  const loads: PageLoad[] = [];
  try {
    for (let run = 0; run < options.runs; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${server.port}/`);
      await page.waitForFunction(() => performance.getEntriesByName("ctr:first-answer").length > 0);
      loads.push(
        await page.evaluate(() => ({
          firstAnswerMs: performance.getEntriesByName("ctr:first-answer")[0]?.startTime ?? Number.NaN,
          firstContentfulPaintMs: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
        })),
      );
      await context.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const [cold, ...warm] = loads;
  const firstPaintMs = cold?.firstAnswerMs ?? Number.NaN;
  const warmMedianMs = median(warm.map((load) => load.firstAnswerMs));
  await writeResult(options.resultName, {
    part: "api-explorer",
    measuredAt: new Date().toISOString(),
    machine: { ...machine, loadAverageAfter: describeMachine().loadAverage },
    demo: DEMO,
    loads,
    firstPaintMs,
    warmMedianMs,
  });
  return [
    {
      part: "api-explorer",
      figure: "first paint with data, fresh server (ms after navigation)",
      value: firstPaintMs,
      unit: "ms",
      target: `≤ ${MAX_FIRST_ANSWER_MS}`,
      ok: firstPaintMs <= MAX_FIRST_ANSWER_MS,
    },
    { part: "api-explorer", figure: "first paint with data, answers cached (median)", value: warmMedianMs, unit: "ms" },
  ];
}
