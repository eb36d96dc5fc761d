/**
 * `npm run bench:docs` (and the end of `npm run bench`): writes the figures of bench/results/*.json into
 * the docs, so README.md, docs/ and infra/ quote one run. A figure is marked in Markdown as
 *
 *   <!-- bench:ingest.runs.duckdb.elapsedMs|s2 -->6.52<!-- /bench -->
 *
 * `ingest` names bench/results/ingest.json, the rest is a path into it (`shapes[0].api.sequential.p50`);
 * after `|` the format: `N` for N decimals, `sN` for milliseconds as seconds with N decimals, `%N` for
 * a share as a percentage; none: whole numbers with separators from 100 up, else 3 significant digits.
 * A string (an engine's name) is quoted as it is. `<part>.derived.*` are figures computed from that part's
 * results when they are read (bench/derived_figures.ts); test/bench_figures.test.ts also refuses a time,
 * speed or ratio written by hand outside a marker (bench/unmarked_figures.ts).
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { withDerivedFigures } from "./derived_figures.ts";
import { formatValue, RESULTS_DIR } from "./report.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MARKER = /<!-- bench:([\w.[\]-]+)(?:\|([%s]?\d))? -->([^<]*)<!-- \/bench -->/g;

/** The Markdown files that quote benchmark figures. */
export async function figureDocs(root = REPO_ROOT): Promise<string[]> {
  const docs = (await readdir(path.join(root, "docs"))).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
  const infra = (await readdir(path.join(root, "infra"), { recursive: true, encoding: "utf8" }))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `infra/${f}`);
  return ["README.md", ...docs, ...infra].map((f) => path.join(root, f));
}

export type Results = Record<string, unknown>;

/** Every bench/results/<part>.json, by part name, with the figures derived from them (derived_figures.ts). */
export async function readResults(dir = RESULTS_DIR): Promise<Results> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json"));
  const entries = await Promise.all(
    files.map(async (f) => [f.slice(0, -".json".length), JSON.parse(await readFile(path.join(dir, f), "utf8"))]),
  );
  return withDerivedFigures(Object.fromEntries(entries));
}

/** The value at `part.path[0].to` in the results, or undefined. */
function lookup(results: Results, key: string): unknown {
  let value: unknown = results;
  for (const step of key.replace(/\[(\d+)\]/g, ".$1").split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

function format(value: number, spec: string | undefined): string {
  if (spec === undefined) return formatValue(value);
  const digits = Number(spec.replace(/^[%s]/, ""));
  const scaled = spec.startsWith("s") ? value / 1000 : spec.startsWith("%") ? value * 100 : value;
  return scaled.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The text with every marked figure set from the results; `missing` lists the keys the results lack. */
export function fillFigures(text: string, results: Results): { text: string; missing: string[] } {
  const missing: string[] = [];
  const filled = text.replace(MARKER, (whole, key: string, spec: string | undefined) => {
    const value = lookup(results, key);
    if (typeof value !== "number" && typeof value !== "string") {
      missing.push(key);
      return whole;
    }
    const text = typeof value === "number" ? format(value, spec) : value;
    return `<!-- bench:${key}${spec ? `|${spec}` : ""} -->${text}<!-- /bench -->`;
  });
  return { text: filled, missing };
}

/** Rewrites the figures of every doc; returns the files changed. Fails naming keys the results lack. */
export async function fillDocs(): Promise<string[]> {
  const results = await readResults();
  const changed: string[] = [];
  const missing: string[] = [];
  for (const file of await figureDocs()) {
    const text = await readFile(file, "utf8");
    const filled = fillFigures(text, results);
    missing.push(...filled.missing.map((key) => `${path.relative(REPO_ROOT, file)}: ${key}`));
    if (filled.text !== text) {
      await writeFile(file, filled.text);
      changed.push(path.relative(REPO_ROOT, file));
    }
  }
  if (missing.length > 0) throw new Error(`figures not in bench/results: ${missing.join(", ")}`);
  return changed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const changed = await fillDocs();
  process.stderr.write(
    `bench figures: ${changed.length === 0 ? "docs already up to date" : `updated ${changed.join(", ")}`}\n`,
  );
}
