import { dayRangeSchema, MAX_BACKFILL_DAYS, PLATFORMS } from "@ctr/schemas";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app_env.ts";
import { HttpError } from "./http_error.ts";
import { JobStatusSchema, SubmittedJobSchema } from "./jobs_response.ts";
import { BODY_TOO_LARGE, COMMON_ERRORS, errorResponse, inputError, serveOperation, UNAUTHORIZED } from "./openapi.ts";
import { readBody, readNoQuery, refusalOf } from "./request_input.ts";
import { hideServerPathsOfStatus, serverPathHider } from "./server_paths.ts";

function submitter(c: Context<AppEnv>) {
  const jobs = c.get("jobs");
  if (!jobs) throw NO_JOB_SYSTEM;
  return jobs;
}

/**
 * A backfill's body: the day range as `ctr backfill` reads it. `allowEmpty` is the explicit consent to
 * replace loaded days with an empty or shrunken listing; `source` is not a field: the API
 * backfills EVENTS_SOURCE only.
 */
const BackfillBodySchema = dayRangeSchema().safeExtend({
  allowEmpty: z
    .boolean({ error: (issue) => `allowEmpty wants true or false, got ${JSON.stringify(issue.input)}` })
    .optional()
    .meta({
      default: false,
      description:
        "Consent to replace loaded data with less. Without it a platform-day whose listing is empty or lacks files that were loaded, and a day of purchases that returns no order items where an earlier sync had some, are refused: left as they were and listed under `refused` in the job's status.",
    }),
});

const NO_JOB_SYSTEM = new HttpError("not_found", "this process takes no jobs (started without a job system)");

export const submitBackfillRoute = createRoute({
  method: "post",
  path: "/jobs/backfill",
  operationId: "submitBackfill",
  tags: ["Jobs"],
  summary: "Submit a backfill: views of the day folders and purchases of those days; answered at once",
  description: `The range covers at most ${MAX_BACKFILL_DAYS} days (both included). Nothing loaded is replaced by less unless \`allowEmpty\` is true. Submitting the same request again returns the same job while it is waiting or running.`,
  request: {
    body: {
      required: true,
      content: {
        "application/json": { schema: BackfillBodySchema, example: { from: "2016-02-01", to: "2016-02-07" } },
      },
    },
  },
  responses: {
    202: {
      description: "Accepted; follow it at `status` (also in the Location header)",
      headers: z.object({ Location: z.string().meta({ description: "GET /jobs/{id} of the job" }) }),
      content: { "application/json": { schema: SubmittedJobSchema } },
    },
    ...inputError(refusalOf(BackfillBodySchema, { from: "2016-02-07", to: "2016-02-01" })),
    404: errorResponse("This process takes no jobs (started without a job system)", NO_JOB_SYSTEM),
    ...BODY_TOO_LARGE,
    ...UNAUTHORIZED,
    ...COMMON_ERRORS,
  },
});

export const jobStatusRoute = createRoute({
  method: "get",
  path: "/jobs/{id}",
  operationId: "getJob",
  tags: ["Jobs"],
  summary: "A job's state, progress and, once finished, its counts and what went wrong",
  description:
    "Counts, malformed records, failed steps, refused days and files that could not be read. Server paths are shown by the variable that sets their folder ($EVENTS_SOURCE/...).",
  request: {
    params: z.object({ id: z.string().meta({ description: "The id POST /jobs/backfill returned" }) }),
  },
  responses: {
    200: { description: "The job's status", content: { "application/json": { schema: JobStatusSchema } } },
    ...inputError(
      new HttpError("invalid_request", "verbose is not a parameter of /jobs/{id}; it takes none", "verbose"),
    ),
    404: errorResponse(
      "No such job (never submitted, or expired), or this process takes no jobs",
      new HttpError("not_found", "no job backfill:... (never submitted, or expired)"),
    ),
    ...UNAUTHORIZED,
    ...COMMON_ERRORS,
  },
});

async function submitBackfill(c: Context<AppEnv>): Promise<Response> {
  const jobs = submitter(c);
  const { from, to, platform, allowEmpty } = await readBody(c, submitBackfillRoute);
  const submitted = await jobs.submit("backfill", {
    from,
    to,
    platforms: platform ? [platform] : [...PLATFORMS],
    ...(allowEmpty ? { allowEmpty } : {}),
  });
  const status = `/jobs/${encodeURIComponent(submitted.id)}`;
  c.header("Location", status);
  return c.json({ id: submitted.id, name: submitted.name, status }, 202);
}

async function showJob(c: Context<AppEnv>): Promise<Response> {
  const jobs = submitter(c);
  readNoQuery(c, jobStatusRoute);
  const id = c.req.param("id") ?? "";
  const status = await jobs.status(id);
  if (!status) throw new HttpError("not_found", `no job ${id} (never submitted, or expired)`);
  // The failures name files of the server; the job system logged them whole when they happened.
  return c.json(hideServerPathsOfStatus(status, serverPathHider(c.get("config"))));
}

/**
 * Job submission: `POST /jobs/backfill` answers 202 with the job's id as soon as the job system has
 * it; `GET /jobs/{id}` its state, progress and, once finished, counts, malformed-record locations
 * and failed steps. The job system is injected (in-process or BullMQ); the ids are deterministic.
 */
export function jobsRoutes(): OpenAPIHono<AppEnv> {
  const routes = new OpenAPIHono<AppEnv>();
  serveOperation(routes, submitBackfillRoute, submitBackfill);
  serveOperation(routes, jobStatusRoute, showJob);
  return routes;
}
