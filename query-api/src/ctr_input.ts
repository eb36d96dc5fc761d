import { type CtrRequest, parseCtrRequest } from "@ctr/schemas";
import type { Context } from "hono";
import type { AppEnv } from "./app_env.ts";
import { HttpError } from "./http_error.ts";
import { readQueryOnce, rejectUnknownFields } from "./query_input.ts";

/** The fields a /ctr request may carry; anything else is most likely a typo that would widen the result. */
export const CTR_FIELDS = ["startTimestamp", "endTimestamp", "aggregation", "product", "platform"] as const;

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
  const input = c.req.method === "POST" ? await readBody(c) : readQueryOnce(c);
  rejectUnknownFields(input, "/ctr", CTR_FIELDS);
  const parsed = parseCtrRequest(input);
  if (!parsed.ok) throw new HttpError("invalid_request", parsed.error.message, parsed.error.field);
  return parsed.request;
}
