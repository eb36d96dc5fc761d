// The services some tests need beyond Node (Redis, PostgreSQL, MariaDB, the redis-server program,
// Chromium): what they are called, where the tests find them, how to get them. Nothing of vitest
// here: the orders benchmark creates its databases through the same addresses (fresh_databases.ts).

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
