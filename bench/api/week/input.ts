import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildCatalog, writeOrders } from "@ctr/jobs";
import { daysBetween } from "@ctr/schemas";
import { CTR, embeddedEnv, mustRun } from "../../ctr_process.ts";

/** The week workload (the front-end's commonest request): how much data, and from which seed. */
export interface WeekSpec {
  /** First UTC day of the events, `YYYY-MM-DD`. */
  firstDay: string;
  days: number;
  /** `ctr generate --scale` of the events: 1 is the real sample's ~143k views a day over the three platforms. */
  scale: number;
  /** Orders (orders.csv rows, Desktop ones included) per product view, e.g. 0.04. */
  ordersPerView: number;
  seed: string;
}

/** The generated files and what the generator says they hold. */
export interface WeekInput {
  rawDir: string;
  ordersFile: string;
  itemsFile: string;
  /** The UTC days of the event folders (= the GMT-3 days the orders fall on). */
  days: string[];
  views: number;
  orders: number;
  items: number;
  description: string;
}

/** Orders per product view that `ctr generate` writes at any scale: ~1.15% (conversion 1.2–2.2% items, 1.43 items an order) + 25% Desktop orders. */
const GENERATOR_ORDERS_PER_VIEW = 0.0143;

export function weekDays(spec: WeekSpec): string[] {
  const last = new Date(Date.parse(`${spec.firstDay}T00:00:00Z`) + (spec.days - 1) * 86_400_000);
  return daysBetween(spec.firstDay, last.toISOString().slice(0, 10));
}

/**
 * `ctr generate` (the built CLI) for the week's events, then the generator's orders writer again at
 * the scale that gives `ordersPerView` (the CLI ties the orders to the events' scale, ~1.4% of
 * views). Kept under `workDir` and reused while the spec is the same.
 */
export async function prepareWeekInput(workDir: string, spec: WeekSpec): Promise<WeekInput> {
  const dir = path.join(
    workDir,
    `week-${spec.firstDay}-${spec.days}d-scale-${spec.scale}-opv-${spec.ordersPerView}-seed-${spec.seed}`,
  );
  const marker = path.join(dir, "bench-input.json");
  if (existsSync(marker)) return JSON.parse(await readFile(marker, "utf8")) as WeekInput;
  await rm(dir, { recursive: true, force: true });
  const rawDir = path.join(dir, "raw");
  const ordersDir = path.join(dir, "orders");
  await mkdir(ordersDir, { recursive: true });
  const days = weekDays(spec);
  const from = days[0] as string;
  const to = days[days.length - 1] as string;
  process.stderr.write(`bench api: ctr generate --from ${from} --to ${to} --scale ${spec.scale}\n`);
  const generated = await mustRun(
    [CTR, "generate", "--from", from, "--to", to, "--scale", String(spec.scale), "--seed", spec.seed, "--out", rawDir],
    embeddedEnv(path.join(dir, "unused-data")),
  );
  const views = Number(
    /([\d,]+) views?, [\d,]+ ignored/.exec(generated.stdout)?.[1]?.replaceAll(",", "") ?? Number.NaN,
  );
  const ordersScale = (spec.scale * spec.ordersPerView) / GENERATOR_ORDERS_PER_VIEW;
  const orders = await writeOrders({
    outDir: ordersDir,
    days,
    scale: ordersScale,
    seed: spec.seed,
    catalog: buildCatalog(spec.seed),
  });
  const input: WeekInput = {
    rawDir,
    ordersFile: orders.ordersFile,
    itemsFile: orders.itemsFile,
    days,
    views,
    orders: orders.orders,
    items: orders.items,
    description: `ctr generate --from ${from} --to ${to} --scale ${spec.scale} --seed ${spec.seed} (${views} views), orders by its orders writer at scale ${ordersScale.toFixed(2)}: ${orders.orders} orders (${((orders.orders / views) * 100).toFixed(1)}% of views), ${orders.items} items`,
  };
  await writeFile(marker, JSON.stringify(input, null, 2));
  return input;
}
