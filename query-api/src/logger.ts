import {
  createLogger as createProcessLogger,
  type Logger,
  type LoggerOptions as ProcessLoggerOptions,
} from "@ctr/schemas";
import type { ApiConfig } from "./app_env.ts";

export type LoggerOptions = Omit<ProcessLoggerOptions, "service">;

/** The API's logger: the processes' one logger (@ctr/schemas), its lines tagged `ctr-api`, `requestId` on a request's. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return createProcessLogger({ ...options, service: "ctr-api" });
}

/** The API's settings out of the whole configuration. */
export function toApiConfig(config: ApiConfig): ApiConfig {
  const { apiKeys, corsOrigins, maxResultRows, resultCacheMb, requestTimeoutMs, dataDir, eventsSource, parquetSink } =
    config;
  return { apiKeys, corsOrigins, maxResultRows, resultCacheMb, requestTimeoutMs, dataDir, eventsSource, parquetSink };
}
