/**
 * The coordinator of one queued backfill, in its own process:
 *   measure.ts <input.json>
 * Runs `ctr backfill`'s queued path (REDIS_URL, QUEUE_PREFIX, CTR_DATA_DIR from the environment):
 * submits the flow, consumes the store queue (commits into the embedded chDB) and waits for the end.
 */
import { readFile } from "node:fs/promises";
import { runBackfill } from "@ctr/jobs";
import { loadConfig, PLATFORMS } from "@ctr/schemas";
import type { IngestInput } from "../ingest/input.ts";
import { reportMeasured } from "../measured_child.ts";

const [inputFile] = process.argv.slice(2);
if (!inputFile) throw new Error("usage: measure.ts <input.json>");
const input = JSON.parse(await readFile(inputFile, "utf8")) as IngestInput;
const config = loadConfig({ ...process.env, EVENTS_SOURCE: input.dir });

await reportMeasured(async () => {
  if (!config.redisUrl) throw new Error("measure.ts runs the queued path: set REDIS_URL");
  const summary = await runBackfill(
    config,
    { from: input.from, to: input.to, platforms: PLATFORMS },
    { isTTY: false, write: (text: string) => process.stderr.write(text) },
  );
  return {
    files: summary.files,
    views: summary.views,
    viewRowsWritten: summary.viewRowsWritten,
    failures: summary.failures.map((f) => `${f.step}: ${f.message}`),
  };
});
