import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { ConfigError } from "./config_error.ts";

const url = (protocols: readonly string[], example: string) =>
  z
    .string()
    .trim()
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `wants a URL like ${example}`);

const positiveInt = (fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "wants a positive whole number")
    .transform(Number)
    .refine((n) => n > 0, "wants a positive whole number")
    .prefault(String(fallback));

const wholeNumber = (fallback: number) =>
  z.string().trim().regex(/^\d+$/, "wants a whole number (0 or more)").transform(Number).prefault(String(fallback));

const list = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== ""),
  );

const location = z.string().trim().min(1, "wants a folder or an s3://bucket/prefix URL");

/** Every environment variable the engine reads, with its default. Parsed once, at start-up. */
const EnvSchema = z.object({
  /** Root of everything the embedded deployment keeps. Default `./data`. */
  CTR_DATA_DIR: z.string().trim().min(1).default("./data"),
  /** HTTP port of `ctr serve`. Default 3000. */
  PORT: z
    .string()
    .trim()
    .regex(/^\d+$/, "wants a TCP port number")
    .transform(Number)
    .refine((n) => n > 0 && n < 65536, "wants a TCP port number (1..65535)")
    .prefault("3000"),
  /** A ClickHouse server's HTTP URL. Unset: embedded ClickHouse (chDB) under CTR_DATA_DIR/clickhouse. */
  CLICKHOUSE_URL: url(["http:", "https:"], "http://host:8123").optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  /** Database holding the engine's tables. Default `ctr`. */
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "wants a plain identifier")
    .default("ctr"),
  /**
   * The cluster (remote_servers) the tables are replicated on: migrations run ON CLUSTER with
   * ReplicatedMergeTree, commits stage replicated. Needs CLICKHOUSE_URL. Default: unset, one server.
   */
  CLICKHOUSE_CLUSTER: z
    .string()
    .trim()
    .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "wants a cluster name of remote_servers (letters, digits, '_', '-')")
    .optional(),
  /** Redis for BullMQ. Unset: jobs run in-process. */
  REDIS_URL: url(["redis:", "rediss:"], "redis://host:6379").optional(),
  /**
   * Redis's password, when it is kept apart from REDIS_URL (one Secret key that KEDA's Redis scaler
   * reads too). Default: unset, the password (if any) is REDIS_URL's.
   */
  REDIS_PASSWORD: z.string().optional(),
  /** The orders database. Unset: SQLite at CTR_DATA_DIR/orders.sqlite. */
  ORDERS_DATABASE_URL: url(
    ["mysql:", "mariadb:", "postgres:", "postgresql:", "sqlite:", "file:"],
    "postgres://user@host/db, mysql://root@host/db or sqlite:///path/orders.sqlite",
  ).optional(),
  /** Where the event folders are. Default CTR_DATA_DIR/raw. */
  EVENTS_SOURCE: location.optional(),
  /** Where Parquet goes. Default CTR_DATA_DIR/parquet. */
  PARQUET_SINK: location.optional(),
  /** Endpoint of an S3-compatible store (MinIO, s3rver, ...). Unset: AWS. */
  S3_ENDPOINT: url(["http:", "https:"], "http://localhost:9000").optional(),
  AWS_REGION: z.string().default("us-east-1"),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  /** Order statuses that do not count as purchases, comma-separated, compared case-insensitively. Default: none. */
  PURCHASE_EXCLUDED_STATUSES: list,
  /** Bearer tokens accepted by the API, comma-separated. Default: none, the API is open. */
  API_KEYS: list,
  /** Origins allowed by CORS, comma-separated. Default: none. */
  CORS_ORIGINS: list,
  /** Largest /ctr result served; larger ones are refused up front. Default 1,000,000 rows. */
  MAX_RESULT_ROWS: positiveInt(1_000_000),
  /**
   * Memory for the API's /ctr result cache, in MiB (one response at most an eighth of it); 0 turns the
   * cache off. Default 64.
   */
  RESULT_CACHE_MB: wholeNumber(64).refine((n) => n <= 65_536, "wants at most 65536 (MiB)"),
  /** Per-request timeout of the API. Default 30,000 ms. */
  REQUEST_TIMEOUT_MS: positiveInt(30_000),
  /** Shards processed at once by one process. Default: the number of cores. */
  WORKER_CONCURRENCY: positiveInt(os.availableParallelism()),
  /** Upper bound of the source bytes one shard reads. Default 256 MiB. */
  SHARD_MAX_BYTES: positiveInt(256 * 1024 * 1024),
  /** Memory the native engine may use per shard. Default 512 MiB. */
  ENGINE_MEMORY_LIMIT_MB: positiveInt(512),
  /**
   * How long `ctr worker` may take on SIGTERM to finish or release its current jobs before it exits.
   * Deployments give the process at least this long (terminationGracePeriodSeconds). Default 60,000 ms.
   */
  WORKER_SHUTDOWN_TIMEOUT_MS: positiveInt(60_000),
  /** Prefix of every BullMQ key in Redis: deployments (or tests) sharing a Redis keep apart by it. Default `ctr`. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "wants letters, digits, '-' or '_'")
    .default("ctr"),
  /**
   * How long a worker holds a job's lock between renewals; a job whose worker died is taken up again
   * after this (plus up to one stalled-check interval). Default 60,000 ms.
   */
  WORKER_LOCK_DURATION_MS: positiveInt(60_000),
  /** How often workers look for jobs whose lock expired (a killed worker's). Default 30,000 ms. */
  WORKER_STALLED_INTERVAL_MS: positiveInt(30_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof EnvSchema>;

/** A place files live: a local folder or an S3 prefix. */
export type Location = { kind: "local"; dir: string } | { kind: "s3"; bucket: string; prefix: string };

export interface Config {
  dataDir: string;
  port: number;
  clickhouse:
    | { kind: "embedded"; path: string; database: string }
    | { kind: "server"; url: string; username?: string; password?: string; database: string; cluster?: string };
  redisUrl?: string;
  ordersDatabaseUrl: string;
  /** True when ORDERS_DATABASE_URL is unset: the SQLite file under CTR_DATA_DIR, which only this machine sees. */
  ordersDatabaseIsLocalDefault: boolean;
  eventsSource: Location;
  parquetSink: Location;
  s3: { endpoint?: string; region: string; accessKeyId?: string; secretAccessKey?: string };
  purchaseExcludedStatuses: string[];
  apiKeys: string[];
  corsOrigins: string[];
  maxResultRows: number;
  /** Memory of the API's result cache in MiB; 0: no cache. */
  resultCacheMb: number;
  requestTimeoutMs: number;
  workerConcurrency: number;
  shardMaxBytes: number;
  engineMemoryLimitMb: number;
  workerShutdownTimeoutMs: number;
  queuePrefix: string;
  workerLockDurationMs: number;
  workerStalledIntervalMs: number;
  logLevel: Env["LOG_LEVEL"];
}

/**
 * Why S3 would refuse a bucket name (its naming rules: 3 to 63 characters, lowercase letters, digits,
 * dots and hyphens, a letter or digit at each end), or undefined when it is valid.
 */
export function bucketNameProblem(bucket: string): string | undefined {
  if (bucket === "") return "the bucket name is empty";
  const quoted = JSON.stringify(bucket);
  const others = [...new Set(bucket.replace(/[a-z0-9.-]/g, ""))];
  if (others.length > 0) {
    const shown = others.map((c) => JSON.stringify(c)).join(", ");
    const upper = others.some((c) => c !== c.toLowerCase()) ? " (S3 bucket names are lowercase)" : "";
    return `${quoted} has ${shown}: a bucket name has only lowercase letters, digits, dots and hyphens${upper}`;
  }
  if (bucket.length < 3 || bucket.length > 63) {
    return `${quoted} is ${bucket.length} characters long: a bucket name has 3 to 63`;
  }
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket)) {
    return `${quoted} must start and end with a lowercase letter or a digit`;
  }
  return undefined;
}

/** Parses `s3://bucket/prefix` or a folder. Relative folders resolve against the working directory. */
export function parseLocation(value: string, variable = "location"): Location {
  if (value.startsWith("s3://")) {
    const rest = value.slice("s3://".length);
    const slash = rest.indexOf("/");
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? "" : rest.slice(slash + 1).replace(/\/+$/, "");
    const problem = bucketNameProblem(bucket);
    if (problem)
      throw new ConfigError(variable, `wants s3://bucket/prefix with a valid bucket name, got ${value}: ${problem}`);
    return { kind: "s3", bucket, prefix };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigError(variable, `wants a folder or an s3://bucket/prefix URL, got ${value}`);
  }
  return { kind: "local", dir: path.resolve(value) };
}

/** Formats a location back into the string form users write. */
export function formatLocation(location: Location): string {
  return location.kind === "local"
    ? location.dir
    : `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ""}`;
}

/** REDIS_URL with REDIS_PASSWORD in it; refused when either is missing or both carry a password. */
function withRedisPassword(redisUrl: string | undefined, password: string | undefined): string | undefined {
  if (password === undefined) return redisUrl;
  if (redisUrl === undefined) throw new ConfigError("REDIS_PASSWORD", "set without REDIS_URL: set both, or neither");
  const url = new URL(redisUrl);
  if (url.password !== "") {
    throw new ConfigError("REDIS_PASSWORD", "set while REDIS_URL carries a password too: keep it in one of them");
  }
  url.password = encodeURIComponent(password);
  return url.toString();
}

/**
 * Reads the configuration from the environment once. Empty variables count as unset.
 * Throws ConfigError naming the first variable that is wrong and what it wants.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.keys(EnvSchema.shape)
      .map((key) => [key, env[key]] as const)
      .filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? "environment");
    throw new ConfigError(variable, `${issue?.message ?? "invalid"} (got ${JSON.stringify(env[variable])})`);
  }
  const e = parsed.data;
  if (e.CLICKHOUSE_CLUSTER && !e.CLICKHOUSE_URL) {
    throw new ConfigError(
      "CLICKHOUSE_CLUSTER",
      "needs CLICKHOUSE_URL: the embedded ClickHouse is one process, not a cluster",
    );
  }
  const dataDir = path.resolve(e.CTR_DATA_DIR);
  const redisUrl = withRedisPassword(e.REDIS_URL, e.REDIS_PASSWORD);
  return {
    dataDir,
    port: e.PORT,
    clickhouse: e.CLICKHOUSE_URL
      ? {
          kind: "server",
          url: e.CLICKHOUSE_URL,
          username: e.CLICKHOUSE_USER,
          password: e.CLICKHOUSE_PASSWORD,
          database: e.CLICKHOUSE_DATABASE,
          ...(e.CLICKHOUSE_CLUSTER ? { cluster: e.CLICKHOUSE_CLUSTER } : {}),
        }
      : { kind: "embedded", path: path.join(dataDir, "clickhouse"), database: e.CLICKHOUSE_DATABASE },
    redisUrl,
    ordersDatabaseUrl: e.ORDERS_DATABASE_URL ?? `sqlite://${path.join(dataDir, "orders.sqlite")}`,
    ordersDatabaseIsLocalDefault: e.ORDERS_DATABASE_URL === undefined,
    eventsSource: parseLocation(e.EVENTS_SOURCE ?? path.join(dataDir, "raw"), "EVENTS_SOURCE"),
    parquetSink: parseLocation(e.PARQUET_SINK ?? path.join(dataDir, "parquet"), "PARQUET_SINK"),
    s3: {
      endpoint: e.S3_ENDPOINT,
      region: e.AWS_REGION,
      accessKeyId: e.AWS_ACCESS_KEY_ID,
      secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
    },
    purchaseExcludedStatuses: e.PURCHASE_EXCLUDED_STATUSES,
    apiKeys: e.API_KEYS,
    corsOrigins: e.CORS_ORIGINS,
    maxResultRows: e.MAX_RESULT_ROWS,
    resultCacheMb: e.RESULT_CACHE_MB,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    shardMaxBytes: e.SHARD_MAX_BYTES,
    engineMemoryLimitMb: e.ENGINE_MEMORY_LIMIT_MB,
    workerShutdownTimeoutMs: e.WORKER_SHUTDOWN_TIMEOUT_MS,
    queuePrefix: e.QUEUE_PREFIX,
    workerLockDurationMs: e.WORKER_LOCK_DURATION_MS,
    workerStalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS,
    logLevel: e.LOG_LEVEL,
  };
}

/** The environment variables the configuration schema knows, for deployment checks. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);
