// The service checks of `npm test` themselves: a service on a closed port is reported absent and
// the blocks needing it are skipped with the reason and the way to start it; with CI=true or
// CTR_REQUIRE_SERVICES=1 the same run fails. The running services are never touched: the tests
// point the test-only address variables at closed ports instead.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/ingest_fixtures.ts";
import { servicesRequired } from "./support/services.ts";
import { probeService } from "./support/services_setup.ts";

/** Nothing listens on port 1 of loopback: connecting is refused at once. */
const CLOSED = {
  CTR_TEST_REDIS_URL: "redis://127.0.0.1:1",
  CTR_TEST_POSTGRES_URL: "postgres://postgres@127.0.0.1:1/postgres",
  CTR_TEST_MARIADB_URL: "mysql://root@127.0.0.1:1",
  CTR_TEST_REDIS_SERVER: path.join(REPO_ROOT, "no-such-redis-server"),
};

/** This process's environment without what would change the child run's mode (CI, vitest's own). */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!["CI", "CTR_REQUIRE_SERVICES", "NODE_ENV", "TEST"].includes(key) && !key.startsWith("VITEST")) {
      env[key] = value;
    }
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/** Runs vitest on the fixture (test/fixtures/services) and returns its exit code and output. */
async function runFixture(extra: Record<string, string>): Promise<{ code: number; output: string }> {
  const args = [path.join(REPO_ROOT, "node_modules/vitest/vitest.mjs"), "run", "--config"];
  args.push("test/fixtures/services/vitest.config.ts");
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, {
      cwd: REPO_ROOT,
      env: cleanEnv(extra),
      timeout: 90_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, output: (e.stdout ?? "") + (e.stderr ?? "") };
  }
}

describe("the service probe", () => {
  it("reports each service on a closed port (or a program that is not there) as absent, with the cause", async () => {
    for (const name of ["redis", "postgres", "mariadb"] as const) {
      const status = await probeService(name, CLOSED);
      expect(status).toMatchObject({ name, available: false, problem: expect.stringContaining("ECONNREFUSED") });
    }
    expect(await probeService("redisServer", CLOSED)).toMatchObject({
      available: false,
      problem: expect.stringContaining("ENOENT"),
    });
  });

  it("requires the services with CI=true or 1, or CTR_REQUIRE_SERVICES=1, and not otherwise", () => {
    expect([{ CI: "true" }, { CI: "1" }, { CI: "TRUE" }, { CTR_REQUIRE_SERVICES: "1" }].map(servicesRequired)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect([{}, { CI: "false" }, { CI: "" }, { CTR_REQUIRE_SERVICES: "0" }].map(servicesRequired)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe("a run whose services are on closed ports", () => {
  it("skips their blocks, naming each service and how to start it, and ends with totals and the skipped groups", async () => {
    const { code, output } = await runFixture(CLOSED);
    expect(code, output).toBe(0);
    expect(output).toContain(
      "services: Redis is not available at redis://127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1): its tests are skipped. Redis: start it with bash .ci/services",
    );
    expect(output).toMatch(/services: PostgreSQL is not available at postgres:\/\/postgres@127\.0\.0\.1:1\/postgres/);
    expect(output).toMatch(/services: MariaDB is not available at mysql:\/\/root@127\.0\.0\.1:1 /);
    const summary = output.slice(output.lastIndexOf("1 passed, 0 failed, 4 skipped"));
    expect(summary.split("\n").slice(0, 5)).toEqual([
      "1 passed, 0 failed, 4 skipped",
      "skipped:",
      "  test/fixtures/services/needs_services.fixture.test.ts > with Redis (1 test): Redis is not available at redis://127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1)",
      "  test/fixtures/services/needs_services.fixture.test.ts > with both databases (2 tests): PostgreSQL is not available at postgres://postgres@127.0.0.1:1/postgres (connect ECONNREFUSED 127.0.0.1:1); MariaDB is not available at mysql://root@127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1)",
      expect.stringMatching(
        /^ {2}test\/fixtures\/services\/needs_services\.fixture\.test\.ts > with the redis-server program \(1 test\): the redis-server program is not available at .*ENOENT/,
      ),
    ]);
    expect(summary).toContain("to run them:\n  Redis: start it with bash .ci/services");
    expect(summary).toContain("or set CTR_TEST_MARIADB_URL");
  });

  it("fails instead with CI=true or CTR_REQUIRE_SERVICES=1, naming what is absent", async () => {
    for (const mode of [{ CI: "true" }, { CTR_REQUIRE_SERVICES: "1" }] as Record<string, string>[]) {
      const { code, output } = await runFixture({ ...CLOSED, ...mode });
      expect(code, output).toBe(1);
      expect(output).toContain("services: required (CI or CTR_REQUIRE_SERVICES is set) but absent; no test runs:");
      expect(output).toContain("Redis is not available at redis://127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1)");
      expect(output).toContain("PostgreSQL: start it with bash .ci/services");
      expect(output).not.toContain("1 passed");
    }
  });

  it("with only Redis absent, skips only the block needing Redis", async () => {
    const { code, output } = await runFixture({ CTR_TEST_REDIS_URL: CLOSED.CTR_TEST_REDIS_URL });
    expect(code, output).toBe(0);
    // What else runs depends on the services of the machine; the Redis block is skipped in any case.
    expect(output).toMatch(
      /\n\d passed, 0 failed, [1-4] skipped\nskipped:\n {2}\S+ > with Redis \(1 test\): Redis is not/,
    );
  });
});
