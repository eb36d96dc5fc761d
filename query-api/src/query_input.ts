import type { Context } from "hono";
import type { AppEnv } from "./app_env.ts";
import { HttpError } from "./http_error.ts";

/**
 * Refuses a field the route does not take: it is most likely a typo that would widen the result
 * silently (`platfrom=iOS` answering for every platform).
 */
export function rejectUnknownFields(input: Record<string, unknown>, route: string, fields: readonly string[]): void {
  const unknown = Object.keys(input).find((key) => !fields.includes(key));
  if (unknown !== undefined) {
    throw new HttpError(
      "invalid_request",
      `${unknown} is not a parameter of ${route}; expected ${fields.join(", ")}`,
      unknown,
    );
  }
}

/** The query string as one value per field; a field given twice is refused, not silently resolved. */
export function readQueryOnce(c: Context<AppEnv>): Record<string, string> {
  const input: Record<string, string> = {};
  for (const [field, values] of Object.entries(c.req.queries())) {
    if (values.length > 1) {
      throw new HttpError("invalid_request", `${field} must be given once, got ${values.length} values`, field);
    }
    input[field] = values[0] ?? "";
  }
  return input;
}
