/**
 * One measured ingest run in its own process (its peak RSS is its own):
 *   measure.ts phases|plain|duckdb|chdb|idea:<idea> <input.json> <workDir>
 * Prints the result line of measured_child.ts.
 */
import { mkdir, readFile, rm } from "node:fs/promises";
import { reportMeasured } from "../measured_child.ts";
import { convertWithChdb } from "./chdb_baseline.ts";
import { embeddedConfig, runPhases } from "./convert_phase.ts";
import { convertPlainWithDuckDb, convertWithDuckDb } from "./duckdb_baseline.ts";
import { countViews, IDEAS, type Idea, ideaFiles, runIdea } from "./ideas.ts";
import type { IngestInput } from "./input.ts";

const [kind, inputFile, workDir] = process.argv.slice(2);
if (!kind || !inputFile || !workDir)
  throw new Error("usage: measure.ts phases|plain|duckdb|chdb|idea:<idea> <input.json> <workDir>");
const input = JSON.parse(await readFile(inputFile, "utf8")) as IngestInput;
// Each run starts from an empty output folder: nothing left over from an earlier run is reused.
await rm(workDir, { recursive: true, force: true });
await mkdir(workDir, { recursive: true });

if (kind === "phases") {
  await reportMeasured(() => runPhases(embeddedConfig(workDir, input), input));
} else if (kind === "plain") {
  await reportMeasured(() => convertPlainWithDuckDb(input.files, workDir));
} else if (kind === "duckdb") {
  await reportMeasured(() => convertWithDuckDb(input.files, workDir));
} else if (kind === "chdb") {
  await reportMeasured(() => convertWithChdb(input.dir, workDir));
} else if (kind.startsWith("idea:") && IDEAS.includes(kind.slice(5) as Idea)) {
  await reportMeasured(
    () => runIdea(kind.slice(5) as Idea, ideaFiles(input), workDir),
    () => countViews(workDir),
  );
} else {
  throw new Error(`unknown ingest run '${kind}': phases, plain, duckdb, chdb or idea:<${IDEAS.join("|")}>`);
}
