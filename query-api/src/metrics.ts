import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The API's Prometheus metrics, on a registry of its own so several apps can live in one process (tests). */
export interface ApiMetrics {
  registry: Registry;
  /** Requests by method, matched route and status. */
  requests: Counter<"method" | "route" | "status">;
  /** Time to the response's headers, by route. Streamed bodies keep flowing after it. */
  requestSeconds: Histogram<"method" | "route">;
  /** ClickHouse queries by name, as named in the code. */
  querySeconds: Histogram<"query" | "outcome">;
  /** /ctr rows sent to clients, from ClickHouse or the result cache; not those of Arrow bodies streamed by a server (not parsed). */
  ctrRows: Counter;
  /** /ctr answers served from the result cache, and those rendered by ClickHouse while it was on. */
  resultCacheHits: Counter;
  resultCacheMisses: Counter;
  /** Answers the result cache dropped to stay within RESULT_CACHE_MB (not those of an older generation). */
  resultCacheEvictions: Counter;
  /** Bytes the result cache holds now, bodies and keys. */
  resultCacheBytes: Gauge;
}

export interface MetricsOptions {
  /** Also collect the process metrics (CPU, memory, event loop). Default true. */
  processMetrics?: boolean;
}

/** Creates the API's metrics on a fresh registry. */
export function createMetrics({ processMetrics = true }: MetricsOptions = {}): ApiMetrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: "ctr_api_requests_total",
      help: "HTTP requests by method, route and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: "ctr_api_request_duration_seconds",
      help: "Time to the response headers, by route",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    querySeconds: new Histogram({
      name: "ctr_api_clickhouse_query_duration_seconds",
      help: "ClickHouse queries by name and outcome (ok, error)",
      labelNames: ["query", "outcome"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
      registers: [registry],
    }),
    ctrRows: new Counter({
      name: "ctr_api_ctr_rows_total",
      help: "/ctr rows sent (Arrow bodies from a ClickHouse server pass through uncounted)",
      registers: [registry],
    }),
    resultCacheHits: new Counter({
      name: "ctr_api_result_cache_hits_total",
      help: "/ctr answers served from the result cache",
      registers: [registry],
    }),
    resultCacheMisses: new Counter({
      name: "ctr_api_result_cache_misses_total",
      help: "/ctr answers rendered by ClickHouse because the result cache had none",
      registers: [registry],
    }),
    resultCacheEvictions: new Counter({
      name: "ctr_api_result_cache_evictions_total",
      help: "/ctr answers dropped from the result cache to stay within RESULT_CACHE_MB",
      registers: [registry],
    }),
    resultCacheBytes: new Gauge({
      name: "ctr_api_result_cache_bytes",
      help: "Bytes held by the /ctr result cache",
      registers: [registry],
    }),
  };
}

/** Times a named ClickHouse call into the metrics. */
export async function timeQuery<T>(metrics: ApiMetrics, query: string, run: () => Promise<T>): Promise<T> {
  const end = metrics.querySeconds.startTimer({ query });
  try {
    const result = await run();
    end({ outcome: "ok" });
    return result;
  } catch (error) {
    end({ outcome: "error" });
    throw error;
  }
}
