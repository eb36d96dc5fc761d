import type { JobPayload } from "@ctr/schemas";
import type { EngineSettings } from "../ingest/engine.ts";
import { UnreadableFileError } from "../ingest/process_file.ts";
import { processShard, type ShardProgress, type ShardResult } from "../ingest/process_shard.ts";
import type { Folder } from "../source/folder.ts";
import { toJobError } from "./job_error.ts";

export interface IngestShardDeps {
  /** The source the payload's file keys are relative to. */
  source: Folder;
  /** Where the Parquet and manifests go (PARQUET_SINK). */
  sink: Folder;
  /** Memory, threads and scratch space of the native engine. */
  engine: EngineSettings;
  /** Called after each file with the shard's totals so far. */
  onProgress?: (progress: ShardProgress) => void;
}

/**
 * The `ingest-shard` job: converts a group of one (platform, day)'s files into views Parquet,
 * per-minute counts and manifests in the sink. Re-runnable: each file's outputs have fixed keys
 * and are replaced whole. A file that cannot be read (missing, bad gzip) is recorded as failed in
 * the result and its manifest, not thrown; what is thrown is a transient JobError (retried).
 */
export async function ingestShard(payload: JobPayload<"ingest-shard">, deps: IngestShardDeps): Promise<ShardResult> {
  try {
    return await processShard(
      { platform: payload.platform, day: payload.day, files: payload.files },
      deps,
      deps.onProgress,
    );
  } catch (error) {
    throw toJobError(error, (e) => e instanceof UnreadableFileError);
  }
}
