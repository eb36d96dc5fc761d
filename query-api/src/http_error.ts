import { isUnreachableError } from "@ctr/schemas";
import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./app_env.ts";
import { serverPathHider } from "./server_paths.ts";

/** Every error code the API answers with, and its HTTP status. */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  not_found: 404,
  request_timeout: 408,
  payload_too_large: 413,
  uri_too_long: 414,
  result_too_large: 422,
  headers_too_large: 431,
  internal_error: 500,
  store_unavailable: 503,
  timeout: 504,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The body of every error response: `{"error":{"code","message","field"?}}`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

/** The one error class of the API: a code (which fixes the status), a message for the client, maybe a field. */
export class HttpError extends Error {
  override name = "HttpError";
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = ERROR_STATUS[code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

/** Walks an error and its causes (a StoreError wraps the client's error, which wraps the socket's). */
function someCause(error: unknown, test: (error: Error) => boolean): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (test(current)) return true;
    current = current.cause;
  }
  return false;
}

/** True when an error means ClickHouse could not be reached, as opposed to a query that failed in it. */
export function isStoreUnreachable(error: unknown): boolean {
  // The socket's errors, or the client's own timeout: the server was not there to answer.
  return someCause(error, (e) => isUnreachableError(e) || /^Timeout error\.?$/.test(e.message));
}

/**
 * True when ClickHouse stopped a query for running past `max_execution_time`. Duck-typed: chDB
 * raises @clickhouse/client-common's ClickHouseError, a different class from the client's own.
 */
function isStoreTimeout(error: unknown): boolean {
  return someCause(error, (e) => (e as { type?: unknown }).type === "TIMEOUT_EXCEEDED" || e.name === "TimeoutError");
}

/**
 * Maps anything thrown to the HttpError the client sees; unknown errors become a bare 500. The API's
 * own HttpErrors say what they were written to say; a text from elsewhere (a library's 4xx) goes
 * through `hide` (server_paths.ts), as it may name the server's files.
 */
export function toHttpError(error: unknown, hide: (text: string) => string = (text) => text): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof HTTPException) {
    // Hono's own exceptions (malformed JSON and the like) are the client's mistake when they are 4xx.
    return error.status < 500
      ? new HttpError("invalid_request", hide(error.message || "the request is malformed"), "body")
      : new HttpError("internal_error", "internal error", undefined, { cause: error });
  }
  if (isStoreUnreachable(error)) {
    return new HttpError(
      "store_unavailable",
      "the data store (ClickHouse) is unreachable; try again later",
      undefined,
      {
        cause: error,
      },
    );
  }
  if (isStoreTimeout(error)) {
    return new HttpError("timeout", "the request took too long; narrow the time range or add filters", undefined, {
      cause: error,
    });
  }
  return new HttpError("internal_error", "internal error", undefined, { cause: error });
}

/**
 * `app.onError`: answers with the JSON error body. A 5xx says nothing internal to the client;
 * the details go to the log under the request id, which the client gets in X-Request-Id.
 */
export const handleError: ErrorHandler<AppEnv> = (error, c) => {
  const httpError = toHttpError(error, serverPathHider(c.get("config")));
  const requestId = c.get("requestId");
  if (httpError.status >= 500) {
    c.get("logger").error({ err: error, requestId, code: httpError.code }, "request failed");
  }
  if (httpError.code === "unauthorized") c.header("WWW-Authenticate", 'Bearer realm="ctr"');
  return c.json(httpError.toBody(), httpError.status);
};
