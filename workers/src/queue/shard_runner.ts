import { type Config, parseLocation } from "@ctr/schemas";
import { ingestShard } from "../jobs/ingest_shard.ts";
import { engineSettings, type JobRunners } from "../jobs/job_runners.ts";
import type { Folder } from "../source/folder.ts";
import { openFolder } from "../source/open_folder.ts";

/**
 * The shard handler of a queue worker: the same `ingestShard` the in-process executor calls, with
 * the source the job names (a folder or s3:// prefix; opened once per process) and PARQUET_SINK.
 * Needs no ClickHouse, so it runs on any machine.
 */
export function queuedShardRunner(config: Config): Pick<JobRunners, "ingestShard"> {
  const sink = openFolder(config.parquetSink, config.s3);
  const engine = engineSettings(config, config.workerConcurrency);
  const sources = new Map<string, Folder>();
  const sourceOf = (description: string) => {
    let folder = sources.get(description);
    if (!folder) {
      folder = openFolder(parseLocation(description, "the job's source"), config.s3);
      sources.set(description, folder);
    }
    return folder;
  };
  return {
    ingestShard: (payload, onProgress) =>
      ingestShard(payload, { source: sourceOf(payload.source), sink, engine, onProgress }),
  };
}
