import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** One line of the printed table: a figure, its unit, and the target it is held to if any. */
export interface BenchRow {
  part: string;
  figure: string;
  value: number;
  unit: string;
  /** The target the figure is held to, e.g. `≤ 1.5`. */
  target?: string;
  /** Whether the value meets the target. */
  ok?: boolean;
}

/** The machine a result was measured on; the load average says how shared it was. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  loadAverage: number[];
  commit: string;
}

export const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "results");

export function describeMachine(): MachineInfo {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    // Not a git checkout: the commit stays unknown.
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    commit,
  };
}

/** Writes `bench/results/<name>.json` whole (temp file, then rename): a cut-short run leaves the old one. */
export async function writeResult(name: string, result: object): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  await writeFile(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return file;
}

/** Rounds for display: 3 significant digits below 100, whole numbers with separators above. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(3)).toString();
}

/** The one table `npm run bench` prints. */
export function formatTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((r) => [
    r.part,
    r.figure,
    formatValue(r.value),
    r.unit,
    r.target ?? "",
    r.ok === undefined ? "" : r.ok ? "ok" : "MISSED",
  ]);
  const header = ["part", "figure", "value", "unit", "target", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  const line = (c: string[]) =>
    c
      .map((cell, i) => (i === 2 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

export const MB = 1_000_000;
export const ms = (value: number) => Math.round(value * 10) / 10;
