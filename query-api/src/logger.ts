import pino, { type Logger } from "pino";
import type { ApiConfig } from "./app_env.ts";

export interface LoggerOptions {
  /** pino level (LOG_LEVEL). Default `info`. */
  level?: string;
  /** Where JSON lines go. Default stdout. */
  destination?: NodeJS.WritableStream;
}

/** The API's structured JSON logger: one line per event, the request id on every request's lines. */
export function createLogger({ level = "info", destination }: LoggerOptions = {}): Logger {
  return pino({ level, base: { service: "ctr-api" }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** The API's settings out of the whole configuration. */
export function toApiConfig(config: ApiConfig): ApiConfig {
  const { apiKeys, corsOrigins, maxResultRows, requestTimeoutMs } = config;
  return { apiKeys, corsOrigins, maxResultRows, requestTimeoutMs };
}
