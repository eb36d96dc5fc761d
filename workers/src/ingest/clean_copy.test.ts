import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { judgeBatch, MAX_LOCATIONS_PER_FILE, writeCleanCopy } from "./clean_copy.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ctr-clean-copy-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const view =
  '{"event_type":"custom_event","data":{"event_name":"product","timestamp_unixtime_ms":1,"custom_attributes":{"codeColor":"A"}}}';

describe("judgeBatch", () => {
  it("accepts a batch of events, views or not", () => {
    expect(judgeBatch(`{"events":[${view},{"event_type":5}],"mpid":679644799952992001}`)).toBeUndefined();
    expect(judgeBatch('{"events":[]}')).toBeUndefined();
  });

  it("names what is wrong with a malformed batch", () => {
    expect(judgeBatch('{"events":')).toMatch(/^invalid JSON/);
    expect(judgeBatch("[1]")).toMatch(/^not an event batch/);
    expect(judgeBatch('{"events":[1]}')).toMatch(/^not an event batch: events\.0/);
    expect(judgeBatch('{"mpid":1}')).toMatch(/^not an event batch: events/);
    expect(judgeBatch(`{"events":[${view.replace(":1,", ':"1",')}]}`)).toBe(
      "product view without a numeric data.timestamp_unixtime_ms",
    );
  });
});

describe("writeCleanCopy", () => {
  it("keeps the raw text of good NDJSON lines and locates the bad ones by line", async () => {
    const input = path.join(dir, "in.ndjson");
    const good = `{"events":[${view.replace('"timestamp_unixtime_ms":1', '"timestamp_unixtime_ms":1,"event_id":679644799952992001')}]}`;
    await writeFile(input, `${good}\n\nnot json\n${good}\n`);
    const clean = path.join(dir, "clean.ndjson");
    const found = await writeCleanCopy(
      { path: input, shape: "newline_delimited", gzipped: false, sourceKey: "k" },
      clean,
    );
    expect(found.malformed).toBe(1);
    expect(found.locations).toEqual([
      { file: "k", position: "line 3", reason: expect.stringMatching(/^invalid JSON/) },
    ]);
    expect(await readFile(clean, "utf8")).toBe(`${good}\n${good}\n`);
  });

  it("flattens good array elements onto one line each and locates the bad ones by batch", async () => {
    const input = path.join(dir, "in.json");
    await writeFile(input, `[\n{"events":\n [${view}]},\n{"events": 5}\n]`);
    const clean = path.join(dir, "clean-array.ndjson");
    const found = await writeCleanCopy({ path: input, shape: "array", gzipped: false, sourceKey: "k" }, clean);
    expect(found.locations.map((l) => l.position)).toEqual(["batch 2"]);
    expect(await readFile(clean, "utf8")).toBe(`{"events":  [${view}]}\n`);
  });

  it("lists at most MAX_LOCATIONS_PER_FILE locations but counts them all", async () => {
    const input = path.join(dir, "many.ndjson");
    await writeFile(input, "x\n".repeat(MAX_LOCATIONS_PER_FILE + 5));
    const found = await writeCleanCopy(
      { path: input, shape: "newline_delimited", gzipped: false, sourceKey: "k" },
      path.join(dir, "many-clean.ndjson"),
    );
    expect(found.malformed).toBe(MAX_LOCATIONS_PER_FILE + 5);
    expect(found.locations).toHaveLength(MAX_LOCATIONS_PER_FILE);
  });
});
