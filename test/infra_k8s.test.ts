// Keeps infra/k8s honest without a cluster: each manifest parses and validates against the API schemas
// of Kubernetes and KEDA (kubernetes-models, what kubeconform checks), every process gets only variables of
// the configuration schema and all a distributed deployment needs (resolved from the ConfigMap and the
// Secret as Kubernetes would), runs a command `ctr --help` lists, and the probes, grace period and
// queue-depth scaling match what the processes do.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { CONFIG_VARIABLES } from "@ctr/schemas";
import { QUEUE_NAMES } from "@ctr/workers";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import {
  checkDistributedEnv,
  ctrAcceptsArgs,
  ctrCommandOf,
  type Env,
  listCtrCommands,
  REPO_ROOT,
} from "./support/infra_support.ts";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string };
    secretKeyRef?: { name: string; key: string };
  };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
}
interface PodSpec {
  initContainers?: Container[];
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: Record<string, unknown>;
}

const K8S_DIR = path.join(REPO_ROOT, "infra/k8s");
const files = readdirSync(K8S_DIR).filter((file) => /\.ya?ml$/.test(file) && file !== "kustomization.yaml");
const manifests: Manifest[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(K8S_DIR, file), "utf8")).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
    return document.toJS() as Manifest;
  }),
);

function find(kind: string, name: string): Manifest {
  const manifest = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!manifest) throw new Error(`no ${kind} ${name} in infra/k8s`);
  return manifest;
}

/** The pod template of a workload, whatever its kind. */
function podSpecOf(workload: Manifest): PodSpec {
  const spec = workload.spec as {
    template?: { spec: PodSpec };
    jobTemplate?: { spec: { template: { spec: PodSpec } } };
  };
  const podSpec = spec.template?.spec ?? spec.jobTemplate?.spec.template.spec;
  if (!podSpec) throw new Error(`${workload.kind} ${workload.metadata.name} has no pod template`);
  return podSpec;
}

/** Values of a ConfigMap or Secret as the container sees them (Secret stringData holds placeholders of the right shape). */
function valuesOf(kind: "ConfigMap" | "Secret", name: string): Env {
  const manifest = find(kind, name);
  return { ...(manifest.data ?? {}), ...(manifest.stringData ?? {}) };
}

/** The environment a container gets, resolved the way the kubelet does: envFrom first, then env. */
function environmentOf(container: Container): Env {
  const env: Env = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(env, valuesOf("ConfigMap", source.configMapRef.name));
    if (source.secretRef) Object.assign(env, valuesOf("Secret", source.secretRef.name));
  }
  for (const variable of container.env ?? []) {
    const configMapRef = variable.valueFrom?.configMapKeyRef;
    const secretRef = variable.valueFrom?.secretKeyRef;
    if (configMapRef) env[variable.name] = valuesOf("ConfigMap", configMapRef.name)[configMapRef.key] ?? "";
    else if (secretRef) env[variable.name] = valuesOf("Secret", secretRef.name)[secretRef.key] ?? "";
    else env[variable.name] = variable.value ?? "";
  }
  return env;
}

const workloads = manifests.filter((m) => ["Deployment", "Job", "CronJob"].includes(m.kind));
const ctrContainers = workloads.flatMap((workload) => {
  const pod = podSpecOf(workload);
  const name = `${workload.kind}/${workload.metadata.name}`;
  return [
    ...(pod.initContainers ?? []).map((container) => ({ workload: `${name} init ${container.name}`, container })),
    ...pod.containers.map((container) => ({ workload: name, container })),
  ].filter(({ container }) => container.image === "ctr-engine");
});

let commands: string[];
beforeAll(async () => {
  commands = await listCtrCommands();
});

describe("k8s manifests: structure", () => {
  it("parse, and kustomization.yaml lists every one of them", () => {
    const kustomization = parse(readFileSync(path.join(K8S_DIR, "kustomization.yaml"), "utf8")) as {
      resources: string[];
    };
    expect([...kustomization.resources].sort()).toEqual([...files].sort());
    expect(manifests.every((m) => typeof m.kind === "string" && typeof m.metadata?.name === "string")).toBe(true);
  });

  it("validate against the API schemas of Kubernetes and KEDA", () => {
    // kubernetes-models carries the OpenAPI schemas of the API groups
    // and KEDA's CRDs: what kubeconform checks, in-process. A kind without a model here fails the test.
    const models: Record<string, new (data: never) => { validate(): void }> = {
      "apps/v1 Deployment": Deployment,
      "batch/v1 CronJob": CronJob,
      "batch/v1 Job": Job,
      "policy/v1 PodDisruptionBudget": PodDisruptionBudget,
      "v1 ConfigMap": ConfigMap,
      "v1 Namespace": Namespace,
      "v1 Secret": Secret,
      "v1 Service": Service,
      "keda.sh/v1alpha1 ScaledObject": ScaledObject,
      "keda.sh/v1alpha1 TriggerAuthentication": TriggerAuthentication,
    };
    const problems = manifests.flatMap((manifest) => {
      const kind = `${manifest.apiVersion} ${manifest.kind}`;
      const Model = models[kind];
      if (!Model) return [`${kind} ${manifest.metadata.name}: no schema to check it against`];
      try {
        new Model(manifest as never).validate();
        return [];
      } catch (error) {
        return [`${kind} ${manifest.metadata.name}: ${(error as Error).message}`];
      }
    });
    expect(problems).toEqual([]);
  });

  it("run the API, the workers, the daily run and the migrations from the app image", () => {
    expect(ctrContainers.map((c) => c.workload).sort()).toEqual([
      "CronJob/ctr-daily",
      "Deployment/ctr-api",
      "Deployment/ctr-api init migrate",
      "Deployment/ctr-worker",
    ]);
  });

  it("hold no Job: its pod template cannot change, so applying a new image to a fixed-name Job fails", () => {
    expect(manifests.filter((m) => m.kind === "Job").map((m) => m.metadata.name)).toEqual([]);
  });

  it("migrate before the API serves: an init container of its pods, on the server's image and configuration", () => {
    const pod = podSpecOf(find("Deployment", "ctr-api"));
    const [server] = pod.containers;
    const [migrate] = pod.initContainers ?? [];
    expect(ctrCommandOf(migrate?.args ?? [], commands)).toBe("migrate");
    expect(migrate?.image).toBe(server?.image);
    expect(migrate?.envFrom).toEqual(server?.envFrom);
    // One new pod at a time during a rollout, and no old pod gone before a new one is ready: a failed
    // migration stops the rollout with the old version serving.
    const strategy = (find("Deployment", "ctr-api").spec as { strategy: { rollingUpdate: Record<string, number> } })
      .strategy.rollingUpdate;
    expect(strategy).toEqual({ maxUnavailable: 0, maxSurge: 1 });
  });

  it("run every pod as a non-root user", () => {
    for (const workload of workloads) {
      const security = podSpecOf(workload).securityContext;
      expect(security?.runAsNonRoot, workload.metadata.name).toBe(true);
      expect(security?.runAsUser, workload.metadata.name).not.toBe(0);
    }
  });
});

describe("k8s manifests: configuration", () => {
  it("set only variables of the configuration schema", () => {
    for (const { workload, container } of ctrContainers) {
      const unknown = Object.keys(environmentOf(container)).filter((key) => !CONFIG_VARIABLES.includes(key));
      expect(unknown, workload).toEqual([]);
    }
  });

  it("give every process a complete distributed configuration that loadConfig accepts", () => {
    for (const { workload, container } of ctrContainers) {
      const { problems, config } = checkDistributedEnv(environmentOf(container));
      expect(problems, workload).toEqual([]);
      expect(config?.clickhouse.kind, workload).toBe("server");
    }
  });

  it("keep the secrets in the Secret, not in the ConfigMap", () => {
    const config = valuesOf("ConfigMap", "ctr-config");
    const secrets = valuesOf("Secret", "ctr-secrets");
    for (const variable of [
      "CLICKHOUSE_PASSWORD",
      "AWS_SECRET_ACCESS_KEY",
      "API_KEYS",
      "ORDERS_DATABASE_URL",
      "REDIS_PASSWORD",
    ]) {
      expect(config[variable], variable).toBeUndefined();
      expect(secrets[variable], variable).toBeDefined();
    }
    // No URL of the ConfigMap carries a password.
    for (const [variable, value] of Object.entries(config)) {
      if (/^[a-z]+:\/\//.test(value)) expect(new URL(value).password, variable).toBe("");
    }
  });

  it("keep the Redis password in one Secret key, which the app and KEDA's scaler both read", () => {
    expect(manifests.filter((m) => m.kind === "Secret").map((m) => m.metadata.name)).toEqual(["ctr-secrets"]);
    const secrets = valuesOf("Secret", "ctr-secrets");
    const password = secrets.REDIS_PASSWORD ?? "";
    // No second copy: no Redis URL (with its password) in the Secret.
    expect(Object.values(secrets).filter((value) => /^rediss?:/.test(value))).toEqual([]);
    const worker = podSpecOf(find("Deployment", "ctr-worker")).containers[0] as Container;
    const redisUrl = new URL(checkDistributedEnv(environmentOf(worker)).config?.redisUrl ?? "");
    expect(decodeURIComponent(redisUrl.password)).toBe(password);
    const scaled = find("ScaledObject", "ctr-worker").spec as {
      triggers: { metadata: { address: string }; authenticationRef: { name: string } }[];
    };
    for (const trigger of scaled.triggers) {
      expect(trigger.metadata.address).toBe(redisUrl.host);
      const auth = find("TriggerAuthentication", trigger.authenticationRef.name).spec as {
        secretTargetRef: { parameter: string; name: string; key: string }[];
      };
      expect(auth.secretTargetRef).toEqual([{ parameter: "password", name: "ctr-secrets", key: "REDIS_PASSWORD" }]);
    }
  });
});

describe("k8s manifests: processes", () => {
  it("run only commands that `ctr --help` lists", () => {
    const expected: Record<string, string> = {
      "CronJob/ctr-daily": "daily",
      "Deployment/ctr-api": "serve",
      "Deployment/ctr-worker": "worker",
      "Deployment/ctr-api init migrate": "migrate",
    };
    for (const { workload, container } of ctrContainers) {
      // The image's ENTRYPOINT is ctr: `command` stays unset so `args` are ctr's arguments.
      expect(container.command, workload).toBeUndefined();
      expect(ctrCommandOf(container.args ?? [], commands), workload).toBe(expected[workload]);
    }
  });

  it("pass only flags the commands accept", async () => {
    for (const { workload, container } of ctrContainers) {
      const { ok, output } = await ctrAcceptsArgs(container.args ?? []);
      expect(ok, `${workload}: ${output}`).toBe(true);
    }
  });

  it("probe the API for readiness on /readyz and liveness on /healthz, on the port it serves", () => {
    const api = podSpecOf(find("Deployment", "ctr-api")).containers[0] as Container;
    expect(api.readinessProbe?.httpGet?.path).toBe("/readyz");
    expect(api.livenessProbe?.httpGet?.path).toBe("/healthz");
    const { config } = checkDistributedEnv(environmentOf(api));
    const port = api.ports?.find((p) => p.name === api.readinessProbe?.httpGet?.port);
    expect(port?.containerPort).toBe(config?.port);
    expect(api.livenessProbe?.httpGet?.port).toBe(api.readinessProbe?.httpGet?.port);
  });

  it("give a stopping worker at least its graceful-shutdown time before SIGKILL", () => {
    const pod = podSpecOf(find("Deployment", "ctr-worker"));
    const { config } = checkDistributedEnv(environmentOf(pod.containers[0] as Container));
    expect(config?.workerShutdownTimeoutMs).toBe(60_000);
    expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThanOrEqual(
      config?.workerShutdownTimeoutMs ?? Infinity,
    );
  });

  it("scale the workers with KEDA on the BullMQ lists of the queues they consume, never below the busy pods", () => {
    const scaled = find("ScaledObject", "ctr-worker").spec as {
      scaleTargetRef: { name: string };
      triggers: {
        type: string;
        metadata: { listName: string; listLength: string };
        authenticationRef: { name: string };
      }[];
    };
    expect(scaled.scaleTargetRef.name).toBe("ctr-worker");
    expect(scaled.triggers.every((t) => t.type === "redis")).toBe(true);
    const worker = podSpecOf(find("Deployment", "ctr-worker")).containers[0] as Container;
    const { config } = checkDistributedEnv(environmentOf(worker));
    // BullMQ's keys are `<prefix>:<queue>:wait|active`, with the prefix and queue names the workers use.
    const key = (queue: string, list: string) => `${config?.queuePrefix}:${queue}:${list}`;
    const listLength = (name: string) => scaled.triggers.find((t) => t.metadata.listName === name)?.metadata.listLength;
    expect(listLength(key(QUEUE_NAMES.shards, "wait"))).toBeDefined();
    expect(listLength(key(QUEUE_NAMES.store, "wait"))).toBeDefined();
    // The active-list target equals the per-pod concurrency: ceil(active / concurrency) pods are busy.
    expect(Number(listLength(key(QUEUE_NAMES.shards, "active")))).toBe(config?.workerConcurrency);
    for (const trigger of scaled.triggers) {
      const auth = find("TriggerAuthentication", trigger.authenticationRef.name).spec as {
        secretTargetRef: { name: string; key: string }[];
      };
      for (const ref of auth.secretTargetRef) expect(valuesOf("Secret", ref.name)[ref.key]).toBeDefined();
    }
  });

  it("run the daily job once a day, never two at once", () => {
    const spec = find("CronJob", "ctr-daily").spec as { schedule: string; concurrencyPolicy: string };
    expect(spec.schedule.split(" ")).toHaveLength(5);
    expect(spec.schedule.split(" ").slice(2)).toEqual(["*", "*", "*"]);
    expect(spec.concurrencyPolicy).toBe("Forbid");
  });
});
