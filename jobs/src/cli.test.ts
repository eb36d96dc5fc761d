import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "./cli.ts";
import { UsageError } from "./command.ts";
import { readDayRange } from "./commands/backfill.ts";

/** Runs `ctr` in-process and returns its exit code and what it wrote to stderr. */
async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const code = await main(args);
  return { code, stderr };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("ctr: a negative flag value", () => {
  it("is checked by the command, which names the flag and what it wants", async () => {
    const { code, stderr } = await run(["generate", "--scale", "-1"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--scale wants a positive number");
    expect(stderr).toContain("got '-1'");
    expect(stderr).not.toContain("ambiguous");
  });

  it("does not swallow a following flag", async () => {
    const { code, stderr } = await run(["serve", "--port", "--bogus"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--port");
    expect(stderr).toContain("not another flag");
  });
});

describe("an unreachable REDIS_URL", () => {
  it.each([["status"], ["serve"]])(
    "ctr %s fails at once with exit code 1, naming REDIS_URL, instead of waiting for Redis",
    async (command) => {
      vi.stubEnv("REDIS_URL", "redis://127.0.0.1:1");
      try {
        const { code, stderr } = await run([command]);
        expect(code).toBe(1);
        expect(stderr).toContain("cannot reach Redis at 127.0.0.1:1 (REDIS_URL)");
      } finally {
        vi.unstubAllEnvs();
      }
    },
  );
});

describe("ctr daily --schedule", () => {
  it.each([
    ["bogus", 'cannot resolve alias "bog"'],
    ["61 * * * *", "expected range 0-59"],
  ])(
    "refuses %j as a misuse (exit 2) naming the flag and what it wants, before reaching Redis",
    async (pattern, why) => {
      // An unreachable Redis: the pattern is checked before it is needed.
      vi.stubEnv("REDIS_URL", "redis://127.0.0.1:1");
      try {
        const { code, stderr } = await run(["daily", "--schedule", pattern]);
        expect(code).toBe(2);
        expect(stderr).toContain("--schedule wants a cron pattern");
        expect(stderr).toContain(`got ${JSON.stringify(pattern)}`);
        expect(stderr).toContain(why);
        expect(stderr).not.toContain("REDIS_URL");
      } finally {
        vi.unstubAllEnvs();
      }
    },
  );
});

describe("a backfill's day range", () => {
  it("covers at most the API's 3,660 days, both ends included", () => {
    // 2016-01-01 plus 3,659 days is 2026-01-07.
    expect(readDayRange({ from: "2016-01-01", to: "2026-01-07" })).toEqual({ from: "2016-01-01", to: "2026-01-07" });
    expect(() => readDayRange({ from: "2016-01-01", to: "2026-01-08" })).toThrow(UsageError);
    expect(() => readDayRange({ from: "2016-01-01", to: "2026-01-08" })).toThrow(
      "--from 2016-01-01 --to 2026-01-08 covers 3,661 days; one run may cover at most 3,660",
    );
  });
});
