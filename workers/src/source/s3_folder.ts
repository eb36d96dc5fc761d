import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type * as S3Sdk from "@aws-sdk/client-s3";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Config } from "@ctr/schemas";
import { type Folder, type FolderObject, FolderReadError } from "./folder.ts";

/**
 * The AWS SDK, loaded on first use rather than when the package is imported: a deployment on local
 * folders never loads it. `require` because building a client is synchronous.
 */
function sdk(): typeof S3Sdk {
  return createRequire(import.meta.url)("@aws-sdk/client-s3") as typeof S3Sdk;
}

/** Builds an S3 client from the configuration; an endpoint (MinIO, s3rver) implies path-style URLs. */
export function createS3Client(s3: Config["s3"]): S3Client {
  const { S3Client } = sdk();
  return new S3Client({
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: s3.endpoint !== undefined,
    // The SDK's default CRC trailers send streamed bodies as aws-chunked, which S3-compatible
    // stores such as s3rver (and older MinIO) store verbatim, framing and all. Checksums only when
    // the operation requires them keeps plain uploads plain.
    ...(s3.endpoint !== undefined
      ? { requestChecksumCalculation: "WHEN_REQUIRED" as const, responseChecksumValidation: "WHEN_REQUIRED" as const }
      : {}),
    credentials:
      s3.accessKeyId && s3.secretAccessKey
        ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
        : undefined,
  });
}

/** An S3 prefix. Keys are relative to the prefix; the etag is the object's ETag without quotes. */
export class S3Folder implements Folder {
  readonly kind = "s3";
  readonly description: string;

  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
  ) {
    this.description = `s3://${bucket}${prefix ? `/${prefix}` : ""}`;
  }

  /** The full object key of a key relative to the prefix. */
  objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async *list(prefix: string): AsyncIterable<FolderObject> {
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new (sdk().ListObjectsV2Command)({
          Bucket: this.bucket,
          Prefix: this.objectKey(prefix),
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { key: object.Key.slice(strip), size: object.Size ?? 0, etag: (object.ETag ?? "").replaceAll('"', "") };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async listFolders(prefix: string): Promise<string[]> {
    // A skip-scan over the plain listing rather than Delimiter=/ (which some S3-compatible stores,
    // s3rver among them, answer wrongly beneath the first level): after each page, the listing
    // resumes past the last folder seen (`0` sorts right after `/`), so a folder of many objects
    // costs one request, not one per thousand objects.
    const base = this.objectKey(prefix);
    const names: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new (sdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix: base, StartAfter: after }),
      );
      let lastKey = after ?? "";
      let lastFolder: string | undefined;
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        lastKey = object.Key;
        const rest = object.Key.slice(base.length);
        const slash = rest.indexOf("/");
        if (slash <= 0) continue;
        lastFolder = rest.slice(0, slash);
        if (names.at(-1) !== lastFolder) names.push(lastFolder);
      }
      if (!page.IsTruncated) break;
      const pastFolder = lastFolder === undefined ? "" : `${base}${lastFolder}0`;
      after = [pastFolder, lastKey].sort().at(-1);
    }
    return [...new Set(names)].sort();
  }

  async open(key: string): Promise<Readable> {
    try {
      const object = await this.client.send(
        new (sdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      if (!(object.Body instanceof Readable)) throw new Error("the response has no body stream");
      return object.Body;
    } catch (cause) {
      throw new FolderReadError(`${this.description}/${key}`, "cannot be read", { cause });
    }
  }

  async localCopy(key: string, tempDir: string): Promise<{ path: string; temporary: boolean }> {
    // DuckDB's httpfs cannot be installed here, so the engine reads a local copy. pipeline() keeps
    // backpressure: memory stays at a few stream buffers whatever the object's size.
    const target = path.join(tempDir, `${Math.random().toString(36).slice(2)}-${path.posix.basename(key)}`);
    const body = await this.open(key);
    try {
      await pipeline(body, createWriteStream(target));
    } catch (cause) {
      throw new FolderReadError(`${this.description}/${key}`, "download failed", { cause });
    }
    return { path: target, temporary: true };
  }

  async put(key: string, localPath: string): Promise<void> {
    // One PUT: S3 makes an object visible only once it is complete.
    const { size } = await stat(localPath);
    await this.client.send(
      new (sdk().PutObjectCommand)({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: createReadStream(localPath),
        ContentLength: size,
      }),
    );
  }

  async putText(key: string, text: string): Promise<void> {
    await this.client.send(new (sdk().PutObjectCommand)({ Bucket: this.bucket, Key: this.objectKey(key), Body: text }));
  }

  async readText(key: string): Promise<string> {
    const body = await this.open(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const objects = keys.slice(i, i + 1000).map((key) => ({ Key: this.objectKey(key) }));
      await this.client.send(new (sdk().DeleteObjectsCommand)({ Bucket: this.bucket, Delete: { Objects: objects } }));
    }
  }
}
