import { createRequire } from "node:module";
import path from "node:path";

/** The part of s3rver (untyped CommonJS) the ingest tests use. */
interface S3rverServer {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverServer;

/** A local S3 (s3rver) on a free loopback port with the given buckets; credentials S3RVER/S3RVER. */
export async function startS3rver(
  directory: string,
  buckets: string[],
): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const S3rver = createRequire(import.meta.url)("s3rver") as S3rverConstructor;
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: path.join(directory, "s3rver"),
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, close: () => server.close() };
}

/** The s3 configuration s3rver accepts. */
export const s3rverConfig = (endpoint: string) => ({
  endpoint,
  region: "us-east-1",
  accessKeyId: "S3RVER",
  secretAccessKey: "S3RVER",
});
