import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getPurchasesPerMinute, migrate, type Store } from "@ctr/schemas";
import { loadOrders, openStore, syncPurchases } from "@ctr/workers";
import { afterAll, beforeAll, expect, it } from "vitest";
import { countPurchasesDirectly, describeEachDatabase, useTestDatabase } from "./support/purchases_databases.ts";

const CTR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../jobs/bin/ctr.js");
const DAY = "2016-02-01";

let tmp: string;
let store: Store;
let files: { orders: string; items: string };
/** What `ctr generate` says it wrote: purchases on a platform, and on other devices. */
let generated: { onPlatform: number; otherDevices: number };

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "ctr-purchases-generated-"));
  const out = path.join(tmp, "raw");
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [CTR, "generate", "--from", DAY, "--to", DAY, "--scale", "0.1", "--out", out],
    { env: { PATH: process.env.PATH ?? "", CTR_DATA_DIR: path.join(tmp, "data") } },
  );
  const report = /(\d+) purchases on a platform, (\d+) on other devices/.exec(stdout);
  if (!report) throw new Error(`ctr generate printed no purchase counts:\n${stdout}`);
  generated = { onPlatform: Number(report[1]), otherDevices: Number(report[2]) };
  files = { orders: path.join(out, "orders.csv"), items: path.join(out, "order_items.csv") };
  store = openStore({ kind: "embedded", path: path.join(tmp, "clickhouse"), database: "default" });
  await migrate(store);
});
afterAll(async () => {
  await store?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describeEachDatabase("generated orders CSVs through %s", (kind) => {
  const database = useTestDatabase(kind);

  it("load without rejects, and sync the totals ctr generate reports and SQL counts", async () => {
    const summary = await loadOrders(database.db, files);
    expect(summary.rejectedTotal).toBe(0);
    expect(summary.items.loaded).toBe(generated.onPlatform + generated.otherDevices);

    const result = await syncPurchases(
      { day: DAY },
      { store, orders: database.db, config: { purchaseExcludedStatuses: [] } },
    );
    expect(result).toMatchObject({ purchases: generated.onPlatform, unmapped: generated.otherDevices });

    const synced: Record<string, number> = {};
    for (const row of await getPurchasesPerMinute(store.client, { from: DAY, to: DAY })) {
      synced[`${row.platform} ${row.product}`] = (synced[`${row.platform} ${row.product}`] ?? 0) + row.purchases;
    }
    const direct = await countPurchasesDirectly(database.db, DAY, "2016-02-02");
    expect(Object.keys(synced).length).toBeGreaterThan(0);
    expect(synced).toEqual(direct);
  });
});
