import { createHash } from "node:crypto";
import type { Platform } from "@ctr/schemas";

/** The three kinds of output the sink holds per source file (docs/DESIGN.md, "Parquet sink layout"). */
export type OutputKind = "events" | "minute_counts" | "manifest";

/** A stable id of a source file's key: re-processing the file overwrites the same outputs. */
export function fileIdOf(sourceKey: string): string {
  return createHash("sha256").update(sourceKey).digest("hex").slice(0, 24);
}

/** The sink folder of one kind of output of a (platform, day): `events/platform=P/date=D/`. */
export function outputDir(kind: OutputKind, platform: Platform, day: string): string {
  return `${kind}/platform=${platform}/date=${day}/`;
}

/** The sink key of one output of a source file. */
export function outputKey(kind: OutputKind, platform: Platform, day: string, fileId: string): string {
  return `${outputDir(kind, platform, day)}${fileId}.${kind === "manifest" ? "json" : "parquet"}`;
}

/** The file id in an output key, or undefined for anything else (temporary files). */
export function fileIdInKey(key: string): string | undefined {
  return /\/([0-9a-f]{24})\.(json|parquet)$/.exec(key)?.[1];
}
