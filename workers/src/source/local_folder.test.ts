import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SkippedObject } from "./folder.ts";
import { LocalFolder } from "./local_folder.ts";

let dir: string;
let root: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctr-local-folder-"));
  // Outside the source: links to these are skipped.
  const elsewhere = path.join(dir, "elsewhere");
  mkdirSync(path.join(elsewhere, "day"), { recursive: true });
  mkdirSync(path.join(elsewhere, "platform", "2016-02-03"), { recursive: true });
  writeFileSync(path.join(elsewhere, "big.json.gz"), "x");
  writeFileSync(path.join(elsewhere, "day", "b.ndjson"), "xx");
  writeFileSync(path.join(elsewhere, "platform", "2016-02-03", "c.json"), "xxx");

  root = path.join(dir, "raw");
  mkdirSync(path.join(root, "iOS", "2016-02-01"), { recursive: true });
  mkdirSync(path.join(root, "_store", "feb05"), { recursive: true });
  writeFileSync(path.join(root, "iOS", "2016-02-01", "a.json"), "{}");
  writeFileSync(path.join(root, "_store", "feb05", "d.json"), "dddd");
  // In the source: a second name for a.json in its own folder, a day folder linked to another, a
  // day folder linked to a store folder, a loop and a dangling link.
  symlinkSync("a.json", path.join(root, "iOS", "2016-02-01", "0-same.json"));
  symlinkSync("2016-02-01", path.join(root, "iOS", "2016-02-04"));
  symlinkSync(path.join("..", "_store", "feb05"), path.join(root, "iOS", "2016-02-05"));
  symlinkSync(path.join(root, "iOS"), path.join(root, "iOS", "2016-02-01", "loop"));
  symlinkSync(path.join(dir, "missing"), path.join(root, "iOS", "2016-02-01", "gone.json"));
  // Leading out of the source: a file, a day folder, a platform folder, and /etc/passwd.
  symlinkSync(path.join(elsewhere, "big.json.gz"), path.join(root, "iOS", "2016-02-01", "linked.json.gz"));
  symlinkSync(path.join(elsewhere, "day"), path.join(root, "iOS", "2016-02-02"));
  symlinkSync(path.join(elsewhere, "platform"), path.join(root, "Android"));
  symlinkSync("/etc/passwd", path.join(root, "iOS", "2016-02-01", "x.json"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function list(prefix: string) {
  const folder = new LocalFolder(root);
  const skipped: SkippedObject[] = [];
  const listed: [string, number, string | undefined][] = [];
  for await (const object of folder.list(prefix, { onSkipped: (s) => skipped.push(s) })) {
    listed.push([object.key, object.size, object.realKey]);
  }
  return { listed, skipped: skipped.sort((a, b) => (a.key < b.key ? -1 : 1)) };
}

describe("LocalFolder.list and symbolic links", () => {
  it("lists a file reached twice once, under its own key, and follows links only inside the source", async () => {
    const { listed, skipped } = await list("");
    expect(listed).toEqual([
      ["_store/feb05/d.json", 4, undefined],
      ["iOS/2016-02-01/a.json", 2, undefined],
    ]);
    expect(skipped).toEqual([
      { key: "Android", reason: "a symbolic link leading outside the source" },
      { key: "iOS/2016-02-01/0-same.json", reason: "the same file as iOS/2016-02-01/a.json, listed once" },
      { key: "iOS/2016-02-01/gone.json", reason: "a dangling symbolic link" },
      { key: "iOS/2016-02-01/linked.json.gz", reason: "a symbolic link leading outside the source" },
      { key: "iOS/2016-02-01/loop", reason: "a symbolic link loop" },
      { key: "iOS/2016-02-01/x.json", reason: "a symbolic link leading outside the source" },
      { key: "iOS/2016-02-02", reason: "a symbolic link leading outside the source" },
      { key: "iOS/2016-02-04/0-same.json", reason: "the same file as iOS/2016-02-01/a.json, listed once" },
      { key: "iOS/2016-02-04/a.json", reason: "the same file as iOS/2016-02-01/a.json, listed once" },
      { key: "iOS/2016-02-05/d.json", reason: "the same file as _store/feb05/d.json, listed once" },
    ]);
  });

  it("lists a linked folder's files under the link, with the key of the file they really are", async () => {
    expect((await list("iOS/2016-02-05/")).listed).toEqual([["iOS/2016-02-05/d.json", 4, "_store/feb05/d.json"]]);
    // Neither name is the file's own key here: the first in key order stands for both.
    expect((await list("iOS/2016-02-04/")).listed).toEqual([
      ["iOS/2016-02-04/0-same.json", 2, "iOS/2016-02-01/a.json"],
    ]);
  });

  it("lists a folder reached through a link leading out as nothing, and says so", async () => {
    expect(await list("iOS/2016-02-02/")).toEqual({
      listed: [],
      skipped: [{ key: "iOS/2016-02-02", reason: "a symbolic link leading outside the source" }],
    });
    expect((await list("Android/2016-02-03/")).listed).toEqual([]);
  });

  it("names the folders under a prefix, links inside the source included", async () => {
    const folder = new LocalFolder(root);
    expect(await folder.listFolders("")).toEqual(["_store", "iOS"]);
    expect(await folder.listFolders("iOS/")).toEqual(["2016-02-01", "2016-02-04", "2016-02-05"]);
    expect(await folder.listFolders("nowhere/")).toEqual([]);
  });
});
