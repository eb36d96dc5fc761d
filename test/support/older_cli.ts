// The `ctr` CLI of an older commit of this repository, built into a temporary folder: what a user's
// existing store was written by. Its sources come from git (`git archive`), its npm packages are
// this checkout's (symbolic links), its workspace packages its own; the build is the same esbuild
// step as today's (jobs/scripts/build.ts of that commit).
import { execFile } from "node:child_process";
import { mkdir, readdir, symlink } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "./ingest_fixtures.ts";

const run = promisify(execFile);
const WORKSPACES = ["schemas", "workers", "query-api", "jobs"];

/** Builds the CLI of `commit` under `dir`; returns the path of its `bin/ctr.js`. */
export async function buildOlderCli(commit: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const archive = path.join(dir, "src.tar");
  await run(
    "git",
    ["archive", "--format=tar", "-o", archive, commit, "package.json", "tsconfig.base.json", ...WORKSPACES],
    {
      cwd: REPO_ROOT,
    },
  );
  await run("tar", ["-xf", archive, "-C", dir]);
  const modules = path.join(dir, "node_modules");
  await mkdir(path.join(modules, "@ctr"), { recursive: true });
  for (const entry of await readdir(path.join(REPO_ROOT, "node_modules"))) {
    if (entry === "@ctr" || entry.startsWith(".")) continue;
    await symlink(path.join(REPO_ROOT, "node_modules", entry), path.join(modules, entry));
  }
  for (const workspace of WORKSPACES) {
    await symlink(path.join(dir, workspace), path.join(modules, "@ctr", workspace));
    for (const own of await readdir(path.join(REPO_ROOT, workspace, "node_modules")).catch(() => [])) {
      await mkdir(path.join(dir, workspace, "node_modules"), { recursive: true });
      await symlink(
        path.join(REPO_ROOT, workspace, "node_modules", own),
        path.join(dir, workspace, "node_modules", own),
      );
    }
  }
  await run(
    process.execPath,
    [path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "jobs/scripts/build.ts"],
    {
      cwd: dir,
    },
  );
  return path.join(dir, "jobs", "bin", "ctr.js");
}
