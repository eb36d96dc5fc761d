// What the source's listing cannot read costs only itself and is said: a folder that cannot be
// listed makes its platform-day partial while the other days load, and a top-level folder that is
// no platform's is named in the summary instead of passed over without a word.
import { execFile } from "node:child_process";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { loadConfig } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withApi } from "./support/ctr_cli.ts";
import { runCtr } from "./support/ctr_in_process.ts";
import { oneViewNdjson, REPO_ROOT, removeDir, tempDir, writeFiles } from "./support/ingest_fixtures.ts";

let dir: string;
const env = () => ({ CTR_DATA_DIR: path.join(dir, "data"), WORKER_CONCURRENCY: "2" });
const raw = (key: string) => path.join(dir, "data", "raw", key);

/**
 * Whether `setpriv` can run a command without the capabilities that let root read any folder: the
 * tests run as root, whom a folder's permissions do not stop. Probed on a folder of mode 000.
 */
async function canDropReadCapabilities(probe: string): Promise<boolean> {
  try {
    await promisify(execFile)("setpriv", [...DROP_READ_CAPABILITIES, "ls", probe]);
    return false;
  } catch (error) {
    return /Permission denied/.test(String((error as { stderr?: string }).stderr));
  }
}
const DROP_READ_CAPABILITIES = ["--bounding-set=-dac_override,-dac_read_search", "--"];

/** Runs the compiled `ctr` as root without those capabilities: folders of mode 000 are unreadable to it. */
async function runCtrWithoutReadCapabilities(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(
      "setpriv",
      [...DROP_READ_CAPABILITIES, process.execPath, "jobs/bin/ctr.js", ...args],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env() } },
    );
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "" };
  }
}

let locked: string[] = [];
let dropsCapabilities = false;

beforeAll(async () => {
  dir = await tempDir("source-faults");
  await writeFiles(path.join(dir, "data", "raw"), {
    "iOS/2016-03-10/a.ndjson": oneViewNdjson("2016-03-10", "D10"),
    "iOS/2016-03-11/a.ndjson": oneViewNdjson("2016-03-11", "D11"),
    "iOS/2016-03-11/sub/b.ndjson": oneViewNdjson("2016-03-11", "SUB"),
    "iOS/2016-03-12/a.ndjson": oneViewNdjson("2016-03-12", "D12"),
    "Windows/2016-03-10/a.ndjson": oneViewNdjson("2016-03-10", "WINDOWS"),
    "ios_old/2016-03-10/a.ndjson": oneViewNdjson("2016-03-10", "OLD"),
  });
  locked = [raw("iOS/2016-03-11/sub"), raw("Android/2016-03-12")];
  await mkdir(path.join(dir, "probe"));
  await chmod(path.join(dir, "probe"), 0o000);
  dropsCapabilities = await canDropReadCapabilities(path.join(dir, "probe"));
});

afterAll(async () => {
  for (const folder of [...locked, path.join(dir, "probe")]) await chmod(folder, 0o755).catch(() => undefined);
  await removeDir(dir);
});

describe("a top-level folder that is no platform's", () => {
  it("is named in the summary of ctr backfill and ctr daily; its files are not read", async () => {
    const run = await runCtr(["backfill", "--from", "2016-03-10", "--to", "2016-03-10"], env());
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(
      "not read    2 folders of the source that no platform has (iOS, Android, MobileWeb): Windows/, ios_old/",
    );
    expect(run.stdout).toMatch(/^views +1$/m);
    const daily = await runCtr(["daily", "--date", "2016-03-10"], env());
    expect(daily.stdout).toContain("Windows/, ios_old/");
  });
});

describe("a folder the source cannot list", () => {
  it("makes its platform-day partial, named, while the other days load (exit 3)", async (context) => {
    if (!dropsCapabilities) context.skip("setpriv cannot drop root's capability to read any folder here");
    // A day never loaded before (a loaded day whose folder turns unreadable is refused, as one that lost files).
    await writeFiles(path.join(dir, "data", "raw"), {
      "Android/2016-03-12/a.ndjson": oneViewNdjson("2016-03-12", "LOCKED_DAY"),
    });
    for (const folder of locked) await chmod(folder, 0o000);
    await writeFile(raw("iOS/2016-03-11/c.ndjson"), oneViewNdjson("2016-03-11", "D11C"));
    const run = await runCtrWithoutReadCapabilities(["backfill", "--from", "2016-03-10", "--to", "2016-03-12"]);
    expect(run.code, run.stdout).toBe(3);
    expect(run.stdout).toMatch(/^views +4$/m);
    expect(run.stdout).toContain("  iOS/2016-03-11/sub/: the folder cannot be listed (EACCES: permission denied)");
    expect(run.stdout).toContain("  Android/2016-03-12/: the folder cannot be listed (EACCES: permission denied)");
    await withApi(loadConfig(env()), async (server) => {
      const response = await fetch(`${server.url}/coverage?from=2016-03-10&to=2016-03-12`);
      const body = (await response.json()) as {
        views: { platform: string; day: string; status: string; views: number }[];
      };
      expect(body.views.map((d) => [d.platform, d.day, d.status, d.views]).sort()).toEqual([
        ["Android", "2016-03-12", "partial", 0],
        ["iOS", "2016-03-10", "complete", 1],
        ["iOS", "2016-03-11", "partial", 2],
        ["iOS", "2016-03-12", "complete", 1],
      ]);
      expect(JSON.stringify(body)).not.toContain(dir);
    });

    // A platform folder that cannot be listed costs ctr daily its days of that platform, not the run.
    await writeFiles(path.join(dir, "data", "raw"), {
      "MobileWeb/2016-03-12/a.ndjson": oneViewNdjson("2016-03-12", "M"),
    });
    locked.push(raw("MobileWeb"));
    await chmod(raw("MobileWeb"), 0o000);
    const daily = await runCtrWithoutReadCapabilities(["daily", "--date", "2016-03-12"]);
    expect(daily.code, daily.stdout).toBe(3);
    expect(daily.stdout).toContain("  MobileWeb/2016-03-12/: the folder cannot be listed (EACCES: permission denied)");
  });
});
