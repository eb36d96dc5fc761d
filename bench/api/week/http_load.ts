import { Agent, request } from "node:http";
import { type LatencySummary, summarize } from "../latency.ts";

export interface LoadResult extends LatencySummary {
  /** Responses other than 200, and requests that failed outright. */
  non200: number;
  errors: number;
  /** The bodies of the first `keepBodies` responses, in request order. */
  bodies: string[];
}

/** One GET to its end (the whole body read), over a kept-alive socket of `agent`. */
function get(agent: Agent, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * Sends `paths` in order from `connections` closed loops (each sends its next request when its last
 * answer has been read), every loop on its own kept-alive socket, and times each request from send
 * to its body's last byte. Timed in µs here (autocannon's histogram rounds to the millisecond).
 */
export async function loadPaths(
  port: number,
  paths: readonly string[],
  { connections, keepBodies = 0 }: { connections: number; keepBodies?: number },
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const bodies: string[] = [];
  let next = 0;
  let non200 = 0;
  let errors = 0;
  const started = performance.now();
  const loop = async () => {
    for (let i = next++; i < paths.length; i = next++) {
      const t0 = performance.now();
      try {
        const { status, body } = await get(agent, port, paths[i] as string);
        latencies.push(performance.now() - t0);
        if (status !== 200) non200++;
        if (i < keepBodies) bodies[i] = body;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = performance.now() - started;
  agent.destroy();
  return { ...summarize(latencies, elapsed), non200, errors, bodies };
}
