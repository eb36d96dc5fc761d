// The project runs on one Node major: package.json "engines", the Dockerfile's NODE_VERSION and the Node
// that .ci/node (sourced by .ci/run and the README's set-up) puts first on PATH agree. .ci/node is run
// for real with bash; the machine's older node is a script that reports an old version, and the Node
// it would install from the npm registry is already in its prefix (this test's own node), so the test
// downloads nothing.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/infra_support.ts";

const CI_NODE = path.join(REPO_ROOT, ".ci", "node");
const NODE_MAJOR = Number(/^ctr_node_major=(\d+)$/m.exec(readFileSync(CI_NODE, "utf8"))?.[1]);
const PACKAGE = `node-${process.platform}-${process.arch}`;
const BASH = execFileSync("bash", ["-c", "command -v bash"], { encoding: "utf8" }).trim();
const UNAME = execFileSync(BASH, ["-c", "command -v uname"], { encoding: "utf8" }).trim();

const scratch = mkdtempSync(path.join(tmpdir(), "ctr-ci-node-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A bin folder whose `node` reports Node 20, as a machine with an older Node has. */
function oldNodeBin(name: string, withUname: boolean): string {
  const bin = path.join(scratch, name);
  mkdirSync(bin, { recursive: true });
  const node = path.join(bin, "node");
  writeFileSync(node, `#!${BASH}\ncase "$1" in -p) echo 20 ;; *) echo v20.19.0 ;; esac\n`, { mode: 0o755 });
  if (withUname) symlinkSync(UNAME, path.join(bin, "uname"));
  return bin;
}

/** A prefix where Node 24 is already installed as the npm package would put it: this test's node. */
function installedPrefix(): string {
  const prefix = path.join(scratch, "prefix");
  const bin = path.join(prefix, "node_modules", PACKAGE, "bin");
  mkdirSync(bin, { recursive: true });
  symlinkSync(process.execPath, path.join(bin, "node"));
  return prefix;
}

function sourceCiNode(env: NodeJS.ProcessEnv) {
  return spawnSync(BASH, ["-c", `. "${CI_NODE}" && node --version && echo "$npm_config_nodedir"`], {
    cwd: REPO_ROOT,
    env: { HOME: scratch, ...env },
    encoding: "utf8",
  });
}

describe("the project's Node", () => {
  it("is one major: engines, the Dockerfile's NODE_VERSION and .ci/node's", () => {
    expect(NODE_MAJOR).toBe(24);
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${NODE_MAJOR}`);
    const dockerfile = readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8");
    expect(/^ARG NODE_VERSION=(\d+)/m.exec(dockerfile)?.[1]).toBe(String(NODE_MAJOR));
    expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(NODE_MAJOR);
  });

  it(".ci/run sources .ci/node before npm ci", () => {
    const run = readFileSync(path.join(REPO_ROOT, ".ci", "run"), "utf8");
    const sourced = run.search(/^\. \.ci\/node$/m);
    expect(sourced).toBeGreaterThan(-1);
    expect(run.indexOf("npm ci")).toBeGreaterThan(sourced);
  });

  it("puts the npm package's Node 24 first on PATH, with its headers for native addons, when the machine's is older", () => {
    const prefix = installedPrefix();
    const old = oldNodeBin("old", false);
    const result = sourceCiNode({ PATH: `${old}:${process.env.PATH}`, CTR_NODE_PREFIX: prefix });
    expect(result.stderr).not.toMatch(/installing/);
    expect(result.status).toBe(0);
    const [version, nodedir] = result.stdout.trim().split("\n");
    expect(version).toBe(`v${process.versions.node}`);
    expect(nodedir).toBe(path.join(prefix, "node_modules", PACKAGE));
  });

  it("leaves a machine's Node 24 alone", () => {
    const result = sourceCiNode({
      PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
      npm_config_nodedir: "",
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split("\n")).toEqual([`v${process.versions.node}`]);
  });

  it("fails when the install does not leave a Node 24 where it should, rather than going on with the old one", () => {
    const old = oldNodeBin("old-bad-npm", true);
    // An npm that installs nothing (a mirror without the package, a wrapper that ignores the prefix).
    writeFileSync(path.join(old, "npm"), `#!${BASH}\nexit 0\n`, { mode: 0o755 });
    const result = sourceCiNode({ PATH: old, CTR_NODE_PREFIX: path.join(scratch, "not-installed") });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`npm install ${PACKAGE}@${NODE_MAJOR} did not give a Node ${NODE_MAJOR}`);
  });

  it("fails naming npm when Node 24 must be fetched and npm is not there", () => {
    const old = oldNodeBin("old-no-npm", true);
    const result = sourceCiNode({ PATH: old, CTR_NODE_PREFIX: path.join(scratch, "empty") });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      `Node ${NODE_MAJOR} is needed and npm is not on PATH to fetch it (${PACKAGE}@${NODE_MAJOR}`,
    );
  });
});
