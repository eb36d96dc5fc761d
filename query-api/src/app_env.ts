import type { Config, JobSubmitter, Store } from "@ctr/schemas";
import type { Logger } from "pino";
import type { ApiMetrics } from "./metrics.ts";
import type { OneAtATime } from "./one_at_a_time.ts";
import type { ResultCache } from "./result_cache.ts";

/**
 * The settings of the API; the rest of Config is not its business. The folders are only there to be
 * hidden: messages sent to clients name them by their variable, never by their path.
 */
export type ApiConfig = Pick<
  Config,
  | "apiKeys"
  | "corsOrigins"
  | "maxResultRows"
  | "resultCacheMb"
  | "requestTimeoutMs"
  | "dataDir"
  | "eventsSource"
  | "parquetSink"
>;

/** What the app is built from. The composition root (`ctr serve`, tests) owns and closes them. */
export interface AppDeps {
  store: Store;
  config: ApiConfig;
  logger: Logger;
  metrics: ApiMetrics;
  /** The job system, when the process has one; routes that submit jobs answer 404 without it. */
  jobs?: JobSubmitter;
  /**
   * Whether /ctr reads the hourly and daily CTR rollups when they give the per-minute answer (ctr_tier.ts).
   * Default true; false forces the per-minute tables: the tests compare the tiers with it.
   */
  rollups?: boolean;
}

/** Hono's typed context: handlers read their dependencies with `c.get(...)`, never from module globals. */
export interface AppEnv {
  Variables: AppDeps & {
    requestId: string;
    /** The /ctr answers of the data's current generation (RESULT_CACHE_MB), built with the app. */
    resultCache: ResultCache;
    /** The /ctr requests whose answer may exceed MAX_RESULT_ROWS, run one at a time (ctr_route.ts). */
    largeRequests: OneAtATime;
    /** Aborts when the request's time (REQUEST_TIMEOUT_MS) is up or the client went away. */
    signal: AbortSignal;
  };
}
