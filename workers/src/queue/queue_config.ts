import type { Config } from "@ctr/schemas";

/** What the queue's producers and workers need of the configuration: Redis, the key prefix, the lock settings. */
export type QueueConfig = Pick<
  Config,
  "queuePrefix" | "workerConcurrency" | "workerLockDurationMs" | "workerStalledIntervalMs" | "workerShutdownTimeoutMs"
> & { redisUrl: string };

/** The queue settings of the configuration, or undefined when REDIS_URL is unset (jobs run in-process). */
export function queueConfigOf(config: Config): QueueConfig | undefined {
  return config.redisUrl ? { ...config, redisUrl: config.redisUrl } : undefined;
}
