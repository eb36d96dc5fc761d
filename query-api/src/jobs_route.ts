import { dayCount, MAX_BACKFILL_DAYS, PLATFORMS, parseDay, parsePlatformName } from "@ctr/schemas";
import { type Context, Hono } from "hono";
import type { AppEnv } from "./app_env.ts";
import { HttpError } from "./http_error.ts";
import { readJsonObject, readQueryParams } from "./request_input.ts";
import { hideServerPathsOfStatus, serverFoldersOf } from "./server_paths.ts";

function submitter(c: Context<AppEnv>) {
  const jobs = c.get("jobs");
  if (!jobs) throw new HttpError("not_found", "this process takes no jobs (started without a job system)");
  return jobs;
}

/**
 * The fields of a backfill body. `allowEmpty` is the explicit consent to replace loaded days with an
 * empty or shrunken listing (issue 11); `source` is not one: the API backfills EVENTS_SOURCE only.
 */
export const BACKFILL_FIELDS = ["from", "to", "platform", "allowEmpty"] as const;

const EXAMPLE = '{"from":"2016-02-01","to":"2016-02-07"}';

/** Reads `{from, to, platform?, allowEmpty?}`; every problem is a 400 naming the field. */
async function readBackfillBody(c: Context<AppEnv>) {
  readQueryParams(c, "POST /jobs/backfill (its fields go in the JSON body)", []);
  const fields = await readJsonObject(c, "/jobs/backfill", BACKFILL_FIELDS, EXAMPLE);
  const day = (field: "from" | "to") => {
    const value = fields[field];
    const date = typeof value === "string" ? parseDay(value) : undefined;
    if (!date)
      throw new HttpError(
        "invalid_request",
        `${field} wants a day as YYYY-MM-DD, got ${JSON.stringify(value ?? null)}`,
        field,
      );
    return { text: value as string, date };
  };
  const from = day("from");
  const to = day("to");
  if (from.date > to.date) throw new HttpError("invalid_request", `from ${from.text} is after to ${to.text}`, "to");
  if (dayCount(from.date, to.date) > MAX_BACKFILL_DAYS) {
    throw new HttpError("invalid_request", `the range may cover at most ${MAX_BACKFILL_DAYS} days`, "to");
  }
  const raw = fields.platform;
  const platform =
    raw === undefined || raw === null ? undefined : typeof raw === "string" ? parsePlatformName(raw) : undefined;
  if (raw !== undefined && raw !== null && !platform) {
    throw new HttpError(
      "invalid_request",
      `platform wants one of ${PLATFORMS.join(", ")}, got ${JSON.stringify(raw)}`,
      "platform",
    );
  }
  const allowEmpty = fields.allowEmpty;
  if (allowEmpty !== undefined && typeof allowEmpty !== "boolean") {
    throw new HttpError(
      "invalid_request",
      `allowEmpty wants true or false, got ${JSON.stringify(allowEmpty)}`,
      "allowEmpty",
    );
  }
  return {
    from: from.text,
    to: to.text,
    platforms: platform ? [platform] : [...PLATFORMS],
    ...(allowEmpty ? { allowEmpty } : {}),
  };
}

/**
 * Job submission: `POST /jobs/backfill` answers 202 with the job's id as soon as the job system has
 * it; `GET /jobs/:id` its state, progress and, once finished, counts, malformed-record locations
 * and failed steps. The job system is injected (in-process or BullMQ); the ids are deterministic.
 */
export const jobsRoutes = new Hono<AppEnv>();

jobsRoutes.post("/jobs/backfill", async (c) => {
  const jobs = submitter(c);
  const payload = await readBackfillBody(c);
  const submitted = await jobs.submit("backfill", payload);
  c.header("Location", `/jobs/${encodeURIComponent(submitted.id)}`);
  return c.json({ id: submitted.id, name: submitted.name, status: `/jobs/${encodeURIComponent(submitted.id)}` }, 202);
});

jobsRoutes.get("/jobs/:id", async (c) => {
  const jobs = submitter(c);
  readQueryParams(c, "/jobs/:id", []);
  const id = c.req.param("id");
  const status = await jobs.status(id);
  if (!status) throw new HttpError("not_found", `no job ${id} (never submitted, or expired)`);
  // The failures name files of the server; the job system logged them whole when they happened.
  return c.json(hideServerPathsOfStatus(status, serverFoldersOf(c.get("config"))));
});
