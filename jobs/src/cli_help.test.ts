import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "./cli.ts";
import { usageOf } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";

/** Runs `ctr` in-process and returns its exit code and what it wrote. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const code = await main(args);
  return { code, stdout, stderr };
}

afterEach(() => {
  vi.restoreAllMocks();
});

/** The first cell of each row of the README's command table, `|` unescaped. */
function readmeCommandRows(): string[] {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  return [...readme.matchAll(/^\| `(ctr [^`]*)`/gm)].map((m) => (m[1] ?? "").replaceAll("\\|", "|"));
}

describe("ctr help", () => {
  it("ctr orders --help says what the group is for, not to see itself", async () => {
    const { code, stdout } = await run(["orders", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: ctr orders <command> [flags]");
    expect(stdout).toContain("The orders database");
    expect(stdout).not.toContain("see ctr orders --help");
    expect(stdout).toContain("orders load");
  });

  it("ctr help --help prints the help command's own help and exits 0", async () => {
    const { code, stdout } = await run(["help", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: ctr help [COMMAND...]");
  });

  it("ctr help orders load prints the help of the two-word command", async () => {
    const { code, stdout } = await run(["help", "orders", "load"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: ctr orders load --orders FILE --items FILE");
  });

  it("ctr help of an unknown command is a misuse (exit 2) that names it", async () => {
    const { code, stderr } = await run(["help", "bogus"]);
    expect(code).toBe(2);
    expect(stderr).toContain("no command 'bogus'");
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    "ctr %s --help: one usage form, naming every flag, no generic [options]",
    async (name, spec) => {
      const { code, stdout } = await run([...name.split(" "), "--help"]);
      expect(code).toBe(0);
      const usage = stdout.split("\n")[0] ?? "";
      expect(usage).toBe(`Usage: ctr ${name} ${usageOf(spec)}`.trimEnd());
      expect(usage).not.toContain("[options]");
      for (const flag of Object.keys(spec.flags)) expect(usage).toContain(`--${flag}`);
    },
  );

  it("ctr --help uses the same form", async () => {
    const { stdout } = await run(["--help"]);
    expect(stdout.split("\n")[0]).toBe("Usage: ctr <command> [flags]");
  });
});

describe("the README's command table", () => {
  it("lists every command with its usage line, every flag included", () => {
    const rows = readmeCommandRows();
    expect(rows).toEqual(COMMANDS.map((c) => `ctr ${c.name} ${usageOf(c)}`.trimEnd()));
  });
});
