import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openFolder } from "../source/open_folder.ts";
import { lazyStoreSide } from "../store/store_side.ts";
import { runnersOf } from "./job_runners.ts";

const UNREACHABLE = "postgres://postgres@127.0.0.1:1/ctr";
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ctr-runners-"));
  await mkdir(path.join(dir, "raw/iOS/2016-02-01"), { recursive: true });
  await writeFile(
    path.join(dir, "raw/iOS/2016-02-01/a.json"),
    '{"events":[{"eventName":"productView","timestamp_unixtime_ms":1454284800000,"productId":"p1"}]}\n',
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the runners over a store side opened on first use", () => {
  it("once the store side cannot open, convert no more shards and give its reason", async () => {
    const config = loadConfig({ CTR_DATA_DIR: dir, ORDERS_DATABASE_URL: UNREACHABLE });
    const side = lazyStoreSide(config);
    const runners = runnersOf(config, side, openFolder(config.eventsSource, config.s3));
    const reason = `cannot reach the orders database ${UNREACHABLE}`;
    try {
      await expect(runners.syncPurchases({ day: "2016-02-01", allowEmpty: false })).rejects.toThrow(reason);
      expect(side.failure()?.message).toContain(reason);
      const shard = {
        source: config.eventsSource.kind === "local" ? config.eventsSource.dir : "",
        platform: "iOS" as const,
        day: "2016-02-01",
        files: [{ key: "iOS/2016-02-01/a.json", size: 96, etag: "1" }],
      };
      await expect(runners.ingestShard(shard, () => {})).rejects.toThrow(reason);
      // The shard wrote nothing to the sink: a run that cannot commit leaves no outputs to clean.
      await expect(readdir(path.join(dir, "parquet"))).rejects.toThrow("ENOENT");
    } finally {
      await side.close();
    }
  });
});
