// Keeps the Dockerfile honest without a Docker engine: it parses (dockerfile-ast) and passes the
// validator of the Dockerfile language server (dockerfile-utils), it is multi-stage, the runtime stage runs as a
// non-root user through the ctr entry point, its CMD is a command `ctr --help` lists, and every path
// it copies exists in the build context (the repository root, minus .dockerignore).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { CONFIG_VARIABLES } from "@ctr/schemas";
import { DockerfileParser, JSONInstruction, ModifiableInstruction } from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { beforeAll, describe, expect, it } from "vitest";
import { ctrAcceptsArgs, ctrCommandOf, listCtrCommands, REPO_ROOT } from "./support/infra_support.ts";

interface Instruction {
  keyword: string;
  /** Its flags and arguments, separated by single spaces (continuation lines joined). */
  args: string;
  stage: number;
  /** The strings of the exec (JSON array) form; empty in the shell form. */
  exec: string[];
}

/** The Dockerfile's instructions as dockerfile-ast parses them, tagged by build stage. */
function readInstructions(text: string): Instruction[] {
  let stage = -1;
  return DockerfileParser.parse(text)
    .getInstructions()
    .map((instruction) => {
      const keyword = instruction.getKeyword();
      if (keyword === "FROM") stage += 1;
      const flags = instruction instanceof ModifiableInstruction ? instruction.getFlags().map((f) => f.toString()) : [];
      const args = [...flags, ...instruction.getArguments().map((a) => a.getValue())].join(" ");
      const exec =
        instruction instanceof JSONInstruction ? instruction.getJSONStrings().map((json) => json.getJSONValue()) : [];
      return { keyword, args, stage, exec };
    });
}

/** The exec (JSON array) form of CMD/ENTRYPOINT; the shell form would not receive SIGTERM as PID 1. */
function execForm(instruction: Instruction | undefined): string[] {
  if (!instruction) return [];
  if (instruction.exec.length === 0) throw new Error(`${instruction.keyword} is not in exec form: ${instruction.args}`);
  return instruction.exec;
}

const DOCKERFILE = readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8");
const instructions = readInstructions(DOCKERFILE);
const lastStage = Math.max(...instructions.map((i) => i.stage));
const runtime = instructions.filter((i) => i.stage === lastStage);
const dockerignore = readFileSync(path.join(REPO_ROOT, ".dockerignore"), "utf8").split("\n");

let commands: string[];
beforeAll(async () => {
  commands = await listCtrCommands();
});

describe("Dockerfile", () => {
  it("passes the Dockerfile language server's validator (dockerfile-utils) with no problem", () => {
    expect(validate(DOCKERFILE).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it("is multi-stage on Node 24 (the current LTS), with the native toolchain only in the build stage", () => {
    const froms = instructions.filter((i) => i.keyword === "FROM");
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(instructions.find((i) => i.keyword === "ARG" && i.args.startsWith("NODE_VERSION="))?.args).toMatch(
      /^NODE_VERSION=24(\.|$)/,
    );
    const buildRuns = instructions.filter((i) => i.stage < lastStage && i.keyword === "RUN").map((i) => i.args);
    expect(buildRuns.join(" ")).toMatch(/python3 make g\+\+/);
    // npm ci builds jobs/dist (the root prepare script), then the dev dependencies go.
    expect(buildRuns.join(" ")).toMatch(/npm ci\b[\s\S]*npm prune --omit=dev/);
    expect(
      runtime
        .filter((i) => i.keyword === "RUN")
        .map((i) => i.args)
        .join(" "),
    ).not.toMatch(/g\+\+/);
  });

  it("runs the compiled CLI: the runtime stage gets the bundle, its node_modules and no workspace sources", () => {
    const copied = runtime.filter((i) => i.keyword === "COPY" && i.args.startsWith("--from=build"));
    expect(copied.map((i) => i.args)).toEqual(["--from=build /runtime /app"]);
    const gathered = instructions
      .filter((i) => i.stage < lastStage && i.keyword === "RUN" && i.args.includes("/runtime"))
      .map((i) => i.args)
      .join(" ");
    expect(gathered).toContain("cp -a package.json node_modules /runtime/");
    expect(gathered).toContain("cp -a jobs/package.json jobs/bin jobs/dist /runtime/jobs/");
    // A dependency npm nested under jobs/ (commander, next to an older one at the root) comes along.
    expect(gathered).toContain("cp -a jobs/node_modules /runtime/jobs/");
    for (const workspace of ["schemas", "workers", "query-api"]) expect(gathered).not.toContain(`${workspace}/`);
  });

  it("runs as a non-root user in the runtime stage", () => {
    const user = runtime.filter((i) => i.keyword === "USER").at(-1)?.args;
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user?.split(":")[0]);
  });

  it("enters through jobs/bin/ctr.js, and its CMD is a command `ctr --help` lists", async () => {
    const entrypoint = execForm(runtime.findLast((i) => i.keyword === "ENTRYPOINT"));
    expect(entrypoint.at(-1)).toBe("/app/jobs/bin/ctr.js");
    expect(existsSync(path.join(REPO_ROOT, "jobs/bin/ctr.js"))).toBe(true);
    const cmds = instructions.filter((i) => i.keyword === "CMD");
    expect(cmds.length).toBeGreaterThan(0);
    for (const cmd of cmds) {
      expect(ctrCommandOf(execForm(cmd), commands), cmd.args).toBeDefined();
      expect((await ctrAcceptsArgs(execForm(cmd))).ok, cmd.args).toBe(true);
    }
    expect(execForm(runtime.findLast((i) => i.keyword === "CMD"))).toEqual(["serve"]);
  });

  it("sets no environment variable the configuration schema does not know", () => {
    const names = instructions
      .filter((i) => i.keyword === "ENV")
      .flatMap((i) => [...i.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1] ?? ""));
    expect(names.filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
  });

  it("copies only paths that exist in the build context and are not ignored", () => {
    const sources = instructions
      .filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from="))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((arg) => !arg.startsWith("--"))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(4);
    for (const source of sources) {
      expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
      expect(dockerignore, source).not.toContain(source.replace(/\/$/, ""));
    }
    // The dependency layer is installed inside the image, for its own platform.
    expect(dockerignore).toContain("**/node_modules");
    expect(dockerignore).toContain("**/*.test.ts");
  });

  it("ships every package the source imports: each is a production dependency of its workspace", () => {
    // `npm ci --omit=dev` installs only `dependencies`; a package found through hoisting alone could
    // vanish from the image with any unrelated lockfile change.
    const missing: string[] = [];
    for (const workspace of ["schemas", "workers", "query-api", "jobs"]) {
      const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, workspace, "package.json"), "utf8")) as {
        dependencies?: Record<string, string>;
      };
      const dependencies = new Set(Object.keys(manifest.dependencies ?? {}));
      for (const file of shippedSources(workspace)) {
        for (const specifier of runtimeImports(readFileSync(file, "utf8"))) {
          const name = packageName(specifier);
          if (name && !dependencies.has(name)) missing.push(`${path.relative(REPO_ROOT, file)} imports ${specifier}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

/** The files of a workspace the image ships and runs: src/ and bin/, without tests. */
function shippedSources(workspace: string): string[] {
  return ["src", "bin"]
    .map((dir) => path.join(REPO_ROOT, workspace, dir))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((file) => /\.(ts|js)$/.test(file) && !file.endsWith(".test.ts"))
        .map((file) => path.join(dir, file)),
    );
}

/** Module specifiers loaded at run time: static imports and re-exports (not `import type`) and dynamic imports. */
function runtimeImports(source: string): string[] {
  const statements = source.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+"([^"]+)"/gm);
  const sideEffects = source.matchAll(/^\s*import\s+"([^"]+)"/gm);
  const dynamic = source.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g);
  return [...statements, ...sideEffects, ...dynamic].map((match) => match[1] ?? "");
}

/** The npm package a specifier names, or undefined for relative paths and Node built-ins. */
function packageName(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier))
    return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}
