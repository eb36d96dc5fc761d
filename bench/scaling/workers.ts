import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** `ctr worker` processes, each pinned to its own core. */
export interface WorkerPool {
  stop(): Promise<void>;
}

/**
 * Starts `count` `ctr worker` processes, worker i pinned to core i with `taskset`: a worker then sees
 * one core (Node's availableParallelism follows the affinity mask), so it takes one shard at a time
 * with a one-thread DuckDB, as a one-core pod would. Resolves once every worker consumes its queues.
 */
export async function startWorkers(count: number, env: Record<string, string>, verbose: boolean): Promise<WorkerPool> {
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const force = setTimeout(() => child.kill("SIGKILL"), 20_000);
            child.once("exit", () => {
              clearTimeout(force);
              resolve();
            });
            child.kill("SIGTERM");
          }),
      ),
    );
  };
  try {
    await Promise.all(
      Array.from({ length: count }, (_, core) => {
        const child = spawn("taskset", ["-c", String(core), process.execPath, "jobs/bin/ctr.js", "worker"], {
          cwd: REPO_ROOT,
          env: { ...process.env, ...env },
          stdio: ["ignore", "ignore", "pipe"],
        });
        children.push(child);
        return new Promise<void>((resolve, reject) => {
          let log = "";
          child.stderr?.setEncoding("utf8").on("data", (text: string) => {
            log = (log + text).slice(-10_000);
            if (verbose) process.stderr.write(text);
            if (log.includes("consuming")) resolve();
          });
          child.once("exit", (code) => reject(new Error(`ctr worker on core ${core} exited with ${code}:\n${log}`)));
        });
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
