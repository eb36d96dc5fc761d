import { mkdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CTR, embeddedEnv, mustRun } from "../ctr_process.ts";
import type { MeasuredRun } from "../measured_child.ts";
import type { IngestInput } from "./input.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PROBE = path.join(REPO_ROOT, "bench", "exit_probe.mjs");

/** What `ctr backfill` printed, as far as the bench checks it. */
export interface CliDetail {
  /** The command line run, relative to the repository (what `npx ctr` resolves to). */
  command: string;
  /** The summary's `views` line. */
  views: number;
}

/**
 * Runs `ctr backfill --from --to` over the input as a user would, on a store that exists (created by
 * an untimed `ctr migrate`, as the first command of an install does) with an empty sink, and times it
 * from spawn to exit: Node's start-up, the CLI's, listing, conversion, commits and the purchase sync.
 * Its peak RSS and CPU time come from a preloaded exit probe.
 */
export async function runCliBackfill(input: IngestInput, workDir: string): Promise<MeasuredRun<CliDetail>> {
  const dataDir = path.join(workDir, "run-cli");
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const probeFile = path.join(workDir, "cli-probe.json");
  await rm(probeFile, { force: true });
  const bin = CTR;
  const env = embeddedEnv(dataDir, { EVENTS_SOURCE: input.dir });
  await mustRun([bin, "migrate"], env);
  const args = ["--import", PROBE, bin, "backfill", "--from", input.from, "--to", input.to];
  const { stdout, wallMs: elapsedMs } = await mustRun(args, { ...env, CTR_BENCH_PROBE: probeFile });
  const probe = JSON.parse(await readFile(probeFile, "utf8")) as { peakRssBytes: number; cpuMs: number };
  const views = Number((/^views\s+([\d,]+)/m.exec(stdout)?.[1] ?? "NaN").replaceAll(",", ""));
  return {
    elapsedMs,
    cpuMs: probe.cpuMs,
    peakRssBytes: probe.peakRssBytes,
    detail: { command: `node ${path.relative(REPO_ROOT, bin)} ${args.slice(3).join(" ")}`, views },
  };
}
