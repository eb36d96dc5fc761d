// Shared by the infra_*.test.ts files: where the repository is, which commands `ctr --help` lists,
// and what a distributed deployment must set. Not a test file itself.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { type Config, loadConfig } from "@ctr/schemas";
import { vi } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "./ingest_fixtures.ts";

export { REPO_ROOT };

/** Every Compose file under infra/ (docker-compose*.yml, compose*.yml), found rather than listed. */
export function composeFiles(): string[] {
  const infra = path.join(REPO_ROOT, "infra");
  return readdirSync(infra, { recursive: true, encoding: "utf8" })
    .filter((file) => /(^|\/)(docker-)?compose[^/]*\.ya?ml$/.test(file))
    .map((file) => path.join(infra, file))
    .sort();
}

/** A service of a Compose file, the fields these tests read. */
export interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: string[];
  networks?: string[] | Record<string, unknown>;
  profiles?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  networks?: Record<string, { name?: string; external?: boolean } | null>;
}

/** A Compose file with its `<<: *anchor` merge keys resolved the way Docker Compose does. */
export function readCompose(file: string): ComposeFile {
  return parse(readFileSync(file, "utf8"), { merge: true }) as ComposeFile;
}

/** An environment as a deployment file would hand it to a process. */
export type Env = Record<string, string>;

/**
 * Runs the real `npx ctr --help` and returns the command names it lists ("generate", "orders load", ...).
 * The listing is `  <name padded>  <summary>` lines between "Commands:" and the next blank line.
 */
export async function listCtrCommands(): Promise<string[]> {
  const { stdout } = await promisify(execFile)("npx", ["ctr", "--help"], { cwd: REPO_ROOT });
  const lines = stdout.split("\n");
  const start = lines.findIndex((line) => line.trim() === "Commands:");
  if (start === -1) throw new Error(`ctr --help printed no "Commands:" section:\n${stdout}`);
  const commands: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "") break;
    const match = /^\s+(\S+(?: \S+)?)\s{2,}\S/.exec(line);
    if (match?.[1]) commands.push(match[1]);
  }
  return commands;
}

/**
 * Whether `ctr` accepts these arguments: calls the CLI's `main` in this process with `<args> --help`,
 * which parses every flag strictly (an unknown flag or a missing value exits 2) and then prints the
 * command's help instead of running it. In-process because a `ctr` start costs seconds of module loading.
 */
export async function ctrAcceptsArgs(args: readonly string[]): Promise<{ ok: boolean; output: string }> {
  const { main } = await import("@ctr/jobs");
  let output = "";
  const capture = (chunk: string | Uint8Array) => {
    output += String(chunk);
    return true;
  };
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(capture);
  try {
    const code = await main([...args, "--help"]);
    return { ok: code === 0, output };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** The `ctr` command that a container's arguments run (one or two words), or undefined. */
export function ctrCommandOf(args: readonly string[], commands: readonly string[]): string | undefined {
  const twoWords = args.slice(0, 2).join(" ");
  if (args.length >= 2 && commands.includes(twoWords)) return twoWords;
  const first = args[0];
  return first !== undefined && commands.includes(first) ? first : undefined;
}

/**
 * What a process of the distributed deployment must be given: a ClickHouse server, Redis, an orders
 * database other than the per-machine SQLite default, and S3 for the events and the Parquet.
 * Returns the problems found (empty when the environment is complete), and the parsed configuration.
 */
export function checkDistributedEnv(env: Env): { problems: string[]; config?: Config } {
  const problems: string[] = [];
  for (const variable of ["CLICKHOUSE_URL", "REDIS_URL", "ORDERS_DATABASE_URL"]) {
    if (!env[variable]) problems.push(`${variable} is not set`);
  }
  for (const variable of ["EVENTS_SOURCE", "PARQUET_SINK"]) {
    if (!env[variable]?.startsWith("s3://")) problems.push(`${variable} is not an s3:// URL (${env[variable]})`);
  }
  if (/^(sqlite|file):/.test(env.ORDERS_DATABASE_URL ?? "")) {
    problems.push("ORDERS_DATABASE_URL is a local SQLite file, which other machines cannot reach");
  }
  try {
    return { problems, config: loadConfig(env) };
  } catch (error) {
    problems.push(`loadConfig rejects it: ${(error as Error).message}`);
    return { problems };
  }
}
