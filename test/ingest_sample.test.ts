import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { runBackfill } from "@ctr/jobs";
import { formatGmt3WallClock, getProductViewTotals, loadConfig, migrate, type Store } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realSamplePath, removeDir, tempDir } from "./support/ingest_fixtures.ts";

const sample = await realSamplePath();
if (!sample) {
  console.warn("skipping the real-sample ingestion test: ../shared/data/productEvent_20160201.json.gz is absent");
}

let dir: string;
let store: Store;

const whenPresent = { skip: !sample, meta: { skipReason: "../shared/data/productEvent_20160201.json.gz is absent" } };

describe("the real sample (../shared/data/productEvent_20160201.json.gz)", whenPresent, () => {
  beforeAll(async () => {
    dir = await tempDir("ingest-sample");
    // A copy in a temporary source folder: the sample itself never enters the repository.
    await mkdir(path.join(dir, "raw/iOS/2016-02-01"), { recursive: true });
    await copyFile(sample ?? "", path.join(dir, "raw/iOS/2016-02-01/productEvent_20160201.json.gz"));
  });

  afterAll(async () => {
    await store?.close();
    await removeDir(dir);
  });

  it("holds 47,633 views of 4,051 products from 2016-01-31 21:00 to 2016-02-01 20:59 GMT-3", async () => {
    const config = loadConfig({ CTR_DATA_DIR: dir });
    store = openStore(config.clickhouse);
    await migrate(store);
    const summary = await runBackfill(
      config,
      { from: "2016-02-01", to: "2016-02-01", platforms: ["iOS"] },
      { write: () => true },
      store,
    );
    expect(summary).toMatchObject({ files: 1, events: 47_633, views: 47_633, ignored: 0, malformed: 0, failures: [] });
    const [totals] = await getProductViewTotals(store.client, { from: "2016-02-01", to: "2016-02-01" });
    expect(totals).toMatchObject({ platform: "iOS", views: 47_633, products: 4_051 });
    const gmt3 = (utc: string | undefined) => formatGmt3WallClock(Date.parse(`${utc?.replace(" ", "T")}Z`));
    expect(gmt3(totals?.first_minute)).toBe("2016-01-31 21:00:00");
    expect(gmt3(totals?.last_minute)).toBe("2016-02-01 20:59:00");
  });
});
