import { dayRangeSchema, PLATFORMS, toFieldError } from "@ctr/schemas";
import { type Context, Hono } from "hono";
import { z } from "zod";
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
 * A backfill's body: the day range as `ctr backfill` reads it. `allowEmpty` is the explicit consent to replace loaded days with an empty or shrunken listing
 * (issue 11); `source` is not a field: the API backfills EVENTS_SOURCE only.
 */
const BackfillBodySchema = dayRangeSchema().safeExtend({
  allowEmpty: z
    .boolean({ error: (issue) => `allowEmpty wants true or false, got ${JSON.stringify(issue.input)}` })
    .optional(),
});

const EXAMPLE = '{"from":"2016-02-01","to":"2016-02-07"}';

/** Reads `{from, to, platform?, allowEmpty?}`; every problem is a 400 naming the field. */
async function readBackfillBody(c: Context<AppEnv>) {
  readQueryParams(c, "POST /jobs/backfill (its fields go in the JSON body)", []);
  const fields = await readJsonObject(c, "/jobs/backfill", Object.keys(BackfillBodySchema.shape), EXAMPLE);
  // A null platform stands for all three, as an absent one.
  const parsed = BackfillBodySchema.safeParse(fields.platform === null ? { ...fields, platform: undefined } : fields);
  if (!parsed.success) {
    const { field, message } = toFieldError(parsed.error, "body");
    throw new HttpError("invalid_request", message, field);
  }
  const { from, to, platform, allowEmpty } = parsed.data;
  return { from, to, platforms: platform ? [platform] : [...PLATFORMS], ...(allowEmpty ? { allowEmpty } : {}) };
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
