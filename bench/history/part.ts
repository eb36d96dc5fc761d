import { execFileSync } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { partFolderCount } from "@ctr/workers";
import { CTR, embeddedEnv, mustRun } from "../ctr_process.ts";
import { type BenchRow, describeMachine, MB, ms, writeResult } from "../report.ts";
import { type CommandRun, measureServe, runCommand, type ServeRun } from "./commands.ts";

export interface HistoryOptions {
  /** Days of history (`--history-days`, default 730) of `ctr generate --scale` (`--history-scale`, default 0.005). */
  days: number;
  scale: number;
  /** Timed runs of each command on each store, interleaved; the median is reported (`--history-runs`, default 3). */
  runs: number;
  seed: string;
  workDir: string;
  verbose: boolean;
}

const FIRST_DAY = "2015-01-01";
const DAY_MS = 86_400_000;
const dayAfter = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/** The issue's targets, against the store holding one day where it is a ratio. */
const TARGETS = {
  loadMinutes: 10,
  migrateS: 0.5,
  serveReadyS: 1.5,
  dayRatio: 1.2,
  productsMs: 50,
  coverageMs: 100,
  ctrYearMs: 50,
  rssMb: 1000,
  diskRatio: 2,
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

interface StoreStats {
  activeParts: number;
  partitions: number;
  activeBytes: number;
  rows: number;
  outdatedParts: number;
}

/** A store's parts as chDB sees them (a child process: chDB binds one directory per process), and on disk. */
function storeStats(
  dataDir: string,
): StoreStats & { partFolders: number; clickhouseBytes: number; parquetBytes: number } {
  const clickhouseDir = path.join(dataDir, "clickhouse");
  // Counted before the store is opened again: what the last command left.
  const folders = partFolderCount(clickhouseDir);
  const du = (dir: string) => Number(execFileSync("du", ["-sb", dir]).toString().split("\t")[0]);
  const clickhouseBytes = du(clickhouseDir);
  const stats = JSON.parse(
    execFileSync(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "store_stats.ts"), dataDir], {
      env: embeddedEnv(dataDir),
    }).toString(),
  ) as StoreStats;
  return { ...stats, partFolders: folders, clickhouseBytes, parquetBytes: du(path.join(dataDir, "parquet")) };
}

/** Generates the days' events and orders under `dataDir/raw` and loads the orders. */
async function prepare(dataDir: string, from: string, to: string, options: HistoryOptions): Promise<void> {
  const raw = path.join(dataDir, "raw");
  const env = embeddedEnv(dataDir);
  await mustRun([CTR, "generate", "--from", from, "--to", to, "--scale", String(options.scale), "--out", raw], env);
  await mustRun(
    [CTR, "orders", "load", "--orders", path.join(raw, "orders.csv"), "--items", path.join(raw, "order_items.csv")],
    env,
  );
}

/** Each store's runs of one measurement, interleaved run by run. */
async function interleaved<T>(
  stores: Record<"history" | "oneDay", string>,
  runs: number,
  measure: (dataDir: string) => Promise<T>,
): Promise<Record<"history" | "oneDay", T[]>> {
  const out: Record<"history" | "oneDay", T[]> = { history: [], oneDay: [] };
  for (let i = 0; i < runs; i++) {
    out.oneDay.push(await measure(stores.oneDay));
    out.history.push(await measure(stores.history));
  }
  return out;
}

const summary = (runs: readonly CommandRun[]) => ({
  medianMs: ms(median(runs.map((r) => r.wallMs))),
  peakRssMb: Math.round(Math.max(...runs.map((r) => r.peakRssBytes)) / MB),
  samplesMs: runs.map((r) => ms(r.wallMs)),
});

/**
 * The history part: two years of small days (three platforms) loaded through one `ctr backfill`,
 * then each command a user runs every day timed on that store against a store holding one day, in
 * the same run: `ctr migrate`, a one-day `ctr backfill` and `ctr daily`, `ctr serve` until ready and
 * its answers (/products, /coverage, /ctr over a year), `ctr rebuild` of a month and of a year, peak
 * RSS throughout, and what the store holds on disk.
 */
export async function runHistoryPart(options: HistoryOptions): Promise<BenchRow[]> {
  const dir = path.join(options.workDir, "history");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const machineBefore = describeMachine();
  const lastDay = dayAfter(FIRST_DAY, options.days - 1);
  // The day re-run and served from both stores: the middle of the history's last year.
  const day = dayAfter(FIRST_DAY, Math.max(0, options.days - 183));
  const stores = { history: path.join(dir, "history"), oneDay: path.join(dir, "one-day") };
  const log = (text: string) => process.stderr.write(`bench history: ${text}\n`);

  log(`generating ${options.days} days × 3 platforms (scale ${options.scale}) and the one-day store's ${day}`);
  await prepare(stores.history, FIRST_DAY, lastDay, options);
  await prepare(stores.oneDay, day, day, options);
  log(`loading ${FIRST_DAY}..${lastDay} with one ctr backfill`);
  const load = await runCommand(stores.history, ["backfill", "--from", FIRST_DAY, "--to", lastDay]);
  log(`loaded in ${(load.wallMs / 60_000).toFixed(1)} min, peak RSS ${Math.round(load.peakRssBytes / MB)} MB`);
  const loadOneDay = await runCommand(stores.oneDay, ["backfill", "--from", day, "--to", day]);
  const afterLoad = { history: storeStats(stores.history), oneDay: storeStats(stores.oneDay) };

  log(`${options.runs} runs of ctr migrate, a one-day backfill and ctr daily on each store`);
  const migrate = await interleaved(stores, options.runs, (d) => runCommand(d, ["migrate"]));
  const backfillDay = await interleaved(stores, options.runs, (d) =>
    runCommand(d, ["backfill", "--from", day, "--to", day]),
  );
  const daily = await interleaved(stores, options.runs, (d) => runCommand(d, ["daily", "--date", day]));
  const afterCommands = { history: storeStats(stores.history), oneDay: storeStats(stores.oneDay) };

  log("ctr serve until ready, and its answers");
  const yearFrom = dayAfter(lastDay, -364);
  const requests = (product: string): Record<string, string> => ({
    products: `/products?prefix=${encodeURIComponent(product.slice(0, 4))}&limit=20`,
    coverageYear: `/coverage?from=${yearFrom}&to=${lastDay}`,
    ctrYear: `/ctr?startTimestamp=${encodeURIComponent(`${yearFrom} 00:00:00`)}&endTimestamp=${encodeURIComponent(
      `${dayAfter(lastDay, 1)} 00:00:00`,
    )}&aggregation=1440&product=${encodeURIComponent(product)}`,
  });
  const product = await firstProduct(stores.history, day);
  const serve: Record<"history" | "oneDay", ServeRun[]> = { history: [], oneDay: [] };
  for (let i = 0; i < options.runs; i++) {
    serve.oneDay.push(await measureServe(stores.oneDay, requests(product), 20));
    serve.history.push(await measureServe(stores.history, requests(product), 20));
  }

  log("ctr rebuild of a month and of a year");
  const rebuildMonth = await runCommand(stores.history, [
    "rebuild",
    "--from",
    FIRST_DAY,
    "--to",
    dayAfter(FIRST_DAY, 29),
  ]);
  const rebuildYear = await runCommand(stores.history, [
    "rebuild",
    "--from",
    FIRST_DAY,
    "--to",
    dayAfter(FIRST_DAY, 364),
  ]);
  const end = { history: storeStats(stores.history), oneDay: storeStats(stores.oneDay) };

  const serveFigures = (runs: readonly ServeRun[]) => ({
    readyMs: ms(median(runs.map((r) => r.readyMs))),
    rssAtReadyMb: Math.round(median(runs.map((r) => r.rssAtReadyBytes)) / MB),
    peakRssMb: Math.round(Math.max(...runs.map((r) => r.peakRssBytes)) / MB),
    requests: Object.fromEntries(
      Object.keys(runs[0]?.requests ?? {}).map((name) => {
        const all = runs.flatMap((r) => r.requests[name]?.ms ?? []);
        return [name, { p50Ms: ms(median(all)), bytes: runs[0]?.requests[name]?.bytes ?? 0 }];
      }),
    ),
  });
  const figures = {
    days: options.days,
    scale: options.scale,
    day,
    load: { minutes: Number((load.wallMs / 60_000).toFixed(2)), peakRssMb: Math.round(load.peakRssBytes / MB) },
    loadOneDay: summary([loadOneDay]),
    migrate: { history: summary(migrate.history), oneDay: summary(migrate.oneDay) },
    backfillDay: { history: summary(backfillDay.history), oneDay: summary(backfillDay.oneDay) },
    daily: { history: summary(daily.history), oneDay: summary(daily.oneDay) },
    serve: { history: serveFigures(serve.history), oneDay: serveFigures(serve.oneDay) },
    rebuild: {
      month: summary([rebuildMonth]),
      year: summary([rebuildYear]),
      // 1 when a year's rebuild costs 12.2 months': proportional to the days, not to their square.
      yearPerDayOverMonthPerDay: Number((rebuildYear.wallMs / 365 / (rebuildMonth.wallMs / 30)).toFixed(2)),
    },
    stores: { afterLoad, afterCommands, end },
  };
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
  const ratios = {
    backfillDay: ratio(figures.backfillDay.history.medianMs, figures.backfillDay.oneDay.medianMs),
    daily: ratio(figures.daily.history.medianMs, figures.daily.oneDay.medianMs),
    migrate: ratio(figures.migrate.history.medianMs, figures.migrate.oneDay.medianMs),
    serveReady: ratio(figures.serve.history.readyMs, figures.serve.oneDay.readyMs),
    // ClickHouse's folder against the bytes its active parts hold.
    disk: ratio(end.history.clickhouseBytes, end.history.activeBytes),
  };
  const peakRssMb = Math.max(
    figures.load.peakRssMb,
    ...[migrate, backfillDay, daily].flatMap((m) => [...m.history, ...m.oneDay].map((r) => r.peakRssBytes / MB)),
    figures.serve.history.peakRssMb,
    figures.rebuild.year.peakRssMb,
  );
  await writeResult("history", {
    machine: { before: machineBefore, after: describeMachine() },
    ...figures,
    ratios,
    peakRssMb: Math.round(peakRssMb),
  });
  const h = figures.serve.history;
  const o = figures.serve.oneDay;
  const row = (figure: string, value: number, unit: string): BenchRow => ({ part: "history", figure, value, unit });
  /** A figure with the issue's upper bound. */
  const atMost = (figure: string, value: number, unit: string, bound: number): BenchRow => ({
    ...row(figure, value, unit),
    target: `≤ ${bound}`,
    ok: value <= bound,
  });
  return [
    atMost(
      `load ${options.days} days × 3 platforms (one ctr backfill)`,
      figures.load.minutes,
      "min",
      TARGETS.loadMinutes,
    ),
    atMost("ctr migrate, history", figures.migrate.history.medianMs / 1000, "s", TARGETS.migrateS),
    row("ctr migrate, one day", figures.migrate.oneDay.medianMs / 1000, "s"),
    atMost("one-day backfill, history / one day", ratios.backfillDay, "x", TARGETS.dayRatio),
    atMost("ctr daily, history / one day", ratios.daily, "x", TARGETS.dayRatio),
    atMost("ctr serve until /readyz, history", h.readyMs / 1000, "s", TARGETS.serveReadyS),
    row("ctr serve until /readyz, one day", o.readyMs / 1000, "s"),
    atMost("/products type-ahead p50, history", h.requests.products?.p50Ms ?? 0, "ms", TARGETS.productsMs),
    atMost("/coverage of a year p50, history", h.requests.coverageYear?.p50Ms ?? 0, "ms", TARGETS.coverageMs),
    atMost("/ctr one product, 365 days at 1440, p50", h.requests.ctrYear?.p50Ms ?? 0, "ms", TARGETS.ctrYearMs),
    row("ctr rebuild of a year", figures.rebuild.year.medianMs / 1000, "s"),
    row("rebuild per day: a year / a month", figures.rebuild.yearPerDayOverMonthPerDay, "x"),
    atMost("peak RSS of every command", peakRssMb, "MB", TARGETS.rssMb),
    atMost("ClickHouse on disk / its active parts", ratios.disk, "x", TARGETS.diskRatio),
    atMost("outdated parts left after the commands", end.history.partFolders - end.history.activeParts, "parts", 0),
  ];
}

/** The first product with views on `day` in the store, from its own `/products`. */
async function firstProduct(dataDir: string, day: string): Promise<string> {
  const run = await measureServe(dataDir, { products: `/products?from=${day}&to=${day}&limit=1` }, 1);
  const { products } = JSON.parse(run.requests.products?.body ?? "{}") as { products?: string[] };
  const product = products?.[0];
  if (!product) throw new Error(`no product with views on ${day}`);
  return product;
}
