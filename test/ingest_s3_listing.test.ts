// `ctr backfill` over an S3 source lists only the days it plans, never the whole source:
// one listing of the source's top level (a page per top-level folder at most), then one per
// platform folder and planned day. Counted on s3rver through a proxy that logs every request the
// product's own S3 client sends.
import path from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createS3Client } from "@ctr/workers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCtr } from "./support/ctr_in_process.ts";
import { EVENTS_BUCKET } from "./support/distributed_support.ts";
import { removeDir, tempDir } from "./support/ingest_fixtures.ts";
import { s3rverConfig, startS3rver } from "./support/ingest_s3rver.ts";
import { type S3Request, startS3Proxy } from "./support/s3_proxy.ts";

/** The platform folders as a landing zone may spell them: iOS in lower case. */
const PLATFORM_DIRS = ["Android", "MobileWeb", "ios"];
/** Sixty days of history, 2016-01-01 .. 2016-02-29, two files a day per platform. */
const DAYS = Array.from({ length: 60 }, (_, i) => new Date(Date.UTC(2016, 0, 1 + i)).toISOString().slice(0, 10));
const FILES_PER_DAY = 2;

let dir: string;
let s3: Awaited<ReturnType<typeof startS3rver>>;
let log: Awaited<ReturnType<typeof startS3Proxy>>;

/** One view of P1 at noon of `day`, in an NDJSON line. */
const dayFile = (day: string) =>
  `{"events":[{"event_type":"custom_event","data":{"event_name":"product","timestamp_unixtime_ms":${Date.parse(`${day}T12:00:00Z`)},"custom_attributes":{"codeColor":"P1"}}}]}\n`;

beforeAll(async () => {
  dir = await tempDir("s3-listing");
  s3 = await startS3rver(dir, [EVENTS_BUCKET]);
  const client = createS3Client(s3rverConfig(s3.endpoint));
  const puts: Promise<unknown>[] = [];
  for (const platform of PLATFORM_DIRS) {
    for (const day of DAYS) {
      for (let i = 0; i < FILES_PER_DAY; i++) {
        const Key = `landing/${platform}/${day}/part-${i}.ndjson`;
        puts.push(client.send(new PutObjectCommand({ Bucket: EVENTS_BUCKET, Key, Body: dayFile(day) })));
      }
    }
  }
  // A folder beside the platforms that is none of them.
  puts.push(client.send(new PutObjectCommand({ Bucket: EVENTS_BUCKET, Key: "landing/_staging/x.json", Body: "{}" })));
  await Promise.all(puts);
  log = await startS3Proxy(s3.endpoint);
});

afterAll(async () => {
  await log?.close();
  await s3?.close();
  await removeDir(dir);
});

beforeEach(() => {
  log.requests.length = 0;
});

/** `ctr backfill` of from..to over the source through the logging proxy; a fresh store each time. */
async function backfill(from: string, to: string, label: string) {
  const s3Env = s3rverConfig(log.endpoint);
  return runCtr(["backfill", "--from", from, "--to", to], {
    CTR_DATA_DIR: path.join(dir, label),
    EVENTS_SOURCE: `s3://${EVENTS_BUCKET}/landing`,
    S3_ENDPOINT: s3Env.endpoint,
    AWS_REGION: s3Env.region,
    AWS_ACCESS_KEY_ID: s3Env.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3Env.secretAccessKey,
  });
}

const listings = (requests: readonly S3Request[]) =>
  requests.filter((r) => r.bucket === EVENTS_BUCKET && r.listPrefix !== undefined).map((r) => r.listPrefix);

describe("listing an S3 source by day", () => {
  it("lists the top level, then only the planned day of each platform folder, whatever the history", async () => {
    const run = await backfill("2016-02-01", "2016-02-01", "one-day");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`files       ${PLATFORM_DIRS.length * FILES_PER_DAY} `);
    expect(run.stdout).toContain(`views       ${PLATFORM_DIRS.length * FILES_PER_DAY}\n`);
    const prefixes = listings(log.requests);
    const dayPrefixes = prefixes.filter((p) => p !== "landing/");
    expect(dayPrefixes.sort()).toEqual(PLATFORM_DIRS.map((p) => `landing/${p}/2016-02-01/`).sort());
    // The top level costs at most a page per top-level folder (four here), never a page per day of
    // history: 180 day folders stand in the source.
    expect(prefixes.length - dayPrefixes.length).toBeLessThanOrEqual(PLATFORM_DIRS.length + 2);
    expect(prefixes.length).toBeLessThanOrEqual(2 * PLATFORM_DIRS.length + 2);
  });

  it("grows by one listing per platform folder and day planned", async () => {
    const run = await backfill("2016-02-01", "2016-02-07", "one-week");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`views       ${7 * PLATFORM_DIRS.length * FILES_PER_DAY}\n`);
    const dayPrefixes = listings(log.requests).filter((p) => p !== "landing/");
    expect(dayPrefixes).toHaveLength(7 * PLATFORM_DIRS.length);
    expect(new Set(dayPrefixes).size).toBe(dayPrefixes.length);
    expect(dayPrefixes.every((p) => /^landing\/(Android|MobileWeb|ios)\/2016-02-0[1-7]\/$/.test(p ?? ""))).toBe(true);
  });
});
