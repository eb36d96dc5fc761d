import { defineConfig } from "vitest/config";

/**
 * The integration files that run a second time against a ClickHouse server over HTTP (the stand-in
 * of test/support/clickhouse_http_server.ts, with s3rver sinks): their stores, configurations and
 * deployment environments come from test/support, which honours the server-mode run
 * (test/support/clickhouse_mode.ts). Together they cover the API, commits reading Parquet with s3(),
 * the purchase sync and BullMQ workers over HTTP; test/clickhouse_server_flow.test.ts runs the whole
 * CLI flow in server mode in every run.
 */
const SERVER_MODE_FILES = [
  "test/api_happy_path.test.ts",
  "test/api_errors.test.ts",
  "test/api_security.test.ts",
  "test/api_products.test.ts",
  "test/api_explorer_page.test.ts",
  "test/api_end_to_end.test.ts",
  "test/api_rollups.test.ts",
  "test/api_totals_top.test.ts",
  "test/api_real_sample.test.ts",
  "test/api_arrow_output.test.ts",
  "test/api_result_cache.test.ts",
  "test/distributed_backfill.test.ts",
  "test/purchases_sync.test.ts",
];

/** Probes Redis, PostgreSQL, MariaDB and the programs the tests need, once per run. */
const SERVICES_SETUP = "test/support/services_setup.ts";

const INTEGRATION = {
  // Each file gets its own process: chDB binds one data directory per process.
  pool: "forks",
  testTimeout: 120_000,
  hookTimeout: 120_000,
} as const;

// Three projects: unit tests sit next to the code and need nothing running; integration tests talk
// to real Redis, PostgreSQL, MariaDB, chDB and s3rver; and some of those again with ClickHouse as a
// server. `npm test` runs all three. The services are probed once per run
// (test/support/services_setup.ts): blocks needing an absent one are skipped with the reason, or the
// run fails with CI=true / CTR_REQUIRE_SERVICES=1. The run ends with the totals and the skipped
// groups (test/support/summary_reporter.ts).
export default defineConfig({
  test: {
    // Vitest's default is one worker fewer than the cores: a single file at a time on CI's two. The
    // integration files spend much of their time waiting on child processes, Redis and the databases,
    // so three at once finish sooner (measured on six of the heaviest files: 57 s with one, 43 s with three).
    maxWorkers: 3,
    reporters: ["default", "./test/support/summary_reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["{schemas,workers,query-api,jobs}/src/**/*.test.ts", "query-api/explorer/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["{schemas,workers,query-api,jobs}/src/**/*.int.test.ts", "test/**/*.test.ts"],
          exclude: ["**/node_modules/**", "test/fixtures/**"],
          // The services first (a run that must fail for want of one fails before the build); tests
          // that spawn bin/ctr (or npx ctr) run the compiled CLI: built once, from the sources under test.
          globalSetup: [SERVICES_SETUP, "test/support/build_cli.ts"],
          ...INTEGRATION,
        },
      },
      {
        test: {
          name: "integration-server",
          include: SERVER_MODE_FILES,
          globalSetup: [SERVICES_SETUP, "test/support/clickhouse_server_setup.ts"],
          ...INTEGRATION,
        },
      },
    ],
  },
});
