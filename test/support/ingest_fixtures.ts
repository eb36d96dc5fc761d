import { access, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** A product view batch whose ids are 64-bit values a JS number cannot hold. */
const view = (product: string, ts: string, id: string) =>
  `{"events":[{"event_type":"custom_event","data":{"event_name":"product","timestamp_unixtime_ms":${ts},"event_id":${id},"session_id":7147916473548190001,"custom_attributes":{"codeColor":"${product}"}}}],"mpid":196509116834317001}`;

/**
 * The batches of the mixed fixture, in file order. Per file: 4 good batches holding 5 events,
 * of which 3 are product views (P1 twice in minute 00:00 UTC, P2 once in 00:01) and 2 ignored
 * (an event that is not a product view, a numeric codeColor); 3 malformed batches; and a batch
 * whose one event is a view with a string time, refused on its own. 4 malformed records in all.
 */
export const MIXED_BATCHES = [
  view("P1", "1454284800000.5", "679644799952992001"),
  `{"events":[${view("P2", "1454284860000", "679644799952992002").slice(11, -28)},{"event_type":"custom_event","data":{"event_name":"home"}}],"mpid":1}`,
  `{"events":[{"event_type":"custom_event","data":{"event_name":"product","timestamp_unixtime_ms":1454284800000,"custom_attributes":{"codeColor":123}}}]}`,
  `{"events":[}]`,
  `{"events":5}`,
  `{"events":[{"event_type":"custom_event","data":{"event_name":"product","timestamp_unixtime_ms":"1454284800000","custom_attributes":{"codeColor":"P3"}}}]}`,
  `[1,2]`,
  view("P1", "1454284830000", "679644799952992003"),
];

/** Expected counts of one mixed file. */
export const MIXED_COUNTS = { batches: 8, events: 5, views: 3, ignored: 2, malformed: 4 };

/** NDJSON of the mixed batches, with a blank line before the last (blank lines are no batches). */
export function mixedNdjson(): string {
  const lines = [...MIXED_BATCHES];
  lines.splice(7, 0, "");
  return `${lines.join("\n")}\n`;
}

/** A pretty-printed JSON array of the mixed batches (each batch spread over lines). */
export function mixedArray(): string {
  return `[\n${MIXED_BATCHES.map((b) => `  ${b.replaceAll(",", ",\n    ")}`).join(",\n")}\n]\n`;
}

/** One pretty-printed batch object with one view of P4 at 00:02 UTC. */
export function singleObject(): string {
  return `{\n  "events": [\n    {\n      "event_type": "custom_event",\n      "data": {\n        "event_name": "product",\n        "timestamp_unixtime_ms": 1454284920000,\n        "event_id": 679644799952992004,\n        "custom_attributes": { "codeColor": "P4" }\n      }\n    }\n  ],\n  "mpid": 196509116834317004\n}\n`;
}

/** One product view of `product` at 10:00 UTC of `day`, as a one-line NDJSON file. */
export const oneViewNdjson = (day: string, product: string): string =>
  `${JSON.stringify({
    events: [
      {
        event_type: "custom_event",
        data: {
          event_name: "product",
          timestamp_unixtime_ms: Date.parse(`${day}T10:00:00Z`),
          custom_attributes: { codeColor: product },
        },
      },
    ],
  })}\n`;

/** Writes files under `root`, gzipping those whose name ends in .gz. */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [key, text] of Object.entries(files)) {
    const file = path.join(root, key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, key.endsWith(".gz") ? gzipSync(text) : text);
  }
}

/** The mixed fixture in every shape, plain and gzipped, under `<platform>/<day>/`. */
export function allShapes(platformDir: string, day: string): Record<string, string> {
  const dir = `${platformDir}/${day}`;
  return {
    [`${dir}/mixed.ndjson`]: mixedNdjson(),
    [`${dir}/mixed.jsonl.gz`]: mixedNdjson(),
    [`${dir}/mixed-array.json`]: mixedArray(),
    [`${dir}/mixed-array.json.gz`]: mixedArray(),
    [`${dir}/single.json`]: singleObject(),
    [`${dir}/single.json.gz`]: singleObject(),
    [`${dir}/README.txt`]: "not an event file",
  };
}

/** A fresh temporary folder; remove it with `rm(dir, { recursive: true })`. */
export function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `ctr-${label}-`));
}

export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });

/** The repository root, from this file's location. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The real sample shipped next to the repository, or undefined when it is absent. */
export async function realSamplePath(): Promise<string | undefined> {
  const file = path.resolve(REPO_ROOT, "../shared/data/productEvent_20160201.json.gz");
  try {
    await access(file);
    return file;
  } catch {
    return undefined;
  }
}
