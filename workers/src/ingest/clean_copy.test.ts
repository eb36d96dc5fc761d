import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { viewTimeWindow } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { judgeBatch, MAX_LOCATIONS_PER_FILE, replaceLoneSurrogates, writeCleanCopy } from "./clean_copy.ts";

const window = viewTimeWindow("2016-02-01");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ctr-clean-copy-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A product view at `ts` (JSON text) in the 2016-02-01 folder. */
const viewAt = (ts: string) =>
  `{"event_type":"custom_event","data":{"event_name":"product","timestamp_unixtime_ms":${ts},"custom_attributes":{"codeColor":"A"}}}`;
const view = viewAt("1454284800000");
const kept = (events: number) => ({ kind: "batch", events, refusedViews: [] });
const malformed = (reason: RegExp) => ({ kind: "malformed", reason: expect.stringMatching(reason) });

describe("judgeBatch", () => {
  it("accepts a batch of events, views or not", () => {
    expect(judgeBatch(`{"events":[${view},{"event_type":5}],"mpid":679644799952992001}`, window)).toEqual(kept(2));
    expect(judgeBatch('{"events":[]}', window)).toEqual(kept(0));
  });

  it("names what is wrong with a malformed batch", () => {
    expect(judgeBatch('{"events":', window)).toEqual(malformed(/^invalid JSON/));
    expect(judgeBatch("[1]", window)).toEqual(malformed(/^not an event batch/));
    expect(judgeBatch('{"events":[1]}', window)).toEqual(malformed(/^not an event batch: events\.0/));
    expect(judgeBatch('{"mpid":1}', window)).toEqual(malformed(/^not an event batch: events/));
    // NaN is no JSON (the engine reads it, so its batch comes here): the whole batch is malformed.
    expect(judgeBatch(`{"events":[${viewAt("NaN")}]}`, window)).toEqual(malformed(/^invalid JSON/));
  });

  it("refuses the views whose time it cannot place, by event, and keeps the batch", () => {
    const batch = `{"events":[${viewAt('"1454284800000"')},${view},${viewAt("1e400")},{"event_type":"x"},${viewAt("1e20")}]}`;
    expect(judgeBatch(batch, window)).toEqual({
      kind: "batch",
      events: 5,
      refusedViews: [
        { event: 1, reason: "product view without a numeric data.timestamp_unixtime_ms" },
        { event: 3, reason: "product view time data.timestamp_unixtime_ms is beyond the range of numbers" },
        {
          event: 5,
          reason: "view time 100000000000000000000 ms is outside 2016-01-31..2016-02-02 of folder 2016-02-01",
        },
      ],
    });
  });
});

const maxBatchBytes = 16 * 1024 * 1024;

describe("replaceLoneSurrogates", () => {
  it("writes a surrogate escape without its pair as U+FFFD, and leaves pairs and escaped backslashes", () => {
    expect(replaceLoneSurrogates('{"a":"\\ud800","b":"\\udc00\\ud83d"}')).toBe('{"a":"\\ufffd","b":"\\ufffd\\ufffd"}');
    const kept = '{"a":"\\ud83d\\ude00","b":"\\\\ud800","c":"\\u00e9"}';
    expect(replaceLoneSurrogates(kept)).toBe(kept);
    expect(JSON.parse(replaceLoneSurrogates('["x\\uDBFF"]'))).toEqual(["x\uFFFD"]);
  });
});

describe("writeCleanCopy", () => {
  it("keeps the raw text of good NDJSON lines and locates the bad ones by line", async () => {
    const input = path.join(dir, "in.ndjson");
    const good = `{"events":[${viewAt('1454284800000,"event_id":679644799952992001')}]}`;
    await writeFile(input, `${good}\n\nnot json\n${good}\n`);
    const clean = path.join(dir, "clean.ndjson");
    const found = await writeCleanCopy(
      { path: input, shape: "newline_delimited", gzipped: false, sourceKey: "k", window, maxBatchBytes },
      clean,
    );
    expect(found).toMatchObject({ malformedBatches: 1, malformedViews: 0 });
    expect(found.locations).toEqual([
      { file: "k", position: "line 3", reason: expect.stringMatching(/^invalid JSON/) },
    ]);
    expect(await readFile(clean, "utf8")).toBe(`${good}\n${good}\n`);
  });

  it("flattens good array elements onto one line each and locates the bad ones by batch", async () => {
    const input = path.join(dir, "in.json");
    await writeFile(input, `[\n{"events":\n [${view}]},\n{"events": 5}\n]`);
    const clean = path.join(dir, "clean-array.ndjson");
    const found = await writeCleanCopy(
      { path: input, shape: "array", gzipped: false, sourceKey: "k", window, maxBatchBytes },
      clean,
    );
    expect(found.locations.map((l) => l.position)).toEqual(["batch 2"]);
    expect(await readFile(clean, "utf8")).toBe(`{"events":  [${view}]}\n`);
  });

  it("keeps a batch with a refused view, locating the view by line and event", async () => {
    const input = path.join(dir, "refused.ndjson");
    const batch = `{"events":[${view},${viewAt("-1")}],"mpid":679644799952992001}`;
    await writeFile(input, `${batch}\n`);
    const clean = path.join(dir, "refused-clean.ndjson");
    const found = await writeCleanCopy(
      { path: input, shape: "newline_delimited", gzipped: false, sourceKey: "k", window, maxBatchBytes },
      clean,
    );
    expect(found).toEqual({
      malformedBatches: 0,
      malformedViews: 1,
      locations: [{ file: "k", position: "line 1, event 2", reason: expect.stringMatching(/^view time -1 ms/) }],
      keptEvents: 2,
    });
    expect(await readFile(clean, "utf8")).toBe(`${batch}\n`);
  });

  it("reads pretty-printed objects one after the other, by batch", async () => {
    const input = path.join(dir, "objects.json");
    const pretty = `{\n "events": [\n  ${view}\n ]\n}`;
    await writeFile(input, `${pretty}\n{"events": [${viewAt("0")}]}\n`);
    const clean = path.join(dir, "objects-clean.ndjson");
    const found = await writeCleanCopy(
      { path: input, shape: "unstructured", gzipped: false, sourceKey: "k", window, maxBatchBytes },
      clean,
    );
    expect(found.locations).toEqual([
      { file: "k", position: "batch 2, event 1", reason: expect.stringMatching(/^view time 0 ms/) },
    ]);
    expect(await readFile(clean, "utf8")).toBe(`${pretty.replaceAll("\n", " ")}\n{"events": [${viewAt("0")}]}\n`);
  });

  it("skips a line over the engine's limit without holding it, and keeps the lines around it", async () => {
    const input = path.join(dir, "long.ndjson");
    const good = `{"events":[${view}]}`;
    await writeFile(input, `${good}\n{"events":[],"pad":"${"x".repeat(3000)}"}\r\n${good}\r\n`);
    const clean = path.join(dir, "long-clean.ndjson");
    const found = await writeCleanCopy(
      { path: input, shape: "newline_delimited", gzipped: false, sourceKey: "k", window, maxBatchBytes: 1024 },
      clean,
    );
    expect(found.locations).toEqual([
      {
        file: "k",
        position: "line 2",
        reason: expect.stringMatching(/^a batch of [\d.]+ MB, over the [\d.]+ MB the engine reads/),
      },
    ]);
    expect(await readFile(clean, "utf8")).toBe(`${good}\n${good}\n`);
  });

  it("lists at most MAX_LOCATIONS_PER_FILE locations but counts them all", async () => {
    const input = path.join(dir, "many.ndjson");
    await writeFile(input, "x\n".repeat(MAX_LOCATIONS_PER_FILE + 5));
    const found = await writeCleanCopy(
      { path: input, shape: "newline_delimited", gzipped: false, sourceKey: "k", window, maxBatchBytes },
      path.join(dir, "many-clean.ndjson"),
    );
    expect(found.malformedBatches).toBe(MAX_LOCATIONS_PER_FILE + 5);
    expect(found.locations).toHaveLength(MAX_LOCATIONS_PER_FILE);
  });
});
