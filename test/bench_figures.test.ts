// The docs quote one benchmark run: every figure marked `<!-- bench:... -->` in README.md, docs/ and
// infra/ is the value bench/results/*.json holds, as `npm run bench:docs` writes it, no marker is
// left open or unknown, and no benchmark figure is written by hand outside a marker.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { withDerivedFigures } from "../bench/derived_figures.ts";
import { figureDocs, fillFigures, readResults } from "../bench/fill_docs.ts";
import { unmarkedFigures } from "../bench/unmarked_figures.ts";
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

  it("derive the capacity plan's figures from the run they come from", () => {
    const results = withDerivedFigures({
      ingest: { mbPerSPerCore: 25, commitRowsPerS: 500_000, input: { bytes: 2e9 } },
      api: {
        store: { viewRows: 9e6, purchaseRows: 1e6 },
        shapes: [{}, {}, { perMinute: { engine: { p50: 2000 } } }],
      },
    });
    const filled = fillFigures(
      [
        "<!-- bench:ingest.derived.inputMb --><!-- /bench --> MB",
        "<!-- bench:ingest.derived.coreMinutesPerDay|1 --><!-- /bench --> core-minutes a 10 GB day",
        "<!-- bench:ingest.derived.commitSecondsPerDay|0 --><!-- /bench --> s of commits for 2 × 10^7 rows",
        "<!-- bench:api.derived.monthPerMinuteRowsPerS --><!-- /bench --> rows/s",
      ].join("\n"),
      results,
    );
    expect(filled.missing).toEqual([]);
    expect(filled.text.replace(/<!--[^>]*-->/g, "").split("\n")).toEqual([
      "2,000 MB",
      "6.7 core-minutes a 10 GB day",
      "40 s of commits for 2 × 10^7 rows",
      "5,000,000 rows/s",
    ]);
  });

  it("are never written by hand: every time, speed and ratio in the docs' prose is a marker", async () => {
    const found: string[] = [];
    for (const file of await figureDocs()) {
      for (const f of unmarkedFigures(await readFile(file, "utf8"))) {
        found.push(`${path.relative(REPO_ROOT, file)}:${f.line}: "${f.figure}" in: ${f.text}`);
      }
    }
    expect(found, "benchmark figures outside a <!-- bench:... --> marker").toEqual([]);
  });

  it("finds a hand-written figure in prose, not in markers, code or allowed settings", () => {
    const text = [
      "Commits load 932,048 rows/s, the month query 3.19 × 10^6 rows/s.",
      "It took 0.55 s against chDB's 1.3 s; conversion 27.4 MB/s/core, 1.5–2× the floor, 6.2 core-hours.",
      "Marked: <!-- bench:ingest.commitRowsPerS -->468,811<!-- /bench --> rows/s and `--api-seconds 30 s`.",
      "```sh",
      "npm run bench   # 5 min 39 s",
      "```",
      "A 505 MB input over 30 days; the cache is re-read at most once a second.",
      "Version 3.4.0, 2 cores, 1.5 × the floor, a target of ≤ 1.5×, 0x1F, ids like 12x34.",
    ].join("\n");
    expect(unmarkedFigures(text, ["at most once a second"]).map((f) => `${f.line}:${f.figure}`)).toEqual([
      "1:932,048 rows/s",
      "1:3.19 × 10^6 rows/s",
      "2:0.55 s",
      "2:1.3 s",
      "2:27.4 MB/s/core",
      "2:1.5–2×",
      "2:6.2 core-hours",
    ]);
  });
});
