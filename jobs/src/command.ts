import type { ParseArgsConfig } from "node:util";

export type OptionValues = Record<string, string | boolean | undefined>;

/** One `ctr` command. Subcommands have a two-word name, e.g. `orders load`. */
export interface Command {
  name: string;
  /** One line for `ctr --help`. */
  summary: string;
  /** The synopsis shown by `ctr <command> --help`. */
  usage: string;
  /** More help text: what the flags mean and their defaults. */
  details?: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  /** The name of the one optional positional argument (e.g. `job`), passed in `values` under it. Default: none. */
  positional?: string;
  /** Returns the process exit code. */
  run(values: OptionValues): Promise<number>;
}

/** A mistake in how the command was called: exit code 2 and the usage line. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Reads a required string flag, or fails with a usage error that names it. */
export function requireString(values: OptionValues, flag: string): string {
  const value = values[flag];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${flag} is required`);
  return value;
}

/** Reads an optional string flag. */
export function optionalString(values: OptionValues, flag: string): string | undefined {
  const value = values[flag];
  return typeof value === "string" ? value : undefined;
}

/** A command whose implementation has not landed yet: says so and fails. */
export function notBuilt(name: string, summary: string, usage: string): Command {
  return {
    name,
    summary,
    usage,
    options: {},
    run: async () => {
      process.stderr.write(`ctr ${name}: not built yet\n`);
      return 1;
    },
  };
}
