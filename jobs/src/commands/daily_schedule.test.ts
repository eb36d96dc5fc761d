import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../cli.ts";

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
  vi.unstubAllEnvs();
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
      const { code, stderr } = await run(["daily", "--schedule", pattern]);
      expect(code).toBe(2);
      expect(stderr).toContain(`--schedule wants a cron pattern`);
      expect(stderr).toContain(`got ${JSON.stringify(pattern)}`);
      expect(stderr).toContain(why);
      expect(stderr).not.toContain("REDIS_URL");
    },
  );
});
