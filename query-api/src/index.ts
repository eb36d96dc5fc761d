export { buildOpenApiDocument, createApp, MAX_BODY_BYTES } from "./app.ts";
export type { ApiConfig, AppDeps, AppEnv } from "./app_env.ts";
export { buildCtrQuery, type CtrQuery, type CtrQueryParams } from "./ctr_query.ts";
export { GENERATION_REREAD_MS, GenerationClock, type GenerationClockOptions } from "./data_generation.ts";
export { type ErrorBody, type ErrorCode, HttpError, isStoreUnreachable } from "./http_error.ts";
export { createLogger, type LoggerOptions, toApiConfig } from "./logger.ts";
export { type ApiMetrics, createMetrics } from "./metrics.ts";
export { negotiateFormat, type ResponseFormat } from "./response_format.ts";
export { type RunningServer, type ServeOptions, startServer } from "./server.ts";
