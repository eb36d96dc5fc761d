// The services some integration tests need beyond Node (Redis, PostgreSQL, MariaDB, the redis-server
// program, Chromium), where the tests find them, and how a test block says it needs one. The services are
// probed once per run (services_setup.ts, vitest's globalSetup); a block that needs an absent one
// is skipped with the reason, or, with CI=true or CTR_REQUIRE_SERVICES=1, the run fails instead.
import { inject, type SuiteOptions } from "vitest";

export const SERVICE_NAMES = ["redis", "postgres", "mariadb", "redisServer", "chromium"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const COMPOSE = "docker compose -f infra/compose/docker-compose.yml --profile test-services up -d";

/** What the tests need to know about a service: what it is called, where it is, how to start it. */
export interface ServiceSpec {
  label: string;
  /** The test-only variable that points the tests at it; unset: `defaultAddress`. None: always that. */
  variable?: string;
  defaultAddress: string;
  /** What gets it running (the remedy printed when it is absent). */
  howToGet: string;
}

export const SERVICES: Record<ServiceName, ServiceSpec> = {
  redis: {
    label: "Redis",
    variable: "CTR_TEST_REDIS_URL",
    defaultAddress: "redis://127.0.0.1:6379",
    howToGet: `start it with bash .ci/services (Debian packages) or ${COMPOSE} test-redis`,
  },
  postgres: {
    label: "PostgreSQL",
    variable: "CTR_TEST_POSTGRES_URL",
    defaultAddress: "postgres://postgres@127.0.0.1:5432/postgres",
    howToGet: `start it with bash .ci/services (Debian packages) or ${COMPOSE} test-postgres`,
  },
  mariadb: {
    label: "MariaDB",
    variable: "CTR_TEST_MARIADB_URL",
    defaultAddress: "mysql://root@127.0.0.1:3306",
    howToGet: `start it with bash .ci/services (Debian packages) or ${COMPOSE} test-mariadb`,
  },
  redisServer: {
    label: "the redis-server program",
    variable: "CTR_TEST_REDIS_SERVER",
    defaultAddress: "redis-server",
    howToGet:
      "install it with bash .ci/services or apt-get install redis-server (the tests start their own on a free port)",
  },
  chromium: {
    label: "Chromium",
    // Debian's, always: browsers are never downloaded (the explorer's browser test).
    defaultAddress: "/usr/bin/chromium",
    howToGet: "install it with apt-get install chromium (.ci/run does)",
  },
};

/** Where the tests find a service: its test-only variable, or the default on loopback. */
export function serviceAddress(name: ServiceName, env: NodeJS.ProcessEnv = process.env): string {
  const variable = SERVICES[name].variable;
  const value = variable === undefined ? undefined : env[variable];
  return value !== undefined && value !== "" ? value : SERVICES[name].defaultAddress;
}

/** What the probe found. */
export interface ServiceStatus {
  name: ServiceName;
  address: string;
  available: boolean;
  /** Why it is absent (the connection error). */
  problem?: string;
}

export type ServiceStatuses = Record<ServiceName, ServiceStatus>;

/** True when a missing service must fail the run: CI=true (or 1), or CTR_REQUIRE_SERVICES=1. */
export function servicesRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const on = (value: string | undefined) => value !== undefined && ["1", "true"].includes(value.toLowerCase());
  return on(env.CI) || on(env.CTR_REQUIRE_SERVICES);
}

/** Which service is absent, where it was looked for, and why. */
export function describeAbsence(status: ServiceStatus): string {
  return `${SERVICES[status.name].label} is not available at ${status.address} (${status.problem ?? "absent"})`;
}

/** How to get a service the tests can use. */
export function howToGet(name: ServiceName): string {
  const spec = SERVICES[name];
  return `${spec.label}: ${spec.howToGet}${spec.variable ? `, or set ${spec.variable}` : ""}`;
}

declare module "vitest" {
  interface ProvidedContext {
    services: ServiceStatuses;
  }
  interface TaskMeta {
    /** Why the block was skipped: read by the summary reporter. */
    skipReason?: string;
    /** What would let it run. */
    skipRemedy?: string;
  }
}

/** The probe's findings for this run (provided by services_setup.ts). */
export function serviceStatus(name: ServiceName): ServiceStatus {
  return inject("services")[name];
}

/**
 * The options of a describe block that needs these services: it runs when they are all there, and
 * is skipped otherwise, with the reason for the summary. `describe("...", needs("redis"), () => ...)`
 */
export function needs(...names: ServiceName[]): SuiteOptions {
  const absent = names.map(serviceStatus).filter((status) => !status.available);
  if (absent.length === 0) return {};
  return {
    skip: true,
    meta: {
      skipReason: absent.map(describeAbsence).join("; "),
      skipRemedy: absent.map((status) => howToGet(status.name)).join("; "),
    },
  };
}

/** True when the service is there (for cleanup that would otherwise wait on an absent one). */
export const isAvailable = (name: ServiceName): boolean => serviceStatus(name).available;
