// Keeps infra/compose/docker-compose.yml honest without a Docker engine: it passes dclint (the Compose
// specification's schema and its lint rules), every app service gets only
// variables the configuration schema knows, enough of them for the distributed deployment, and a
// command `ctr --help` lists; the backing services are configured the way BullMQ and the app need.
import { readFileSync } from "node:fs";
import path from "node:path";
import { CONFIG_VARIABLES, loadConfig, parseLocation } from "@ctr/schemas";
import { DCLinter } from "dclint";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  checkDistributedEnv,
  composeFiles,
  ctrAcceptsArgs,
  ctrCommandOf,
  type Env,
  listCtrCommands,
  REPO_ROOT,
  readCompose,
} from "./support/infra_support.ts";
import { SERVICES } from "./support/services.ts";

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  deploy?: { replicas?: number };
  stop_grace_period?: string;
  profiles?: string[];
  ports?: string[];
}

const COMPOSE_FILE = path.join(REPO_ROOT, "infra/compose/docker-compose.yml");
// `merge: true` resolves the `<<: *ctr-image` keys the way Docker Compose does.
const compose = parse(readFileSync(COMPOSE_FILE, "utf8"), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
/** The app image, built from the repository's Dockerfile (`docker build -t ctr-engine:local .`). */
const APP_IMAGE = "ctr-engine:local";
/** Services that run the app image. */
const appServices = Object.entries(services).filter(([, service]) => service.image === APP_IMAGE);

function environmentOf(service: ComposeService): Env {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((item) => [item.split("=")[0] ?? "", item.split("=").slice(1).join("=")]),
    );
  }
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value ?? "")]));
}

function commandOf(service: ComposeService): string[] {
  return typeof service.command === "string" ? service.command.split(/\s+/) : (service.command ?? []);
}

/** Compose durations as written here: `75s`, `1m30s`. */
function durationMs(value: string): number {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!match || value === "") throw new Error(`unreadable duration ${value}`);
  return (Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 1000;
}

let commands: string[];
beforeAll(async () => {
  commands = await listCtrCommands();
});

/** dclint's findings on a Compose file, as `line: message (rule)`. */
function lintCompose(file: string): string[] {
  // The files are ordered by role (backing services, the app, the profiles) and in start order, not
  // alphabetically; their strings are in double quotes.
  const rules = {
    "service-keys-order": 0,
    "services-alphabetical-order": 0,
    "service-dependencies-alphabetical-order": 0,
    "top-level-properties-order": 0,
    "require-quotes-in-ports": [2, { quoteType: "double" }],
  } as const;
  const linter = new DCLinter({ rules, quiet: false, debug: false, exclude: [] });
  // dclint's declarations import their own types without extensions, which NodeNext cannot follow.
  const results: { messages: { line: number; message: string; rule: string }[] }[] = linter.lintFiles([file], false);
  return results.flatMap((r) => r.messages.map((m) => `${m.line}: ${m.message} (${m.rule})`));
}

const COMPOSE_FILES = composeFiles();

describe("every Compose file under infra/", () => {
  it("is found: the app stack and the replicated cluster", () => {
    expect(COMPOSE_FILES.map((file) => path.relative(REPO_ROOT, file))).toEqual(
      expect.arrayContaining(["infra/clickhouse/docker-compose.yml", "infra/compose/docker-compose.yml"]),
    );
  });

  it.each(COMPOSE_FILES.map((file) => [path.relative(REPO_ROOT, file), file]))(
    "%s passes dclint: the Compose schema and its rules (no port beyond the host's loopback, no build beside image)",
    (_name, file) => {
      expect(lintCompose(file)).toEqual([]);
    },
  );

  it.each(COMPOSE_FILES.map((file) => [path.relative(REPO_ROOT, file), file]))(
    "%s has no service with both build and image once its anchors are merged (which dclint does not see)",
    (_name, file) => {
      const both = Object.entries(readCompose(file).services).filter(([, s]) => s.build !== undefined && s.image);
      expect(both.map(([name]) => name)).toEqual([]);
    },
  );

  it("publish each host port once, across the files: both stacks can run side by side", () => {
    const owners = new Map<string, string[]>();
    for (const file of COMPOSE_FILES) {
      for (const [name, service] of Object.entries(readCompose(file).services)) {
        for (const port of service.ports ?? []) {
          // "127.0.0.1:8123:8123": the host side is what two files must not share.
          const hostPort = port.split(":").slice(-2, -1)[0] ?? port;
          owners.set(hostPort, [...(owners.get(hostPort) ?? []), `${path.relative(REPO_ROOT, file)} ${name}`]);
        }
      }
    }
    expect([...owners].filter(([, services]) => services.length > 1)).toEqual([]);
  });

  it("let the cluster's servers reach the app stack's MinIO at the S3_ENDPOINT the app hands to s3()", () => {
    const app = readCompose(path.join(REPO_ROOT, "infra/compose/docker-compose.yml"));
    const cluster = readCompose(path.join(REPO_ROOT, "infra/clickhouse/docker-compose.yml"));
    const appNetwork = app.networks?.default?.name;
    expect(appNetwork).toBeDefined();
    const s3Host = new URL(String(environmentOf(services.api as ComposeService).S3_ENDPOINT)).hostname;
    expect(app.services[s3Host]).toBeDefined();
    // The cluster file declares the app's network as external, and every server joins it.
    const joined = Object.entries(cluster.networks ?? {}).find(([, n]) => n?.name === appNetwork && n?.external);
    expect(joined).toBeDefined();
    const servers = Object.entries(cluster.services).filter(([, s]) =>
      s.image?.startsWith("clickhouse/clickhouse-server"),
    );
    expect(servers.length).toBe(2);
    for (const [name, server] of servers) {
      const networks = Array.isArray(server.networks) ? server.networks : Object.keys(server.networks ?? {});
      expect(networks, name).toContain(joined?.[0]);
    }
  });
});

describe("compose stack: app services", () => {
  it("runs the app image the file's header says to build from the repository's Dockerfile", () => {
    expect(appServices.map(([name]) => name)).toEqual(expect.arrayContaining(["migrate", "api", "worker", "daily"]));
    expect(readFileSync(COMPOSE_FILE, "utf8")).toContain(`docker build -t ${APP_IMAGE} .`);
    for (const file of COMPOSE_FILES) {
      for (const [name, service] of Object.entries(readCompose(file).services)) {
        // No other name for it: one `docker build` serves every file.
        if (service.image?.startsWith("ctr-engine")) expect(service.image, name).toBe(APP_IMAGE);
      }
    }
  });

  it("sets only variables of the configuration schema", () => {
    for (const [name, service] of appServices) {
      const unknown = Object.keys(environmentOf(service)).filter((key) => !CONFIG_VARIABLES.includes(key));
      expect(unknown, `service ${name}`).toEqual([]);
    }
  });

  it("gives every app service a complete distributed configuration that loadConfig accepts", () => {
    for (const [name, service] of appServices) {
      const { problems, config } = checkDistributedEnv(environmentOf(service));
      expect(problems, `service ${name}`).toEqual([]);
      expect(config?.clickhouse.kind, `service ${name}`).toBe("server");
      expect(config?.eventsSource.kind).toBe("s3");
      expect(config?.parquetSink.kind).toBe("s3");
    }
  });

  it("runs only commands that `ctr --help` lists", () => {
    expect(commands).toEqual(expect.arrayContaining(["serve", "worker", "daily", "migrate", "orders load"]));
    for (const [name, service] of appServices) {
      expect(
        ctrCommandOf(commandOf(service), commands),
        `service ${name}: ${commandOf(service).join(" ")}`,
      ).toBeDefined();
    }
    expect(ctrCommandOf(commandOf(services.api as ComposeService), commands)).toBe("serve");
    expect(ctrCommandOf(commandOf(services.worker as ComposeService), commands)).toBe("worker");
    expect(ctrCommandOf(commandOf(services.daily as ComposeService), commands)).toBe("daily");
    expect(ctrCommandOf(commandOf(services.migrate as ComposeService), commands)).toBe("migrate");
  });

  it("passes only flags the commands accept", async () => {
    for (const [name, service] of appServices) {
      const { ok, output } = await ctrAcceptsArgs(commandOf(service));
      expect(ok, `service ${name}: ${output}`).toBe(true);
    }
  });

  it("runs several workers and gives each longer to stop than its graceful shutdown", () => {
    const worker = services.worker as ComposeService;
    expect(worker.deploy?.replicas).toBeGreaterThanOrEqual(2);
    const { workerShutdownTimeoutMs } = loadConfig(environmentOf(worker));
    expect(durationMs(worker.stop_grace_period ?? "10s")).toBeGreaterThanOrEqual(workerShutdownTimeoutMs);
  });

  it("starts the API and workers only after the migrations and buckets are done", () => {
    for (const name of ["api", "worker"]) {
      const dependsOn = services[name]?.depends_on ?? {};
      expect(dependsOn.migrate?.condition, name).toBe("service_completed_successfully");
      expect(dependsOn.buckets?.condition, name).toBe("service_completed_successfully");
      expect(dependsOn.redis?.condition, name).toBe("service_healthy");
    }
    expect(services.migrate?.depends_on?.clickhouse?.condition).toBe("service_healthy");
  });
});

describe("compose stack: backing services", () => {
  it("runs ClickHouse, Redis, MinIO and PostgreSQL with health checks, and the API too", () => {
    for (const name of ["clickhouse", "redis", "minio", "postgres", "api"]) {
      expect(services[name]?.healthcheck?.test.length, name).toBeGreaterThan(1);
    }
    expect(services.api?.healthcheck?.test.join(" ")).toContain("/readyz");
  });

  it("configures Redis the way BullMQ needs: noeviction, and AOF persistence", () => {
    const command = commandOf(services.redis as ComposeService).join(" ");
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    expect(command).toMatch(/--appendonly yes/);
  });

  it("creates the buckets that EVENTS_SOURCE and PARQUET_SINK name", () => {
    const env = environmentOf(services.api as ComposeService);
    const bucketsCommand = commandOf(services.buckets as ComposeService).join(" ");
    for (const variable of ["EVENTS_SOURCE", "PARQUET_SINK"]) {
      const location = parseLocation(env[variable] ?? "", variable);
      expect(location.kind).toBe("s3");
      if (location.kind === "s3") expect(bucketsCommand).toContain(`local/${location.bucket}`);
    }
    expect(bucketsCommand).toContain("mc mb --ignore-existing");
  });

  it("points the app at the services by their compose names, with matching credentials", () => {
    const env = environmentOf(services.api as ComposeService);
    const clickhouse = environmentOf(services.clickhouse as ComposeService);
    const minio = environmentOf(services.minio as ComposeService);
    const postgres = environmentOf(services.postgres as ComposeService);
    expect(new URL(env.CLICKHOUSE_URL ?? "").hostname).toBe("clickhouse");
    expect(new URL(env.REDIS_URL ?? "").hostname).toBe("redis");
    expect(new URL(env.S3_ENDPOINT ?? "").hostname).toBe("minio");
    expect([env.CLICKHOUSE_USER, env.CLICKHOUSE_PASSWORD]).toEqual([
      clickhouse.CLICKHOUSE_USER,
      clickhouse.CLICKHOUSE_PASSWORD,
    ]);
    expect([env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY]).toEqual([
      minio.MINIO_ROOT_USER,
      minio.MINIO_ROOT_PASSWORD,
    ]);
    const orders = new URL(env.ORDERS_DATABASE_URL ?? "");
    expect([orders.hostname, orders.username, orders.password, orders.pathname]).toEqual([
      "postgres",
      postgres.POSTGRES_USER,
      postgres.POSTGRES_PASSWORD,
      `/${postgres.POSTGRES_DB}`,
    ]);
  });
});

describe("compose profile test-services: what npm test talks to, for development", () => {
  const testServices = Object.entries(services).filter(([, service]) => service.profiles?.includes("test-services"));

  it("holds Redis, PostgreSQL and MariaDB only, each with a health check, and nothing of the stack", () => {
    expect(testServices.map(([name]) => name).sort()).toEqual(["test-mariadb", "test-postgres", "test-redis"]);
    for (const [name, service] of testServices) {
      expect(service.profiles, name).toEqual(["test-services"]);
      expect(service.image, name).not.toBe(APP_IMAGE);
      expect(service.healthcheck?.test.length, name).toBeGreaterThan(1);
    }
  });

  it("publishes each on loopback only, at the port of the tests' default address", () => {
    for (const [name, kind] of [
      ["test-redis", "redis"],
      ["test-postgres", "postgres"],
      ["test-mariadb", "mariadb"],
    ] as const) {
      const port = new URL(SERVICES[kind].defaultAddress).port;
      expect(services[name]?.ports, name).toEqual([`127.0.0.1:${port}:${port}`]);
    }
  });

  it("trusts loopback as the tests' default addresses expect: postgres and root without a password", () => {
    expect(new URL(SERVICES.postgres.defaultAddress)).toMatchObject({ username: "postgres", password: "" });
    expect(environmentOf(services["test-postgres"] as ComposeService)).toEqual({ POSTGRES_HOST_AUTH_METHOD: "trust" });
    expect(new URL(SERVICES.mariadb.defaultAddress)).toMatchObject({ username: "root", password: "" });
    expect(environmentOf(services["test-mariadb"] as ComposeService)).toEqual({
      MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1",
    });
    expect(commandOf(services["test-redis"] as ComposeService).join(" ")).toContain("--maxmemory-policy noeviction");
  });
});
