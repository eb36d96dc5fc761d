/** The values of one command's flags, keyed by the flag's name (`from`, `no-wait`), plus its argument. */
export type OptionValues = Record<string, string | boolean | undefined>;

export interface FlagSpec {
  type: "string" | "boolean";
  /** The value's name in the help, e.g. `D` for `--from D`. Default `VALUE`. */
  value?: string;
  /** One line for `ctr <command> --help`, with the default. */
  description: string;
  /** The command cannot run without it: shown bare in the usage line, not in brackets. Default false. */
  required?: boolean;
}

/** What a command does once its implementation is loaded. */
export interface CommandModule {
  /** Returns the process exit code. */
  run(values: OptionValues): Promise<number>;
}

/**
 * One `ctr` command as the CLI lists and parses it; subcommands have a two-word name (`orders load`).
 * The implementation is loaded only when the command runs, so listing the commands and printing
 * their help loads none of the engines.
 */
export interface CommandSpec {
  name: string;
  /** One line for `ctr --help`. */
  summary: string;
  /**
   * The synopsis after `ctr <name>`, when the generated one (every flag, required ones bare, then the
   * argument: `--from D --to D [--platform P]`) does not say enough, e.g. flags that exclude each other.
   */
  usage?: string;
  /** More help, shown under the flags: what the command does and its exit codes. */
  details?: string;
  flags: Record<string, FlagSpec>;
  /** The one optional argument (e.g. `job`), passed in the values under its name. Default: none. */
  positional?: { name: string; description: string };
  load(): Promise<CommandModule>;
}

/** The synopsis of a command after `ctr <name>`: its own, or every flag and then the argument. */
export function usageOf(spec: CommandSpec): string {
  if (spec.usage !== undefined) return spec.usage;
  const flags = Object.entries(spec.flags).map(([name, flag]) => {
    const form = flag.type === "boolean" ? `--${name}` : `--${name} ${flag.value ?? "VALUE"}`;
    return flag.required ? form : `[${form}]`;
  });
  const argument = spec.positional ? [`[${spec.positional.name.toUpperCase()}]`] : [];
  return [...flags, ...argument].join(" ");
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
