/**
 * `npm start` is `ctr demo`: on an empty data directory it generates sample data, loads the orders,
 * backfills, serves and prints example queries. This runs the real CLI in a child process, follows
 * its first example query, and stops it with SIGTERM as a container runtime would.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { followOutput } from "./support/child_output.ts";
import { freePort } from "./support/free_port.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const dataDir = mkdtempSync(path.join(os.tmpdir(), "ctr-demo-"));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("ctr demo (npm start)", () => {
  it("generates, loads, backfills, serves, prints working example queries, and stops on SIGTERM", async () => {
    const port = await freePort();
    child = spawn(path.join(ROOT, "node_modules/.bin/ctr"), ["demo", "--scale", "0.01", "--port", String(port)], {
      cwd: ROOT,
      env: { ...process.env, CTR_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = await followOutput(child).until(/curl \S+\n[\s\S]*open http/, "ctr demo did not serve", {
      stdoutOnly: true,
      timeoutMs: 280_000,
    });
    expect(output).toMatch(/no event folders .*; generating 2016-02-01\.\.2016-02-03/);
    expect(output).toMatch(/views\s+[\d,]+/);
    const explorer = /Explore CTR in a browser: (\S+)/.exec(output)?.[1];
    expect(explorer).toBe(`http://localhost:${port}/`);
    const page = await fetch(explorer ?? "");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>CTR explorer</title>");
    const firstCurl = /curl '([^']+)'/.exec(output)?.[1];
    expect(firstCurl).toContain(`http://localhost:${port}/ctr?`);
    const response = await fetch(firstCurl ?? "");
    expect(response.status).toBe(200);
    const rows = (await response.json()) as { platform: string; CTR: number | null }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => row.platform))).toEqual(new Set(["iOS"]));
    // The totals and the top products it prints answer too.
    const totalsCurl = /curl '([^']+\/ctr\/totals\?[^']+)'/.exec(output)?.[1];
    const totals = (await (await fetch(totalsCurl ?? "")).json()) as { platform: string }[];
    expect(totals).toHaveLength(24 * 3);
    const topCurl = /curl '([^']+\/ctr\/top\?[^']+)'/.exec(output)?.[1];
    const top = (await (await fetch(topCurl ?? "")).json()) as { ctrLow: number }[];
    expect(top.length).toBeGreaterThan(0);
    const exited = new Promise<number | null>((resolve) => child?.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // Generation and a backfill in a child process: generous on a machine shared with other suites.
  }, 300_000);
});
