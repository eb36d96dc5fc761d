import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { CTR, embeddedEnv } from "../../ctr_process.ts";

/** `ctr serve` (the built CLI) on a data folder, as a user starts it. */
export interface ServeProcess {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitReady(child: ChildProcess, port: number, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ctr serve exited with ${child.exitCode}:\n${stderr()}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ctr serve did not answer /readyz within 120 s:\n${stderr()}`);
}

/**
 * Starts `ctr serve` on `dataDir` with the embedded defaults plus `env`, request logs at `info` (as
 * in production) into /dev/null, and resolves once /readyz answers. `nodeOptions` reach the server's
 * Node (e.g. `--cpu-prof`).
 */
export async function startServe(
  dataDir: string,
  env: Record<string, string>,
  nodeOptions: string[] = [],
): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeOptions, CTR, "serve"], {
    env: embeddedEnv(dataDir, { LOG_LEVEL: "info", PORT: String(port), ...env }),
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderr = (stderr + text).slice(-20_000);
  });
  await waitReady(child, port, () => stderr);
  return {
    port,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
