// vitest globalSetup of the integration project: probes each service once per run, says which are
// absent, and hands the findings to the test files (`inject("services")`). With CI=true or
// CTR_REQUIRE_SERVICES=1 an absent service ends the run here, exit code 1, before any test.
import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { checkRedisReachable } from "@ctr/workers";
import mysql from "mysql2/promise";
import pg from "pg";
import type { TestProject } from "vitest/node";
import {
  describeAbsence,
  howToGet,
  SERVICE_NAMES,
  type ServiceName,
  type ServiceStatus,
  type ServiceStatuses,
  serviceAddress,
  servicesRequired,
} from "./services.ts";

/** How long one probe may take: a closed port answers at once, a black-holed one would not. */
const PROBE_TIMEOUT_MS = 3_000;

/** Runs `program --version`; rejects when it cannot be started. */
function runsProgram(program: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ["--version"], { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${program} --version exited ${code}`))));
  });
}

const PROBES: Record<ServiceName, (address: string) => Promise<void>> = {
  redis: async (url) => {
    try {
      await checkRedisReachable(url, PROBE_TIMEOUT_MS);
    } catch (error) {
      // Its message names REDIS_URL, the variable of the engine; the cause is what the probe found.
      throw error instanceof Error && error.cause instanceof Error ? error.cause : error;
    }
  },
  postgres: async (url) => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
    // A failed connect also emits "error"; without a listener it would be an uncaught exception.
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("SELECT 1");
    } finally {
      await client.end().catch(() => {});
    }
  },
  mariadb: async (url) => {
    const connection = await mysql.createConnection({ uri: url, connectTimeout: PROBE_TIMEOUT_MS });
    try {
      await connection.ping();
    } finally {
      await connection.end().catch(() => {});
    }
  },
  redisServer: runsProgram,
  // Starting a browser only to ask its version would cost seconds: an executable file is enough.
  chromium: (file) => access(file, constants.X_OK),
};

/** Probes one service at its address. */
export async function probeService(name: ServiceName, env: NodeJS.ProcessEnv = process.env): Promise<ServiceStatus> {
  const address = serviceAddress(name, env);
  try {
    await PROBES[name](address);
    return { name, address, available: true };
  } catch (error) {
    const problem = error instanceof Error && error.message !== "" ? error.message : String(error);
    return { name, address, available: false, problem: problem.split("\n")[0] };
  }
}

/** Probes every service at once. */
export async function probeServices(env: NodeJS.ProcessEnv = process.env): Promise<ServiceStatuses> {
  const statuses = await Promise.all(SERVICE_NAMES.map((name) => probeService(name, env)));
  return Object.fromEntries(statuses.map((status) => [status.name, status])) as ServiceStatuses;
}

// Two projects (integration, integration-server) name this setup; the run probes and reports once.
const PROBED = Symbol.for("ctr.test.services");
const runState = globalThis as { [PROBED]?: Promise<ServiceStatuses> };

export default async function setup(project: TestProject): Promise<void> {
  const first = runState[PROBED] === undefined;
  runState[PROBED] ??= probeServices();
  const statuses = await runState[PROBED];
  project.provide("services", statuses);
  if (!first) return;
  const absent = Object.values(statuses).filter((status) => !status.available);
  if (absent.length > 0 && servicesRequired()) {
    const lines = absent.map((s) => `  ${describeAbsence(s)}\n    ${howToGet(s.name)}`);
    process.stderr.write(
      `services: required (CI or CTR_REQUIRE_SERVICES is set) but absent; no test runs:\n${lines.join("\n")}\n`,
    );
    // Exiting here, before any worker starts, says only that; a thrown error would be followed by
    // vitest's "No test files found" and an empty summary, which read as another problem.
    process.exit(1);
  }
  for (const status of absent) {
    process.stdout.write(`services: ${describeAbsence(status)}: its tests are skipped. ${howToGet(status.name)}\n`);
  }
}
