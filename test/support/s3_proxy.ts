// A plain HTTP proxy in front of an S3 endpoint (s3rver) that records every request, so that a test
// can count what the product asked S3 for through the product's own client, and can hold the reads
// of chosen objects until the test lets them go, to catch the product in the middle of a read.
// Headers go through untouched (the Host header is part of the request signature).
import http from "node:http";
import type { AddressInfo } from "node:net";

/** One request that went through the proxy: the bucket, and for a LIST its prefix. */
export interface S3Request {
  method: string;
  bucket: string;
  /** ListObjectsV2 requests only (`?list-type=2`): the prefix listed, "" for none. */
  listPrefix?: string;
}

export interface S3Proxy {
  endpoint: string;
  /** Every request so far, in order. */
  requests: S3Request[];
  /** Resolves once a read of an object whose key ends with `suffix` is being held. */
  held(suffix: string): Promise<void>;
  /** Lets every held read (and every later one) through. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `endpoint`; it holds every GET of an object whose key ends with one of `hold` (default: none). */
export async function startS3Proxy(
  endpoint: string,
  { hold = [] }: { hold?: readonly string[] } = {},
): Promise<S3Proxy> {
  const target = new URL(endpoint);
  const requests: S3Request[] = [];
  let holding = hold.length > 0;
  const waiting: (() => void)[] = [];
  const heldKeys: string[] = [];
  const watchers: { suffix: string; resolve: () => void }[] = [];
  const forward = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on("error", (error) => response.destroy(error));
    request.pipe(upstream);
  };
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://proxy");
    const isList = request.method === "GET" && url.searchParams.get("list-type") === "2";
    requests.push({
      method: request.method ?? "",
      bucket: url.pathname.split("/")[1] ?? "",
      ...(isList ? { listPrefix: url.searchParams.get("prefix") ?? "" } : {}),
    });
    const key = url.pathname;
    const matching = request.method === "GET" ? hold.find((suffix) => key.endsWith(suffix)) : undefined;
    if (!holding || matching === undefined) return forward(request, response);
    heldKeys.push(key);
    for (const watcher of watchers.filter((w) => key.endsWith(w.suffix))) watcher.resolve();
    // A reader that went away while held (a killed worker) is not answered.
    waiting.push(() => {
      if (!response.destroyed && !request.socket.destroyed) forward(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    held: (suffix) =>
      new Promise((resolve) => {
        if (heldKeys.some((key) => key.endsWith(suffix))) resolve();
        else watchers.push({ suffix, resolve });
      }),
    release: () => {
      holding = false;
      for (const go of waiting.splice(0)) go();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
