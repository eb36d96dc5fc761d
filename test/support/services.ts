// How a test block says it needs one of the services (service_addresses.ts): the services are probed
// once per run (services_setup.ts, vitest's globalSetup); a block that needs an absent one is
// skipped with the reason, or, with CI=true or CTR_REQUIRE_SERVICES=1, the run fails instead.
import { inject, type SuiteOptions } from "vitest";
import {
  describeAbsence,
  howToGet,
  type ServiceName,
  type ServiceStatus,
  type ServiceStatuses,
} from "./service_addresses.ts";

export * from "./service_addresses.ts";

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
