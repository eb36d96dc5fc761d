import { main } from "@ctr/jobs";
import { vi } from "vitest";

/** What one `ctr` command returned and printed. */
export interface CtrRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ctr ARGV` in this process, as the binary would (the same `main`), and returns its exit code
 * and what it printed. With `env`, the command sees exactly that environment (plus PATH), which is
 * put back afterwards; without, the process's own.
 */
export async function runCtr(argv: string[], env?: Record<string, string>): Promise<CtrRun> {
  let stdout = "";
  let stderr = "";
  const saved = process.env;
  if (env) process.env = { PATH: saved.PATH ?? "", ...env };
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
    process.env = saved;
  }
}
