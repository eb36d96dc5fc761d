import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { runBackfill, runRebuild } from "@ctr/jobs";
import { type Config, getIngestedFiles, getProductViewTotals, loadConfig, migrate, type Store } from "@ctr/schemas";
import { commitPlatformDay, discoverDays, ingestShard, LocalFolder, openStore } from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sinkFingerprint } from "./support/ctr_cli.ts";
import { allShapes, mixedNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

const DAY = "2016-02-01";
let dir: string;
let config: Config;
let store: Store;
const quiet = { write: () => true };

beforeAll(async () => {
  dir = await tempDir("ingest-backfill");
  await writeFiles(path.join(dir, "raw"), {
    ...allShapes("iOS", DAY),
    ...allShapes("MOBILEWEB", "2016-02-02"),
    "Android/2016-02-01/a.ndjson": mixedNdjson(),
  });
  config = loadConfig({
    CTR_DATA_DIR: dir,
    WORKER_CONCURRENCY: "2",
    SHARD_MAX_BYTES: "2000",
    ENGINE_MEMORY_LIMIT_MB: "256",
  });
  store = openStore(config.clickhouse);
  await migrate(store);
});

afterAll(async () => {
  await store?.close();
  await removeDir(dir);
});

const sinkDir = () => (config.parquetSink.kind === "local" ? config.parquetSink.dir : "");

const totals = () => getProductViewTotals(store.client, { from: DAY, to: "2016-02-02" });

describe("ctr backfill", () => {
  it("ingests every platform-day, summarises it, and a re-run leaves identical totals and Parquet", async () => {
    const summary = await runBackfill(
      config,
      { from: DAY, to: "2016-02-02", platforms: ["Android", "MobileWeb", "iOS"] },
      quiet,
      store,
    );
    expect(summary).toMatchObject({
      files: 13,
      views: 31,
      ignored: 18,
      malformed: 36,
      committedDays: 6,
      failures: [],
    });
    expect(summary.malformedLocations).toContainEqual(
      expect.objectContaining({ file: "Android/2016-02-01/a.ndjson", position: "line 4" }),
    );
    const firstTotals = await totals();
    expect(firstTotals.map((t) => [t.day, t.platform, t.views])).toEqual([
      [DAY, "Android", 3],
      [DAY, "iOS", 14],
      ["2016-02-02", "MobileWeb", 14],
    ]);
    const firstSink = await sinkFingerprint(sinkDir());
    // A views Parquet and a manifest per source file.
    expect(Object.keys(firstSink)).toHaveLength(26);

    const again = await runBackfill(
      config,
      { from: DAY, to: "2016-02-02", platforms: ["Android", "MobileWeb", "iOS"] },
      quiet,
      store,
    );
    expect(again).toEqual(summary);
    expect(await totals()).toEqual(firstTotals);
    expect(await sinkFingerprint(sinkDir())).toEqual(firstSink);
  });

  it("counts a shard once when two runs of it and of its commit overlap", async () => {
    const source = new LocalFolder(path.join(dir, "raw"));
    const sink = new LocalFolder(path.join(dir, "parquet"));
    const [day] = await discoverDays(source, { platforms: ["iOS"], days: [DAY] });
    const payload = { source: source.root, platform: "iOS" as const, day: DAY, files: day?.files ?? [] };
    const engine = { memoryLimitMb: 256, threads: 1, tempDir: path.join(dir, "tmp") };
    const before = await totals();
    const runs = await Promise.all(
      [1, 2].map(async () => {
        await ingestShard(payload, { source, sink, engine });
        return commitPlatformDay({ platform: "iOS", day: DAY }, { store, sink, s3: config.s3 });
      }),
    );
    expect(runs[0]).toEqual(runs[1]);
    expect(await totals()).toEqual(before);
  });

  it("refuses to drop a deleted file's views, drops them with allowEmpty, and rebuild restores ClickHouse from the Parquet", async () => {
    await rm(path.join(dir, "raw/Android/2016-02-01/a.ndjson"));
    await writeFile(path.join(dir, "raw/Android/2016-02-01/notes.txt"), "not events");
    const kept = await totals();
    const refused = await runBackfill(config, { from: DAY, to: DAY, platforms: ["Android"] }, quiet, store);
    expect(refused).toMatchObject({ files: 0, committedDays: 0, failures: [] });
    expect(refused.refused).toEqual([
      expect.objectContaining({
        step: `views Android ${DAY}`,
        missingFiles: ["Android/2016-02-01/a.ndjson"],
        missingCount: 1,
      }),
    ]);
    expect(await totals()).toEqual(kept);

    const summary = await runBackfill(
      config,
      { from: DAY, to: DAY, platforms: ["Android"], allowEmpty: true },
      quiet,
      store,
    );
    expect(summary).toMatchObject({ files: 0, views: 0, skippedObjects: 1, refused: [], failures: [] });
    expect((await totals()).map((t) => t.platform)).toEqual(["iOS", "MobileWeb"]);
    expect((await getIngestedFiles(store.client, { from: DAY, to: DAY })).every((f) => f.platform === "iOS")).toBe(
      true,
    );

    const before = await totals();
    await store.client.command({ query: "TRUNCATE TABLE product_views_per_minute_v1" });
    await runRebuild(config, undefined, () => {}, store);
    expect(await totals()).toEqual(before);
  });

  it("commits a day without a file that cannot be read, names it, and loads it once it is fixed", async () => {
    const broken = path.join(dir, "raw/iOS/2016-02-01/zz-broken.json.gz");
    await writeFile(broken, "not gzip at all");
    const before = await totals();
    const summary = await runBackfill(config, { from: DAY, to: DAY, platforms: ["iOS"] }, quiet, store);
    expect(summary.failures).toEqual([]);
    expect(summary.failedFiles).toEqual([
      expect.objectContaining({ platform: "iOS", day: DAY, file: "iOS/2016-02-01/zz-broken.json.gz" }),
    ]);
    expect(await totals()).toEqual(before);

    await writeFile(broken, gzipSync(mixedNdjson()));
    const fixed = await runBackfill(config, { from: DAY, to: DAY, platforms: ["iOS"] }, quiet, store);
    expect(fixed.failedFiles).toEqual([]);
    const ios = (t: Awaited<ReturnType<typeof totals>>) => t.find((r) => r.platform === "iOS")?.views;
    expect(ios(await totals())).toBe((ios(before) ?? 0) + 3);
    await rm(broken);
    await runBackfill(config, { from: DAY, to: DAY, platforms: ["iOS"], allowEmpty: true }, quiet, store);
  });
});
