import { type CtrRequest, parseCtrRequest } from "@ctr/schemas";
import type { Context } from "hono";
import type { AppEnv } from "./app_env.ts";
import { HttpError } from "./http_error.ts";

/** The fields a /ctr request may carry; anything else is most likely a typo that would widen the result. */
export const CTR_FIELDS = ["startTimestamp", "endTimestamp", "aggregation", "product", "platform"] as const;

function rejectUnknownFields(input: Record<string, unknown>): void {
  const unknown = Object.keys(input).find((key) => !(CTR_FIELDS as readonly string[]).includes(key));
  if (unknown !== undefined) {
    throw new HttpError(
      "invalid_request",
      `${unknown} is not a parameter of /ctr; expected ${CTR_FIELDS.join(", ")}`,
      unknown,
    );
  }
}

/** The query string as one value per field; a field given twice is refused, not silently resolved. */
function readQuery(c: Context<AppEnv>): Record<string, string> {
  const input: Record<string, string> = {};
  for (const [field, values] of Object.entries(c.req.queries())) {
    if (values.length > 1) {
      throw new HttpError("invalid_request", `${field} must be given once, got ${values.length} values`, field);
    }
    input[field] = values[0] ?? "";
  }
  return input;
}

/** The JSON body; anything else (not JSON, not an object) is a 400 naming `body`. */
async function readBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError("invalid_request", "the body must be a JSON object with the /ctr fields", "body");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError("invalid_request", "the body must be a JSON object with the /ctr fields", "body");
  }
  return body as Record<string, unknown>;
}

/** Reads and validates a /ctr request from the query string (GET) or the JSON body (POST). */
export async function readCtrRequest(c: Context<AppEnv>): Promise<CtrRequest> {
  const input = c.req.method === "POST" ? await readBody(c) : readQuery(c);
  rejectUnknownFields(input);
  const parsed = parseCtrRequest(input);
  if (!parsed.ok) throw new HttpError("invalid_request", parsed.error.message, parsed.error.field);
  return parsed.request;
}
