import { existsSync, readdirSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import {
  type Config,
  createLogger,
  formatDay,
  loadConfig,
  migrate,
  PLATFORMS,
  type Platform,
  parseDay,
  parsePlatform,
} from "@ctr/schemas";
import { loadOrders, openOrdersDatabase, openStore } from "@ctr/workers";
import type { ProgressOutput } from "../backfill/progress.ts";
import { type BackfillSummary, formatSummary as formatBackfillSummary } from "../backfill/summary.ts";
import { type OptionValues, optionalString, UsageError } from "../command.ts";
import { generate } from "../generate/generate.ts";
import { formatSummary as formatGenerateSummary } from "../generate/report.ts";
import { runBackfill } from "../run/run_backfill.ts";
import { formatLoadSummary } from "./orders_load.ts";
import { serveUntilStopped } from "./serve.ts";

/** The sample days the demo generates when the source folder is empty (the real sample's day, and two more). */
const DEMO_FROM = "2016-02-01";
const DEMO_TO = "2016-02-03";
/** Default volume of generated data: a quarter of the real sample per platform-day, a few seconds to ingest. */
const DEMO_SCALE = "0.25";

/** The `YYYY-MM-DD` day folders under `<dir>/<platform>/`, any platform, sorted. */
function findDayFolders(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const days = new Set<string>();
  for (const platform of readdirSync(dir, { withFileTypes: true })) {
    if (!platform.isDirectory() || !PLATFORMS.some((p) => p.toLowerCase() === platform.name.toLowerCase())) continue;
    for (const day of readdirSync(path.join(dir, platform.name), { withFileTypes: true })) {
      if (day.isDirectory() && parseDay(day.name)) days.add(day.name);
    }
  }
  return [...days].sort();
}

async function generateIfEmpty(dir: string, scale: number, out: ProgressOutput): Promise<void> {
  if (findDayFolders(dir).length > 0) {
    out.write(`demo: using the event folders in ${dir}\n`);
    return;
  }
  out.write(`demo: no event folders in ${dir}; generating ${DEMO_FROM}..${DEMO_TO} at scale ${scale}\n`);
  const report = await generate({ from: DEMO_FROM, to: DEMO_TO, scale, seed: "1", outDir: dir });
  out.write(`${formatGenerateSummary(report)}\n`);
}

async function loadOrdersIfPresent(config: Config, dir: string, out: ProgressOutput): Promise<void> {
  const files = { orders: path.join(dir, "orders.csv"), items: path.join(dir, "order_items.csv") };
  if (!existsSync(files.orders) || !existsSync(files.items)) {
    out.write(`demo: no orders.csv/order_items.csv in ${dir}; purchases come from the database as it is\n`);
    return;
  }
  const db = await openOrdersDatabase(config.ordersDatabaseUrl);
  try {
    out.write(formatLoadSummary(await loadOrders(db, files), db.label));
  } finally {
    await db.close();
  }
}

/** What `prepareDemo` loaded: the range of the day folders, their platforms, and the backfill's summary. */
export interface PreparedDemo {
  from: string;
  to: string;
  platforms: Platform[];
  summary: BackfillSummary;
}

/** A real export to serve instead of generated data (`ctr demo --sample`). */
export interface DemoSample {
  file: string;
  platform: Platform;
}

/** The real sample that comes with the case, as the README documents it (relative to the repository). */
const REAL_SAMPLE = "../shared/data/productEvent_20160201.json.gz";

/**
 * Lays a real export out as `<dataDir>/sample/<platform>/<day>/<file>` (the day from the file's
 * name, e.g. productEvent_20160201) and returns that folder: the demo then serves the sample alone.
 */
async function placeSample({ file, platform }: DemoSample, dataDir: string, out: ProgressOutput): Promise<string> {
  if (!existsSync(file)) throw new UsageError(`--sample: no such file ${file}`);
  const match = /(\d{4})-?(\d{2})-?(\d{2})/.exec(path.basename(file));
  const day = match ? `${match[1]}-${match[2]}-${match[3]}` : "";
  if (!parseDay(day)) {
    throw new UsageError(`--sample: the file name must carry its UTC day (e.g. productEvent_20160201), got ${file}`);
  }
  const dir = path.join(dataDir, "sample");
  const folder = path.join(dir, platform, day);
  await mkdir(folder, { recursive: true });
  await copyFile(file, path.join(folder, path.basename(file)));
  out.write(`demo: serving the sample ${file} as ${platform} ${day} (events from ${dir})\n`);
  return dir;
}

/**
 * The demo's data, as `npm start` prepares it: sample data when the events folder has no day
 * folders, the orders CSVs beside them loaded, every day folder backfilled. Idempotent. Reports go
 * to `out`, the backfill's progress to `progress`.
 */
export async function prepareDemo(
  config: Config,
  scale: number,
  { out, progress }: { out: ProgressOutput; progress: ProgressOutput },
  sample?: DemoSample,
): Promise<PreparedDemo> {
  if (config.eventsSource.kind !== "local") {
    throw new UsageError("the demo generates its data into a local folder: unset EVENTS_SOURCE or point it at one");
  }
  let dir = config.eventsSource.dir;
  // A sample covers one platform: the others' data of that day, if any, is left alone.
  let platforms: Platform[] = [...PLATFORMS];
  let source = config;
  if (sample) {
    dir = await placeSample(sample, config.dataDir, out);
    platforms = [sample.platform];
    source = { ...config, eventsSource: { kind: "local", dir } };
  } else {
    await generateIfEmpty(dir, scale, out);
  }
  await loadOrdersIfPresent(config, dir, out);
  const days = findDayFolders(dir);
  const from = days[0] ?? DEMO_FROM;
  const to = days.at(-1) ?? DEMO_TO;
  const summary = await runBackfill(source, { from, to, platforms }, progress);
  out.write(formatBackfillSummary(summary));
  return { from, to, platforms, summary };
}

/** What a front-end developer needs next to the example queries. */
function frontEndHints(config: Config, sampled: boolean): string {
  const origins = config.corsOrigins.length > 0 ? config.corsOrigins.join(", ") : "none";
  return [
    `Browser pages on other origins (CORS_ORIGINS, now: ${origins}): allow yours with e.g.`,
    "  CORS_ORIGINS=http://localhost:5173 npm start",
    ...(sampled
      ? []
      : [
          "The real sample instead of generated data (MobileWeb, 2016-02-01):",
          `  npm start -- --sample ${REAL_SAMPLE}`,
        ]),
  ].join("\n");
}

/** One GMT-3 day as /ctr's fields. */
function wholeDay(day: string, aggregation: number): Record<string, string> {
  const next = formatDay(new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000));
  return { startTimestamp: `${day} 00:00:00`, endTimestamp: `${next} 00:00:00`, aggregation: String(aggregation) };
}

/** Example requests over the loaded days, to paste into a terminal. */
export function exampleQueries(
  baseUrl: string,
  from: string,
  to: string,
  platforms: readonly Platform[] = PLATFORMS,
): string {
  // The first example asks for iOS and the second for Android, when the data has them.
  const first = platforms.includes("iOS") ? "iOS" : (platforms[0] ?? "iOS");
  const second = platforms.includes("Android") ? "Android" : first;
  const q = (fields: Record<string, string>, route = "/ctr") =>
    `'${baseUrl}${route}?${Object.entries(fields)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join("&")}'`;
  const dayAfter = formatDay(new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000));
  const day = { startTimestamp: `${from} 00:00:00`, endTimestamp: `${from} 06:00:00` };
  const body = JSON.stringify({
    startTimestamp: `${from} 00:00:00`,
    endTimestamp: `${dayAfter} 00:00:00`,
    aggregation: 1440,
  });
  return [
    "Example queries (times are GMT-3):",
    `  curl ${q({ ...day, aggregation: "60", platform: first.toLowerCase() })}`,
    `  curl -H 'Accept: application/x-ndjson' ${q({ ...day, aggregation: "15", platform: second })}`,
    `  curl -H 'Accept: text/csv' ${q({ ...day, aggregation: "360" })}`,
    `  curl -X POST ${baseUrl}/ctr -H 'Content-Type: application/json' -d '${body}'`,
    "Totals per platform by the hour, and the top products of the loaded days by CTR (95% Wilson lower bound):",
    `  curl ${q(wholeDay(from, 60), "/ctr/totals")}`,
    `  curl ${q({ startTimestamp: `${from} 00:00:00`, endTimestamp: `${dayAfter} 00:00:00`, by: "ctr", limit: "10", minViews: "20" }, "/ctr/top")}`,
    `  curl ${baseUrl}/coverage`,
    `  open ${baseUrl}/docs (human-readable) or ${baseUrl}/openapi.json`,
  ].join("\n");
}

/** `ctr demo`: flags and help in ./index.ts. */
export async function run(values: OptionValues): Promise<number> {
  const scaleText = optionalString(values, "scale") ?? DEMO_SCALE;
  const scale = Number(scaleText);
  if (!/^\d+(\.\d+)?$/.test(scaleText) || !(scale > 0)) {
    throw new UsageError(`--scale wants a positive number such as 0.25 or 1, got '${scaleText}'`);
  }
  const portText = optionalString(values, "port");
  const config = loadConfig(portText === undefined ? process.env : { ...process.env, PORT: portText });
  const sampleFile = optionalString(values, "sample");
  let sample: DemoSample | undefined;
  if (sampleFile !== undefined) {
    const platformText = optionalString(values, "sample-platform") ?? "MobileWeb";
    const platform = parsePlatform(platformText);
    if (!platform)
      throw new UsageError(`--sample-platform wants one of ${PLATFORMS.join(", ")}, got '${platformText}'`);
    sample = { file: sampleFile, platform };
  }
  const output = { out: process.stdout, progress: process.stderr };
  const { from, to, platforms, summary } = await prepareDemo(config, scale, output, sample);
  if (summary.failures.length > 0) {
    process.stderr.write("demo: the backfill had failures (above); serving what was loaded\n");
  }
  // The backfill closed its store; chDB binds the directory per process, so the API opens it again here.
  const store = openStore(config.clickhouse, createLogger({ level: config.logLevel }), config);
  try {
    await migrate(store);
    const baseUrl = `http://localhost:${config.port}`;
    process.stdout.write(
      `\nServing on ${baseUrl} (Ctrl-C to stop)\nExplore CTR in a browser: ${baseUrl}/\n${exampleQueries(baseUrl, from, to, platforms)}\n${frontEndHints(config, sample !== undefined)}\n`,
    );
    await serveUntilStopped(config, store);
    return 0;
  } finally {
    await store.close();
  }
}
