import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { getIngestedFiles, getProductViewsPerMinute, migrate, type Store } from "@ctr/schemas";
import {
  commitPlatformDay,
  createS3Client,
  discoverDays,
  ingestShard,
  LocalFolder,
  listAll,
  openStore,
  S3Folder,
} from "@ctr/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allShapes, mixedNdjson, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";
import { s3rverConfig, startS3rver } from "./support/ingest_s3rver.ts";

const DAY = "2016-02-01";
let dir: string;
let s3: Awaited<ReturnType<typeof startS3rver>>;
let store: Store;

beforeAll(async () => {
  dir = await tempDir("ingest-s3");
  s3 = await startS3rver(dir, ["ctr-events", "ctr-parquet"]);
  await writeFiles(path.join(dir, "raw"), allShapes("Android", DAY));
  store = openStore({ kind: "embedded", path: path.join(dir, "clickhouse"), database: "default" });
  await migrate(store);
});

afterAll(async () => {
  await store?.close();
  await s3?.close();
  await removeDir(dir);
});

/** Uploads every file of a local folder under `prefix/` of the events bucket. */
async function upload(root: string, prefix: string): Promise<void> {
  const client = createS3Client(s3rverConfig(s3.endpoint));
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const key = `${prefix}/${path.relative(root, file).split(path.sep).join("/")}`;
    await client.send(new PutObjectCommand({ Bucket: "ctr-events", Key: key, Body: await readFile(file) }));
  }
}

describe("the S3 path", () => {
  it("gives the same manifests, Parquet set and ClickHouse rows as the local path", async () => {
    const config = s3rverConfig(s3.endpoint);
    await upload(path.join(dir, "raw"), "landing");
    const s3Source = new S3Folder(createS3Client(config), "ctr-events", "landing");
    const s3Sink = new S3Folder(createS3Client(config), "ctr-parquet", "out");
    const localSource = new LocalFolder(path.join(dir, "raw"));
    const localSink = new LocalFolder(path.join(dir, "parquet"));
    const engine = { memoryLimitMb: 256, threads: 1, tempDir: path.join(dir, "tmp") };

    const run = async (source: S3Folder | LocalFolder, sink: S3Folder | LocalFolder) => {
      const [day] = await discoverDays(source, { platforms: ["Android"], days: [DAY] });
      const files = day?.files ?? [];
      const shard = await ingestShard(
        { source: source.description, platform: "Android", day: DAY, files },
        {
          source,
          sink,
          engine,
        },
      );
      const commit = await commitPlatformDay({ platform: "Android", day: DAY }, { store, sink, s3: config });
      const rows = await getProductViewsPerMinute(store.client, { from: DAY, to: DAY });
      const loaded = await getIngestedFiles(store.client, { from: DAY, to: DAY });
      const outputs = (await listAll(sink, "")).map((o) => o.key);
      return {
        manifests: shard.files.map(({ etag: _etag, ...rest }) => rest),
        commit,
        rows,
        loaded: loaded.map(({ loaded_at: _at, etag: _etag, ...rest }) => rest),
        outputs,
      };
    };
    const viaS3 = await run(s3Source, s3Sink);
    const viaLocal = await run(localSource, localSink);
    expect(viaS3.commit).toMatchObject({ files: 6, views: 14 });
    expect(viaS3.outputs).toHaveLength(12);
    expect(viaS3).toEqual(viaLocal);
  });

  it("records a missing object and one that is not gzip but named .gz as failed, and reads the rest", async () => {
    const config = s3rverConfig(s3.endpoint);
    const client = createS3Client(config);
    await client.send(
      new PutObjectCommand({ Bucket: "ctr-events", Key: "landing/Android/2016-02-02/text.json.gz", Body: "not gzip" }),
    );
    await client.send(
      new PutObjectCommand({
        Bucket: "ctr-events",
        Key: "landing/Android/2016-02-02/good.ndjson",
        Body: mixedNdjson(),
      }),
    );
    const source = new S3Folder(client, "ctr-events", "landing");
    const sink = new S3Folder(client, "ctr-parquet", "out");
    const [found] = await discoverDays(source, { platforms: ["Android"], days: ["2016-02-02"] });
    const result = await ingestShard(
      {
        source: source.description,
        platform: "Android",
        day: "2016-02-02",
        files: [...(found?.files ?? []), { key: "Android/2016-02-02/gone.json", size: 1, etag: "x" }],
      },
      { source, sink, engine: { memoryLimitMb: 256, threads: 1, tempDir: path.join(dir, "tmp") } },
    );
    expect(result.files.map((m) => [m.file, m.status])).toEqual([
      ["Android/2016-02-02/good.ndjson", "loaded"],
      ["Android/2016-02-02/text.json.gz", "failed"],
      ["Android/2016-02-02/gone.json", "failed"],
    ]);
    expect(result.files[2]?.reason).toContain("cannot be read from s3://ctr-events/landing");
    const commit = await commitPlatformDay({ platform: "Android", day: "2016-02-02" }, { store, sink, s3: config });
    expect(commit).toMatchObject({ files: 3, views: 3 });
    expect(commit.failedFiles.map((f) => f.file)).toEqual([
      "Android/2016-02-02/gone.json",
      "Android/2016-02-02/text.json.gz",
    ]);
  });
});
