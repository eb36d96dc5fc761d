import http from "node:http";
import type { AddressInfo } from "node:net";

/** One request that went through the proxy: the bucket, and for a LIST its prefix. */
export interface S3Request {
  method: string;
  bucket: string;
  /** ListObjectsV2 requests only (`?list-type=2`): the prefix listed, "" for none. */
  listPrefix?: string;
}

/**
 * A plain HTTP proxy in front of an S3 endpoint (s3rver) that records every request, so that a test
 * can count what the product asked S3 for, through the product's own client. Headers go through
 * untouched (the Host header is part of the request signature).
 */
export async function startS3RequestLog(
  endpoint: string,
): Promise<{ endpoint: string; requests: S3Request[]; close: () => Promise<void> }> {
  const target = new URL(endpoint);
  const requests: S3Request[] = [];
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://proxy");
    const bucket = url.pathname.split("/")[1] ?? "";
    const isList = request.method === "GET" && url.searchParams.get("list-type") === "2";
    requests.push({
      method: request.method ?? "",
      bucket,
      ...(isList ? { listPrefix: url.searchParams.get("prefix") ?? "" } : {}),
    });
    const forward = http.request(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forward.on("error", (error) => response.destroy(error));
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
