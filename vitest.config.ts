import { defineConfig } from "vitest/config";

// Two projects: unit tests sit next to the code and need nothing running; integration tests
// talk to real Redis, PostgreSQL, MariaDB, chDB and s3rver. `npm test` runs both.
export default defineConfig({
  test: {
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
          exclude: ["**/node_modules/**"],
          // Each file gets its own process: chDB binds one data directory per process.
          pool: "forks",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
