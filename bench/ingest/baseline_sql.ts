/**
 * What both native baselines compute, stated once: the views of the contract (a `custom_event`
 * named `product` with a non-empty `codeColor`) written as Parquet (zstd) with the product's
 * columns, then per-minute counts (UTC minute, platform, product) read back from that Parquet.
 * Both read every field with an explicit type, so neither samples the files to infer a schema.
 */

/** The platform folder of a source path `<root>/<platform>/<day>/<file>`. */
export const PLATFORM_FROM_PATH = "'/([^/]+)/[^/]+/[^/]+$'";

/** Quotes a path for SQL text. Paths are the bench's own files, never user input. */
export function quotePath(file: string): string {
  return `'${file.replaceAll("'", "''")}'`;
}

/** The result both baselines report: what they wrote and what the counts add up to. */
export interface BaselineDetail {
  engine: string;
  /** Statements run, to show "as few queries as it can". */
  statements: number;
  /** Sum of the per-minute counts: must equal the generator's views. */
  views: number;
  minuteRows: number;
  /** Time of the JSON → views Parquet statement(s) and of the counts, in ms. */
  convertMs: number;
  countsMs: number;
}
