/**
 * Where one /ctr request's time goes, by hand (not part of `npm run bench`):
 *   node --import tsx [--cpu-prof --cpu-prof-dir DIR] bench/api/week/profile.ts <dataDir> <week-requests.json> [n]
 * on the week store that `npm run bench -- api` leaves in its work folder (no server may hold it).
 * The app is built as `ctr serve` builds it, cache off. For each of the first n sequential requests
 * (default 200): once through `app.request` (no socket), timing the store client's calls inside it
 * (the engine, as the API waits for it), then once over a kept-alive HTTP socket. Prints medians:
 * engine, JS (in-process − engine), HTTP (socket − in-process).
 */
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { createApp, createLogger, createMetrics, startServer, toApiConfig } from "@ctr/query-api";
import { loadConfig } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
import type { WeekRequests } from "./floor.ts";
import { ctrPath } from "./requests.ts";

const [dataDir, requestsFile, countText] = process.argv.slice(2);
if (!dataDir || !requestsFile) throw new Error("usage: profile.ts <dataDir> <week-requests.json> [n]");
const requests = JSON.parse(await readFile(requestsFile, "utf8")) as WeekRequests;
const paths = requests.sequential.slice(0, Number(countText ?? 200)).map(ctrPath);

const config = loadConfig({ CTR_DATA_DIR: dataDir, LOG_LEVEL: "info", RESULT_CACHE_MB: "0" });
const store = openStore(config.clickhouse);
// Every store call the app makes, timed: the engine's share as the request waits for it.
let engineMs = 0;
let statements = 0;
const client = store.client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
for (const method of ["query", "exec", "command"]) {
  const original = client[method]?.bind(store.client);
  if (!original) continue;
  client[method] = async (...args: unknown[]) => {
    const t0 = performance.now();
    try {
      return await original(...args);
    } finally {
      engineMs += performance.now() - t0;
      statements++;
    }
  };
}
const logger = createLogger({ level: "info", destination: createWriteStream("/dev/null") });
const app = createApp({ store, config: toApiConfig(config), logger, metrics: createMetrics() });
const running = await startServer(app, { port: 0, hostname: "127.0.0.1" });
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const overSocket = (path: string) =>
  new Promise<void>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: running.port, path, agent }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`${path}: ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end();
  });

const figures = {
  engine: [] as number[],
  inProcess: [] as number[],
  socket: [] as number[],
  statements: [] as number[],
};
for (const path of paths) {
  engineMs = 0;
  statements = 0;
  const t0 = performance.now();
  const response = await app.request(path);
  await response.text();
  figures.inProcess.push(performance.now() - t0);
  figures.engine.push(engineMs);
  figures.statements.push(statements);
  const t1 = performance.now();
  await overSocket(path);
  figures.socket.push(performance.now() - t1);
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const engine = median(figures.engine);
const inProcess = median(figures.inProcess);
const socket = median(figures.socket);
process.stdout.write(
  `${JSON.stringify(
    {
      requests: paths.length,
      statementsPerRequest: median(figures.statements),
      medianMs: { engine, js: inProcess - engine, http: socket - inProcess, inProcess, socket },
    },
    null,
    2,
  )}\n`,
);
agent.destroy();
await running.close();
await store.close();
