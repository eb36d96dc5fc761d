// The README's local S3 how-to (s3rver, curl, ctr generate, orders load, backfill --source s3://) run
// as it is written, on a free port, with the real built `ctr`: the documented path works here.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "./support/free_port.ts";
import { REPO_ROOT } from "./support/ingest_fixtures.ts";

/** The shell block after the `<!-- local-s3-howto -->` marker. */
function howTo(): string {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const block = /<!-- local-s3-howto -->\n```sh\n([\s\S]*?)\n```/.exec(readme)?.[1];
  if (!block) throw new Error("README.md has no <!-- local-s3-howto --> block");
  return block;
}

describe("the README's local S3 how-to", () => {
  it("loads the bucket's events and the orders: ctr backfill --source s3://... exits 0 with views", async () => {
    const script = howTo().replaceAll("4569", String(await freePort()));
    // Whatever happens, s3rver does not outlive the test.
    const wrapped = `set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n${script}`;
    const { CLICKHOUSE_URL, REDIS_URL, ORDERS_DATABASE_URL, EVENTS_SOURCE, PARQUET_SINK, S3_ENDPOINT, ...env } =
      process.env;
    const run = spawnSync("bash", ["-c", wrapped], {
      cwd: REPO_ROOT,
      env: { ...env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, LOG_LEVEL: "warn" },
      encoding: "utf8",
      timeout: 110_000,
    });
    expect(run.stderr).not.toMatch(/curl: \(\d+\)/);
    expect(run.status).toBe(0);
    const views = Number(/^views\s+([\d,]+)/m.exec(run.stdout)?.[1]?.replaceAll(",", ""));
    expect(views).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/rows written [\d,]+ view rows \(3 platform-days\), [\d,]+ purchase rows/);
    expect(run.stdout).not.toMatch(/^\s*0 purchase rows/m);
  });
});
