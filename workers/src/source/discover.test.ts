import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverDays } from "./discover.ts";
import { LocalFolder } from "./local_folder.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctr-discover-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("discoverDays on a local source", () => {
  it("refuses a source folder that does not exist, naming it (a typo must not empty the days)", async () => {
    const missing = path.join(dir, "typo");
    await expect(discoverDays(new LocalFolder(missing), { platforms: ["iOS"], days: ["2016-02-01"] })).rejects.toThrow(
      `${missing}: the source folder does not exist`,
    );
  });

  it("returns a wanted day without files when only its platform or day folder is missing", async () => {
    mkdirSync(path.join(dir, "raw", "Android", "2016-02-01"), { recursive: true });
    const found = await discoverDays(new LocalFolder(path.join(dir, "raw")), {
      platforms: ["iOS", "Android"],
      days: ["2016-02-01"],
    });
    expect(found).toEqual([
      { platform: "iOS", day: "2016-02-01", files: [], skipped: 0 },
      { platform: "Android", day: "2016-02-01", files: [], skipped: 0 },
    ]);
  });
});
