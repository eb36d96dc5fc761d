import { type CtrRequest, parseCtrRequest } from "@ctr/schemas";
import type { Context } from "hono";
import type { AppEnv } from "./app_env.ts";
import { HttpError } from "./http_error.ts";
import { readJsonObject, readQueryParams } from "./request_input.ts";

/** The fields a /ctr request may carry; anything else is most likely a typo that would widen the result. */
export const CTR_FIELDS = ["startTimestamp", "endTimestamp", "aggregation", "product", "platform"] as const;

const EXAMPLE = '{"startTimestamp":"2016-02-01 10:00:00","endTimestamp":"2016-02-01 12:00:00","aggregation":60}';

/** Reads and validates a /ctr request from the query string (GET) or the JSON body (POST). */
export async function readCtrRequest(c: Context<AppEnv>): Promise<CtrRequest> {
  let input: Record<string, unknown>;
  if (c.req.method === "POST") {
    // A field in the query string of a POST would be ignored: refused, like any unknown field.
    readQueryParams(c, "POST /ctr (its fields go in the JSON body)", []);
    input = await readJsonObject(c, "/ctr", CTR_FIELDS, EXAMPLE);
  } else {
    input = Object.fromEntries(readQueryParams(c, "/ctr", CTR_FIELDS));
  }
  const parsed = parseCtrRequest(input);
  if (!parsed.ok) throw new HttpError("invalid_request", parsed.error.message, parsed.error.field);
  return parsed.request;
}
