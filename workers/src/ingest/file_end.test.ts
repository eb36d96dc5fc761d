import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkFileEnd } from "./file_end.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ctr-file-end-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, bytes: string | Buffer): Promise<string> {
  const at = path.join(dir, name);
  await writeFile(at, bytes);
  return at;
}

describe("checkFileEnd", () => {
  it("tells an array without its closing bracket, plain or gzipped, from a whole one", async () => {
    const whole = '[\n{"events":[]},\n{"events":[]}\n]\n  \n';
    const cut = '[\n{"events":[]},\n{"events":[]},\n';
    expect(await checkFileEnd(await file("whole.json", whole), "array", false)).toEqual({ unclosedArray: false });
    expect(await checkFileEnd(await file("cut.json", cut), "array", false)).toEqual({ unclosedArray: true });
    expect(await checkFileEnd(await file("whole.json.gz", gzipSync(whole)), "array", true)).toEqual({
      unclosedArray: false,
    });
    expect(await checkFileEnd(await file("cut.json.gz", gzipSync(cut)), "array", true)).toEqual({
      unclosedArray: true,
    });
  });

  it("finds a gzip stream cut before its end, whatever the shape", async () => {
    const stream = gzipSync('{"events":[]}\n'.repeat(10_000));
    const end = await checkFileEnd(
      await file("cut.ndjson.gz", stream.subarray(0, stream.length - 20)),
      "newline_delimited",
      true,
    );
    expect(end.gzipError?.message).toBe("unexpected end of file");
    expect(await checkFileEnd(await file("whole.ndjson.gz", stream), "newline_delimited", true)).toEqual({
      unclosedArray: false,
    });
  });
});
