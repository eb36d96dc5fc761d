/**
 * Diagnosis, not part of `npm run bench`: where one file's conversion time goes in the product
 * against one native statement, all on a one-thread DuckDB (what a shard gets when two run at once).
 *   npx tsx bench/ingest/file_passes.ts [--day YYYY-MM-DD] FILE...
 * The day is the folder day the views are judged against (default 2016-02-01, the sample's and the generator's).
 * Prints, per file, the product's conversion (its views pass and count pass, run at once on two
 * connections), its per-minute counts, and the DuckDB baseline's single statement for that file.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { viewTimeWindow } from "@ctr/schemas";
import { openEngine } from "@ctr/workers";
import { isGzipped, readHead, sniffShape } from "@ctr/workers/ingest/file_shape";
import { convertFile, maxObjectBytes, writeMinuteCounts } from "@ctr/workers/ingest/native_convert";
import { convertWithDuckDb } from "./duckdb_baseline.ts";

const args = process.argv.slice(2);
const dayFlag = args[0] === "--day" ? args.splice(0, 2)[1] : undefined;
const window = viewTimeWindow(dayFlag ?? "2016-02-01");
const files = args;
if (files.length === 0) throw new Error("usage: file_passes.ts [--day YYYY-MM-DD] FILE...");
const scratch = await mkdtemp(path.join(os.tmpdir(), "ctr-file-passes-"));
const timed = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return Math.round(performance.now() - started);
};
try {
  for (const file of files) {
    const shape = sniffShape(await readHead(file, isGzipped(file)));
    const engine = await openEngine({ memoryLimitMb: 512, threads: 1, tempDir: scratch });
    const connections = [await engine.connect(), await engine.connect()] as const;
    const events = path.join(scratch, "events.parquet");
    const productConvertMs = await timed(() =>
      convertFile(
        connections,
        { path: file, shape, maxObjectBytes: maxObjectBytes(shape, 512) },
        { platform: "iOS", sourceFile: file, window },
        events,
      ),
    );
    const productCountsMs = await timed(() =>
      writeMinuteCounts(connections[0], events, path.join(scratch, "counts.parquet"), window),
    );
    for (const connection of connections) connection.closeSync();
    engine.closeSync();
    const baselineMs = await timed(() => convertWithDuckDb([file], scratch, 1));
    const product = productConvertMs + productCountsMs;
    process.stdout.write(
      `${path.basename(file)} (${shape}): product ${product} ms (convert ${productConvertMs}, counts ${productCountsMs}), ` +
        `baseline ${baselineMs} ms, ${(product / baselineMs).toFixed(2)}x\n`,
    );
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
