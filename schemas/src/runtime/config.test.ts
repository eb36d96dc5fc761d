import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, parseLocation } from "./config.ts";
import { ConfigError } from "./config_error.ts";

describe("loadConfig", () => {
  it("runs embedded on one machine with no configuration", () => {
    const config = loadConfig({});
    const dataDir = path.resolve("./data");
    expect(config.clickhouse).toEqual({ kind: "embedded", path: path.join(dataDir, "clickhouse"), database: "ctr" });
    expect(config.redisUrl).toBeUndefined();
    expect(config.ordersDatabaseUrl).toBe(`sqlite://${path.join(dataDir, "orders.sqlite")}`);
    expect(config.eventsSource).toEqual({ kind: "local", dir: path.join(dataDir, "raw") });
    expect(config.parquetSink).toEqual({ kind: "local", dir: path.join(dataDir, "parquet") });
    expect(config.port).toBe(3000);
    expect(config.maxResultRows).toBe(1_000_000);
    expect(config.resultCacheMb).toBe(64);
    expect(config.purchaseExcludedStatuses).toEqual([]);
  });

  it("runs distributed when the URLs are set", () => {
    const config = loadConfig({
      CLICKHOUSE_URL: "http://ch:8123",
      REDIS_URL: "redis://redis:6379",
      ORDERS_DATABASE_URL: "postgres://app@db/shop",
      EVENTS_SOURCE: "s3://events-bucket/raw",
      PARQUET_SINK: "s3://lake/parquet/",
      PURCHASE_EXCLUDED_STATUSES: "canceled, refunded",
    });
    expect(config.clickhouse).toMatchObject({ kind: "server", url: "http://ch:8123" });
    expect(config.redisUrl).toBe("redis://redis:6379");
    expect(config.eventsSource).toEqual({ kind: "s3", bucket: "events-bucket", prefix: "raw" });
    expect(config.parquetSink).toEqual({ kind: "s3", bucket: "lake", prefix: "parquet" });
    expect(config.purchaseExcludedStatuses).toEqual(["canceled", "refunded"]);
  });

  it.each([
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["CLICKHOUSE_URL", "ch:8123"],
    ["REDIS_URL", "http://redis:6379"],
    ["ORDERS_DATABASE_URL", "oracle://db"],
    ["MAX_RESULT_ROWS", "-1"],
    ["RESULT_CACHE_MB", "-1"],
    ["RESULT_CACHE_MB", "1.5"],
    ["RESULT_CACHE_MB", "100000"],
    ["EVENTS_SOURCE", "gs://bucket/x"],
    ["LOG_LEVEL", "loud"],
  ])("fails naming %s when it is %s", (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}: `));
  });

  it("puts the tables on a cluster with CLICKHOUSE_CLUSTER, which needs a server", () => {
    const config = loadConfig({ CLICKHOUSE_URL: "http://ch:8123", CLICKHOUSE_CLUSTER: "ctr" });
    expect(config.clickhouse).toMatchObject({ kind: "server", cluster: "ctr" });
    expect(loadConfig({ CLICKHOUSE_URL: "http://ch:8123" }).clickhouse).not.toHaveProperty("cluster");
    expect(() => loadConfig({ CLICKHOUSE_CLUSTER: "ctr" })).toThrow(/^CLICKHOUSE_CLUSTER: needs CLICKHOUSE_URL/);
    expect(() => loadConfig({ CLICKHOUSE_URL: "http://ch:8123", CLICKHOUSE_CLUSTER: "ctr'; DROP" })).toThrow(
      /^CLICKHOUSE_CLUSTER: wants a cluster name/,
    );
  });

  it("turns the result cache off with RESULT_CACHE_MB=0", () => {
    expect(loadConfig({ RESULT_CACHE_MB: "0" }).resultCacheMb).toBe(0);
    expect(loadConfig({ RESULT_CACHE_MB: " 256 " }).resultCacheMb).toBe(256);
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ CLICKHOUSE_URL: "", REDIS_URL: " " }).clickhouse.kind).toBe("embedded");
  });
});

describe("REDIS_PASSWORD", () => {
  it("goes into REDIS_URL, encoded", () => {
    const config = loadConfig({ REDIS_URL: "redis://redis:6379/0", REDIS_PASSWORD: "p@ss:w/rd" });
    expect(config.redisUrl).toBe("redis://:p%40ss%3Aw%2Frd@redis:6379/0");
    expect(new URL(config.redisUrl ?? "").password).toBe("p%40ss%3Aw%2Frd");
  });

  it("is refused beside a REDIS_URL that has a password, or without REDIS_URL", () => {
    expect(() => loadConfig({ REDIS_URL: "redis://:a@redis:6379", REDIS_PASSWORD: "b" })).toThrow(
      "REDIS_PASSWORD: set while REDIS_URL carries a password too",
    );
    expect(() => loadConfig({ REDIS_PASSWORD: "b" })).toThrow("REDIS_PASSWORD: set without REDIS_URL");
  });
});

describe("parseLocation", () => {
  it("rejects an invalid bucket name", () => {
    expect(() => parseLocation("s3://Bad_Bucket/x", "PARQUET_SINK")).toThrow(/PARQUET_SINK/);
  });

  it.each([
    [
      "s3://Bad_Bucket/x",
      '"Bad_Bucket" has "B", "_": a bucket name has only lowercase letters, digits, dots and hyphens (S3 bucket names are lowercase)',
    ],
    ["s3://ab/x", '"ab" is 2 characters long: a bucket name has 3 to 63'],
    [`s3://${"a".repeat(64)}`, "is 64 characters long: a bucket name has 3 to 63"],
    ["s3://-events/x", '"-events" must start and end with a lowercase letter or a digit'],
    ["s3:///x", "the bucket name is empty"],
  ])("says why S3 refuses the bucket of %s", (value, why) => {
    expect(() => parseLocation(value, "EVENTS_SOURCE")).toThrow(why);
  });
});
