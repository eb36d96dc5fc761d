// The docs quote one benchmark run: every figure marked `<!-- bench:... -->` in README.md, docs/ and
// infra/ is the value bench/results/*.json holds, as `npm run bench:docs` writes it, and no marker
// is left open or unknown.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { figureDocs, fillFigures, readResults } from "../bench/fill_docs.ts";
import { REPO_ROOT } from "./support/ingest_fixtures.ts";

describe("benchmark figures in the docs", () => {
  it("are the figures of bench/results, each marker closed and known", async () => {
    const results = await readResults();
    const files = await figureDocs();
    expect(files.map((f) => path.relative(REPO_ROOT, f))).toEqual(
      expect.arrayContaining(["README.md", "docs/BENCHMARKS.md", "docs/PART-II.md", "infra/clickhouse/README.md"]),
    );
    let markers = 0;
    for (const file of files) {
      const text = await readFile(file, "utf8");
      const opened = text.match(/<!-- bench:/g)?.length ?? 0;
      const closed = text.match(/<!-- \/bench -->/g)?.length ?? 0;
      expect(closed, `${file}: a bench marker without its closing <!-- /bench -->`).toBe(opened);
      const filled = fillFigures(text, results);
      expect(filled.missing, file).toEqual([]);
      expect(filled.text, `${file} quotes figures other than bench/results: run npm run bench:docs`).toBe(text);
      markers += opened;
    }
    expect(markers).toBeGreaterThan(10);
  });

  it("fills a marker from the results, in its format", () => {
    const results = { ingest: { runs: { duckdb: { elapsedMs: 6524.1 } }, views: 2538584 }, startup: { share: 0.126 } };
    const text = [
      "<!-- bench:ingest.runs.duckdb.elapsedMs|s2 -->9.79<!-- /bench --> s",
      "<!-- bench:ingest.views -->0<!-- /bench --> views",
      "<!-- bench:startup.share|%1 --><!-- /bench -->%",
      "<!-- bench:ingest.nope --><!-- /bench -->",
    ].join("\n");
    const filled = fillFigures(text, results);
    expect(filled.text.split("\n")).toEqual([
      "<!-- bench:ingest.runs.duckdb.elapsedMs|s2 -->6.52<!-- /bench --> s",
      "<!-- bench:ingest.views -->2,538,584<!-- /bench --> views",
      "<!-- bench:startup.share|%1 -->12.6<!-- /bench -->%",
      "<!-- bench:ingest.nope --><!-- /bench -->",
    ]);
    expect(filled.missing).toEqual(["ingest.nope"]);
  });
});
