// Starts and stops the test stand-in for a ClickHouse server (clickhouse_http_server.ts) in a child
// process of its own: chDB binds one data directory per process, and a separate process lets the
// test process and every `ctr` process it spawns reach the same store over HTTP.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { followOutput } from "./child_output.ts";
import { REPO_ROOT } from "./ingest_fixtures.ts";

const SERVER_FILE = path.join(REPO_ROOT, "test/support/clickhouse_http_server.ts");

/** A running stand-in: its URL (a free port of loopback), and how to stop it and delete its data. */
export interface ClickHouseServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the stand-in on a free loopback port and waits (at most 60 s) until it answers. With `user`
 * and `password` it accepts only those credentials; by default the user `default` without password.
 */
export async function startClickHouseServer(
  options: { user?: string; password?: string } = {},
): Promise<ClickHouseServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ctr-clickhouse-server-"));
  const args = ["--import", "tsx", SERVER_FILE, "--data-dir", dataDir];
  if (options.user !== undefined) args.push("--user", options.user);
  if (options.password !== undefined) args.push("--password", options.password);
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const output = followOutput(child);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // The stand-in prints {"port":N} on stdout once it listens.
    const listening = /^\{"port":(\d+)\}$/m;
    const printed = await output.until(listening, "the ClickHouse stand-in did not start", { stdoutOnly: true });
    const port = Number(listening.exec(printed)?.[1]);
    return { url: `http://127.0.0.1:${port}`, close: stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
