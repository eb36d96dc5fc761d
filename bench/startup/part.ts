import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { CTR, embeddedEnv, mustRun, startServeUntilReady } from "../ctr_process.ts";
import { prepareGeneratedInput } from "../ingest/input.ts";
import { type BenchRow, describeMachine, MB, ms, writeResult } from "../report.ts";

export interface StartupOptions {
  /** Timed runs of each start-up command, interleaved; the median is reported. Default 9. */
  runs: number;
  /** Generated input of the ingest check (`ctr backfill` from a fresh store). Default 482 MB. */
  ingestSizeBytes: number;
  /** Runs of the ingest check. Default 3. */
  ingestRuns: number;
  seed: string;
  workDir: string;
  verbose: boolean;
}

/** Targets of the start-up part: `ctr --help` against bare Node, `ctr serve` until /readyz. */
const MAX_HELP_RATIO = 4;
const MAX_READY_MS = 1500;

/** `mustRun`'s time from spawn to exit. */
const timeOf = async (args: readonly string[], env?: NodeJS.ProcessEnv) => (await mustRun(args, env)).wallMs;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** `ctr serve` on an existing store, from spawn to the first `/readyz` 200; stopped (and exited) before the next run. */
async function timeServeReady(dataDir: string): Promise<number> {
  const serve = await startServeUntilReady(embeddedEnv(dataDir));
  await serve.stop();
  return serve.readyMs;
}

/**
 * The start-up part: how long `ctr` takes to start against bare Node measured in the same
 * run, `ctr serve` until `/readyz` answers on an existing store, and the ingest check (`ctr backfill`
 * of ~482 MB from a fresh store) with the share of it a store command's fixed cost takes.
 */
export async function runStartupPart(options: StartupOptions): Promise<BenchRow[]> {
  const dir = path.join(options.workDir, "startup");
  const storeDir = path.join(dir, "store");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const machineBefore = describeMachine();

  // One untimed run of each first, so the OS file cache holds the modules for every timed one.
  const commands = {
    bare: ["-e", "0"],
    help: [CTR, "--help"],
    commandHelp: [CTR, "backfill", "--help"],
    migrate: [CTR, "migrate"],
  } as const;
  const env = embeddedEnv(storeDir);
  for (const args of Object.values(commands)) await mustRun(args, env);
  const times: Record<keyof typeof commands, number[]> = { bare: [], help: [], commandHelp: [], migrate: [] };
  process.stderr.write(
    `bench startup: ${options.runs} runs of node -e 0, ctr --help, ctr backfill --help, ctr migrate\n`,
  );
  for (let i = 0; i < options.runs; i++) {
    for (const [name, args] of Object.entries(commands) as [keyof typeof commands, readonly string[]][]) {
      times[name].push(await timeOf(args, env));
    }
  }
  const serveRuns = Math.max(3, Math.ceil(options.runs / 2));
  process.stderr.write(`bench startup: ${serveRuns} runs of ctr serve until /readyz answers\n`);
  const ready: number[] = [];
  for (let i = 0; i < serveRuns; i++) ready.push(await timeServeReady(storeDir));

  const input = await prepareGeneratedInput(options.workDir, options.ingestSizeBytes, options.seed);
  process.stderr.write(
    `bench startup: ${options.ingestRuns} runs of ctr backfill over ${(input.bytes / MB).toFixed(0)} MB from a fresh store\n`,
  );
  const ingest: number[] = [];
  for (let i = 0; i < options.ingestRuns; i++) {
    const dataDir = path.join(dir, `ingest-${i}`);
    ingest.push(
      await timeOf(
        [CTR, "backfill", "--from", input.from, "--to", input.to],
        embeddedEnv(dataDir, { EVENTS_SOURCE: input.dir }),
      ),
    );
    await rm(dataDir, { recursive: true, force: true });
  }

  const m = {
    bareMs: median(times.bare),
    helpMs: median(times.help),
    commandHelpMs: median(times.commandHelp),
    migrateMs: median(times.migrate),
    serveReadyMs: median(ready),
    ingestMs: median(ingest),
  };
  const helpRatio = m.helpMs / m.bareMs;
  const commandHelpRatio = m.commandHelpMs / m.bareMs;
  const startupShare = m.migrateMs / m.ingestMs;
  await writeResult("startup", {
    machine: { before: machineBefore, after: describeMachine() },
    runs: options.runs,
    input: { bytes: input.bytes, views: input.views, description: input.description },
    medians: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, ms(v)])),
    ratios: { help: Number(helpRatio.toFixed(2)), commandHelp: Number(commandHelpRatio.toFixed(2)) },
    startupShare: Number(startupShare.toFixed(3)),
    samples: {
      bare: times.bare.map(ms),
      help: times.help.map(ms),
      commandHelp: times.commandHelp.map(ms),
      migrate: times.migrate.map(ms),
      serveReady: ready.map(ms),
      ingest: ingest.map(ms),
    },
  });
  return [
    { part: "startup", figure: "node -e 0", value: m.bareMs, unit: "ms" },
    { part: "startup", figure: "ctr --help", value: m.helpMs, unit: "ms" },
    {
      part: "startup",
      figure: "ctr --help / node -e 0",
      value: helpRatio,
      unit: "x",
      target: `≤ ${MAX_HELP_RATIO}`,
      ok: helpRatio <= MAX_HELP_RATIO,
    },
    {
      part: "startup",
      figure: "ctr backfill --help / node -e 0",
      value: commandHelpRatio,
      unit: "x",
      target: `≤ ${MAX_HELP_RATIO}`,
      ok: commandHelpRatio <= MAX_HELP_RATIO,
    },
    {
      part: "startup",
      figure: "ctr serve until /readyz (existing store)",
      value: m.serveReadyMs / 1000,
      unit: "s",
      target: `≤ ${MAX_READY_MS / 1000}`,
      ok: m.serveReadyMs <= MAX_READY_MS,
    },
    { part: "startup", figure: "ctr migrate (a store command's fixed cost)", value: m.migrateMs / 1000, unit: "s" },
    {
      part: "startup",
      figure: `ingest check: ctr backfill ${(input.bytes / MB).toFixed(0)} MB`,
      value: m.ingestMs / 1000,
      unit: "s",
    },
    { part: "startup", figure: "ingest check: start-up share", value: startupShare * 100, unit: "%" },
  ];
}
