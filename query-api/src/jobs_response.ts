import { JOB_CATALOG, type JobName, type JobStatus } from "@ctr/schemas";
import { z } from "zod";

/**
 * What `POST /jobs/backfill` and `GET /jobs/{id}` answer, for the OpenAPI document. JobStatus is the
 * job system's type (@ctr/schemas); the check below fails the build when the two drift apart.
 */

const count = (description: string) => z.int().nonnegative().meta({ description });
const jobName = z.enum(Object.keys(JOB_CATALOG) as [JobName, ...JobName[]]);

export const SubmittedJobSchema = z
  .object({
    id: z.string().meta({ description: "The job's id: the same request gives the same id" }),
    name: jobName,
    status: z.string().meta({ description: "Where to follow it: GET /jobs/{id}", examples: ["/jobs/backfill%3A..."] }),
  })
  .meta({ id: "SubmittedJob" });

const StepFailureSchema = z.object({ step: z.string(), message: z.string() });

export const JobStatusSchema = z
  .object({
    id: z.string(),
    name: jobName,
    state: z.enum(["waiting", "active", "completed", "failed"]),
    ok: z.boolean().meta({
      description: "True when the job finished, every step succeeded, nothing was refused and no file failed",
    }),
    progress: z.object({
      files: count("Source files done"),
      totalFiles: count("Source files planned"),
      bytes: count("Source bytes done"),
      totalBytes: count("Source bytes planned"),
      views: count("Product views read so far"),
    }),
    counts: z
      .object({
        files: count("Source files"),
        bytes: count("Source bytes"),
        events: count("Events read"),
        views: count("Product views stored"),
        ignored: count("Events that are not product views"),
        malformed: count("Lines or batches skipped as malformed"),
        viewRowsWritten: count("Rows now in product_views_per_minute_v1 for the committed platform-days"),
        committedDays: count("Platform-days committed"),
        purchaseRowsWritten: count("Rows written to purchases_per_minute_v1"),
        purchases: count("Purchases those rows hold"),
      })
      .optional()
      .meta({ description: "Present once the job finished" }),
    malformedLocations: z
      .array(z.object({ file: z.string(), position: z.string(), reason: z.string() }))
      .meta({ description: "Where malformed records were skipped: file, `line N` or `batch N`, and why" }),
    failures: z.array(StepFailureSchema).meta({ description: "Steps that failed, each with the reason" }),
    refused: z
      .array(
        z.object({
          step: z.string().meta({ examples: ["views iOS 2016-02-01"] }),
          message: z.string(),
          missingFiles: z.array(z.string()),
          missingCount: count("How many loaded files the listing lacks"),
        }),
      )
      .meta({
        description:
          "Days left as they were because they would have replaced loaded data with less (allowEmpty was not given)",
      }),
    failedFiles: z
      .array(z.object({ platform: z.string(), day: z.string(), file: z.string(), reason: z.string() }))
      .meta({ description: "Files that could not be read; their platform-days were committed without them (partial)" }),
    emptyDays: z
      .array(z.object({ platform: z.string(), day: z.string() }))
      .optional()
      .meta({
        description:
          "Platform-days the run listed without event files (no folder, or an empty one): nothing was loaded for them; once finished",
      }),
    committed: z
      .array(z.object({ platform: z.string(), day: z.string() }))
      .optional()
      .meta({ description: "The platform-days the run committed, by day then platform; once finished" }),
    submittedAt: z.string().optional().meta({ format: "date-time" }),
    finishedAt: z.string().optional().meta({ format: "date-time" }),
  })
  .meta({ id: "JobStatus" });

// Both ways: every JobStatus is described, and the description claims nothing JobStatus lacks.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const describesJobStatus: Same<z.infer<typeof JobStatusSchema>, JobStatus> = true;
void describesJobStatus;
