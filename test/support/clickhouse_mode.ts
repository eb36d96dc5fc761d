// Which ClickHouse the integration tests use. The `integration` project runs them on embedded chDB;
// the `integration-server` project (vitest.config.ts) runs the ClickHouse-touching files again with
// CLICKHOUSE_URL pointing at the stand-in server its global setup started (clickhouse_server_setup.ts),
// each store in a database of its own, and sinks on s3rver, as a ClickHouse server needs them.
import { createHash } from "node:crypto";
import path from "node:path";
import type { Config } from "@ctr/schemas";
import { inject } from "vitest";
import { s3rverConfig, startS3rver } from "./ingest_s3rver.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The stand-in ClickHouse server of the server-mode run; absent in the embedded run. */
    clickhouseServerUrl?: string;
  }
}

/** The stand-in's URL in the server-mode run, else undefined (embedded). */
export const serverModeUrl = (): string | undefined => inject("clickhouseServerUrl");

/** The server database standing for an embedded data directory: one per directory, as in chDB. */
const databaseFor = (dir: string) => `test_${createHash("sha256").update(dir).digest("hex").slice(0, 16)}`;

/** The ClickHouse of a test whose embedded store would live in `dir`: that, or its own server database. */
export function testClickHouse(dir: string): Config["clickhouse"] {
  const url = serverModeUrl();
  return url
    ? { kind: "server", url, database: databaseFor(dir) }
    : { kind: "embedded", path: dir, database: "default" };
}

/** The environment that puts a process on the test's ClickHouse: nothing when embedded. */
export function testClickHouseEnv(dir: string): Record<string, string> {
  const clickhouse = testClickHouse(dir);
  return clickhouse.kind === "server"
    ? { CLICKHOUSE_URL: clickhouse.url, CLICKHOUSE_DATABASE: clickhouse.database }
    : {};
}

/**
 * `config` as the run's mode wants it. Server mode: ClickHouse is the stand-in, and the Parquet sink
 * moves to an s3rver started here, since a server reads the sink with s3(), not from this disk.
 * `close` stops that s3rver.
 */
export async function inTestMode(config: Config): Promise<{ config: Config; close(): Promise<void> }> {
  if (!serverModeUrl()) return { config, close: async () => {} };
  const s3 = await startS3rver(config.dataDir, ["ctr-sink"]);
  return {
    config: {
      ...config,
      clickhouse: testClickHouse(path.join(config.dataDir, "clickhouse")),
      parquetSink: { kind: "s3", bucket: "ctr-sink", prefix: "parquet" },
      s3: s3rverConfig(s3.endpoint),
    },
    close: s3.close,
  };
}
