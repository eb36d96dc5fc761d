// Global setup of the `integration-server` vitest project: one stand-in ClickHouse server for the
// run, whose URL test/support reads (clickhouse_mode.ts) to put stores and processes on it.
import type { TestProject } from "vitest/node";
import { startClickHouseServer } from "./clickhouse_server.ts";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startClickHouseServer();
  project.provide("clickhouseServerUrl", server.url);
  return () => server.close();
}
