import { parseArgs } from "node:util";
import { ConfigError } from "@ctr/schemas";
import { type Command, UsageError } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";

const HELP = `ctr: the CTR analytics engine

Usage: ctr <command> [flags]     (ctr <command> --help for its flags)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(14)} ${c.summary}`).join("\n")}

Configuration comes from the environment (CTR_DATA_DIR, CLICKHOUSE_URL, REDIS_URL,
ORDERS_DATABASE_URL, EVENTS_SOURCE, PARQUET_SINK, ...): see README.md.
Exit codes: 0 ok, 1 failed (or a day refused), 2 misuse, 3 done but partial (files that could not be read).
`;

function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const [first, second] = argv;
  const twoWords = COMMANDS.find((c) => c.name === `${first} ${second}`);
  if (twoWords) return { command: twoWords, rest: argv.slice(2) };
  const oneWord = COMMANDS.find((c) => c.name === first);
  return oneWord ? { command: oneWord, rest: argv.slice(1) } : undefined;
}

/**
 * `--scale -1` as `--scale=-1`: parseArgs refuses a value starting with a dash as ambiguous, which
 * hides the real problem; joined, the command's own check names the flag and what it wants.
 */
function joinNegativeValues(args: string[], command: Command): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] ?? "";
    const next = args[i + 1];
    const name = flag.startsWith("--") ? flag.slice(2) : undefined;
    if (name && command.options[name]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${flag}=${next}`);
      i++;
    } else {
      joined.push(flag);
    }
  }
  return joined;
}

function commandHelp(command: Command): string {
  return `Usage: ${command.usage}\n\n${command.summary}\n${command.details ? `\n${command.details}\n` : ""}`;
}

/**
 * What a user needs of a failure: the message and the messages of its causes. The stack trace is
 * for developers, so only LOG_LEVEL=debug or trace shows it.
 */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const messages: string[] = [];
  for (let e: unknown = error; e instanceof Error && messages.length < 5; e = e.cause) {
    if (!messages.some((m) => m.includes(e instanceof Error ? e.message : ""))) messages.push(e.message);
  }
  const debug = ["debug", "trace"].includes(process.env.LOG_LEVEL ?? "");
  return debug && error.stack ? `${messages.join(": ")}\n${error.stack}` : messages.join(": ");
}

/**
 * Runs `ctr` with the given arguments and returns the exit code: 0 ok, 1 failed, 2 misused, 3 done
 * but partial (ctr backfill, ctr daily: platform-days with files that could not be read).
 */
export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    process.stdout.write(HELP);
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    const hint = group.length > 0 ? `; did you mean ${group.map((c) => `'ctr ${c.name}'`).join(", ")}?` : "";
    process.stderr.write(`ctr: unknown command '${argv.join(" ")}'${hint}\nRun 'ctr --help' for the list.\n`);
    return 2;
  }
  const { command, rest } = found;
  let values: Record<string, string | boolean | undefined>;
  try {
    let positionals: string[];
    ({ values, positionals } = parseArgs({
      args: joinNegativeValues(rest, command),
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: command.positional !== undefined,
    }));
    if (positionals.length > 1) throw new TypeError(`takes at most one argument, got ${positionals.join(" ")}`);
    if (command.positional && positionals[0] !== undefined) values[command.positional] = positionals[0];
  } catch (error) {
    process.stderr.write(`ctr ${command.name}: ${(error as Error).message}\n${commandHelp(command)}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(values);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`ctr ${command.name}: ${error.message}\n${commandHelp(command)}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`ctr ${command.name}: configuration error: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`ctr ${command.name}: ${describeFailure(error)}\n`);
    return 1;
  }
}
