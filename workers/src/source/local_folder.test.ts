import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalFolder } from "./local_folder.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctr-local-folder-"));
  const elsewhere = path.join(dir, "elsewhere");
  mkdirSync(path.join(elsewhere, "day"), { recursive: true });
  mkdirSync(path.join(elsewhere, "platform", "2016-02-03"), { recursive: true });
  writeFileSync(path.join(elsewhere, "big.json.gz"), "x");
  writeFileSync(path.join(elsewhere, "day", "b.ndjson"), "xx");
  writeFileSync(path.join(elsewhere, "platform", "2016-02-03", "c.json"), "xxx");

  const root = path.join(dir, "raw");
  mkdirSync(path.join(root, "iOS", "2016-02-01"), { recursive: true });
  writeFileSync(path.join(root, "iOS", "2016-02-01", "a.json"), "{}");
  symlinkSync(path.join(elsewhere, "big.json.gz"), path.join(root, "iOS", "2016-02-01", "linked.json.gz"));
  symlinkSync(path.join(elsewhere, "day"), path.join(root, "iOS", "2016-02-02"));
  symlinkSync(path.join(elsewhere, "platform"), path.join(root, "Android"));
  // A loop inside a day folder, and a dangling link: neither may break the listing.
  symlinkSync(path.join(root, "iOS"), path.join(root, "iOS", "2016-02-01", "loop"));
  symlinkSync(path.join(dir, "missing"), path.join(root, "iOS", "2016-02-01", "gone.json"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("LocalFolder.list", () => {
  it("lists files and folders linked into the source as what they point to", async () => {
    const folder = new LocalFolder(path.join(dir, "raw"));
    const listed = [];
    for await (const object of folder.list("")) listed.push([object.key, object.size]);
    expect(listed).toEqual([
      ["Android/2016-02-03/c.json", 3],
      ["iOS/2016-02-01/a.json", 2],
      ["iOS/2016-02-01/linked.json.gz", 1],
      ["iOS/2016-02-02/b.ndjson", 2],
    ]);
  });
});
