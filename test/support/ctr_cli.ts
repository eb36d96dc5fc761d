import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { RunningServer } from "@ctr/query-api";
import { type Config, loadConfig } from "@ctr/schemas";
import { LocalFolder, listAll, openStore } from "@ctr/workers";
import { serveApi } from "./api_server.ts";

/**
 * Serves the API over the embedded store of `config` while `use` runs, then closes both: between two
 * CLI runs, as a user would run `ctr serve` (chDB admits one owner of a data directory at a time).
 */
export async function withApi<T>(config: Config, use: (server: RunningServer) => Promise<T>): Promise<T> {
  const store = openStore(config.clickhouse);
  const server = await serveApi(store);
  try {
    return await use(server);
  } finally {
    await server.close();
    await store.close();
  }
}

/** GET a path of the API as JSON. */
export async function getJson(server: RunningServer, pathAndQuery: string): Promise<unknown> {
  const response = await fetch(`${server.url}${pathAndQuery}`);
  if (!response.ok) throw new Error(`${pathAndQuery}: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * Points this process's environment at an embedded deployment under `dir` (data in `dir/data`,
 * events in `dir/raw`), whatever the surrounding environment holds, and returns its configuration.
 * `restoreEnvironment` puts the saved environment back.
 */
export function useEmbeddedEnvironment(dir: string): Config {
  saved ??= { ...process.env };
  for (const variable of ["REDIS_URL", "CLICKHOUSE_URL", "EVENTS_SOURCE", "PARQUET_SINK"]) delete process.env[variable];
  process.env.CTR_DATA_DIR = path.join(dir, "data");
  process.env.EVENTS_SOURCE = path.join(dir, "raw");
  process.env.WORKER_CONCURRENCY = "2";
  return loadConfig();
}

let saved: NodeJS.ProcessEnv | undefined;

/** Undoes `useEmbeddedEnvironment`. */
export function restoreEnvironment(): void {
  if (saved) process.env = saved;
  saved = undefined;
}

/** Every file of a local sink with a hash of its bytes: what "the same Parquet set" means. */
export async function sinkFingerprint(sinkDir: string): Promise<Record<string, string>> {
  const sink = new LocalFolder(sinkDir);
  const out: Record<string, string> = {};
  for (const object of await listAll(sink, "")) {
    out[object.key] = createHash("sha256")
      .update(await readFile(sink.pathOf(object.key)))
      .digest("hex");
  }
  return out;
}
