import type { RefusedDay } from "@ctr/schemas";
import type { CommitResult } from "../commit/commit_platform_day.ts";
import type { ShardResult } from "../ingest/process_shard.ts";
import type { SyncPurchasesResult } from "./sync_purchases.ts";

/** What a purchase sync reported, as far as a backfill's summary needs it. */
export type PurchaseSyncOutcome = Pick<SyncPurchasesResult, "day" | "rows" | "purchases" | "unmapped" | "excluded">;

/** A step that failed, with its error's message. */
export interface Failure {
  step: string;
  message: string;
}

/**
 * Everything a backfill did: shard and commit results, purchase syncs, refused days, failures. The
 * in-process executor builds it as it goes; on the queue the flow's parent adds it up.
 */
export interface BackfillOutcome {
  shards: ShardResult[];
  commits: CommitResult[];
  purchases: PurchaseSyncOutcome[];
  /** Days left as they were because the run would have replaced loaded data with less. */
  refused: RefusedDay[];
  failures: Failure[];
}

/** An outcome with nothing in it yet. */
export function emptyOutcome(): BackfillOutcome {
  return { shards: [], commits: [], purchases: [], refused: [], failures: [] };
}
