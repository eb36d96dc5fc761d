import { ConfigError } from "@ctr/schemas";
import { StoreLockedError } from "@ctr/workers";
import { Command, CommanderError, Help, InvalidArgumentError, Option } from "commander";
import manifest from "../package.json" with { type: "json" };
import { type CommandSpec, type OptionValues, UsageError, usageOf } from "./command.ts";
import { COMMAND_GROUPS, COMMANDS } from "./commands/index.ts";

const DESCRIPTION = "ctr: the CTR analytics engine";
const CONFIGURATION = `
Configuration comes from the environment (CTR_DATA_DIR, CLICKHOUSE_URL, REDIS_URL,
ORDERS_DATABASE_URL, EVENTS_SOURCE, PARQUET_SINK, ...): see README.md.
Exit codes: 0 ok, 1 failed (or a day refused), 2 misuse, 3 done but partial (files that could not be read).
Run 'ctr <command> --help' for the flags of a command.`;

/** Exit codes: 0 ok, 1 failed, 2 misused (a bad flag, a bad configuration, a store already in use), 3 partial. */
const MISUSED = 2;

/**
 * A string flag followed by another flag (`--port --bogus`) would otherwise take the flag as its
 * value; refused, naming the flag that wants a value.
 */
function refuseFlagAsValue(value: string): string {
  if (/^--[a-z]/i.test(value)) throw new InvalidArgumentError("A value is wanted here, not another flag.");
  return value;
}

/** The flags as the command modules read them: keyed by flag name (`no-wait`), booleans only when given. */
function flagValues(command: Command, spec: CommandSpec): OptionValues {
  const values: OptionValues = {};
  for (const option of command.options) {
    const name = option.long?.slice(2);
    if (!name || !(name in spec.flags)) continue;
    const value: unknown = command.getOptionValue(option.attributeName());
    if (option.negate) values[name] = value === false ? true : undefined;
    else if (typeof value === "string" || typeof value === "boolean") values[name] = value;
  }
  return values;
}

const defaultHelp = new Help();

/** `ctr --help` lists `orders load` as one line, like every other command. */
function listedCommands(command: Command): Command[] {
  const help = defaultHelp;
  const visible = help.visibleCommands(command);
  if (command.parent) return visible;
  return visible.flatMap((c) =>
    c.commands.length > 0 ? help.visibleCommands(c).filter((s) => s.name() !== "help") : [c],
  );
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * `ctr help [COMMAND...]`: the help of a command, two-word ones included (`ctr help orders load`); an
 * ordinary command, so `ctr help --help` is its own help.
 */
function addHelpCommand(program: Command, usages: Map<Command, string>): void {
  const help = program
    .command("help")
    .description("print the help of a command")
    .helpOption("-h, --help", "print this help")
    .argument("[command...]", "a command, e.g. backfill or orders load (default: every command)")
    .action((words: string[]) => {
      let target = program;
      for (const word of words) {
        const next = target.commands.find((c) => c.name() === word && c.name() !== "help");
        if (!next) throw new UsageError(`no command '${words.join(" ")}': see ctr --help`);
        target = next;
      }
      target.outputHelp();
    });
  usages.set(help, "ctr help [COMMAND...]");
}

/** Builds the `ctr` program; `onExitCode` receives what the command that ran returned. */
function buildProgram(onExitCode: (code: number) => void): Command {
  // Every usage line in one form: the words, then each flag (bare when required, [in brackets] when not).
  const usages = new Map<Command, string>();
  const program = new Command("ctr")
    .description(DESCRIPTION)
    .addHelpText("after", CONFIGURATION)
    .version(manifest.version, "-V, --version", "print the version")
    .helpOption("-h, --help", "print this help")
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .configureHelp({
      helpWidth: 100,
      visibleCommands: listedCommands,
      subcommandTerm: (command) => (command.parent?.parent ? commandPath(command) : command.name()),
      commandUsage: (command) => usages.get(command) ?? `ctr ${commandPath(command)}`,
    })
    .configureOutput({
      outputError: (text, write) => write(text.replace(/^error: /, "ctr: ")),
    })
    .exitOverride();
  usages.set(program, "ctr <command> [flags]");
  const groups = new Map<string, Command>();
  for (const spec of COMMANDS) {
    const words = spec.name.split(" ");
    let parent = program;
    if (words.length === 2) {
      const groupName = words[0] ?? "";
      let group = groups.get(groupName);
      if (!group) {
        group = program
          .command(groupName)
          .description(COMMAND_GROUPS[groupName] ?? groupName)
          .helpOption("-h, --help", "print this help")
          .helpCommand(false);
        usages.set(group, `ctr ${groupName} <command> [flags]`);
        groups.set(groupName, group);
      }
      parent = group;
    }
    const command = parent
      .command(words.at(-1) ?? spec.name)
      .summary(spec.summary)
      .description(spec.summary)
      .helpOption("-h, --help", "print this help");
    usages.set(command, `ctr ${spec.name} ${usageOf(spec)}`.trimEnd());
    if (spec.details) command.addHelpText("after", `\n${spec.details}`);
    for (const [name, flag] of Object.entries(spec.flags)) {
      if (flag.type === "boolean") {
        command.addOption(new Option(`--${name}`, flag.description));
      } else {
        command.addOption(
          new Option(`--${name} <${flag.value ?? "VALUE"}>`, flag.description).argParser(refuseFlagAsValue),
        );
      }
    }
    if (spec.positional) command.argument(`[${spec.positional.name}]`, spec.positional.description);
    command.action(async (argument: unknown) => {
      const values = flagValues(command, spec);
      if (spec.positional && typeof argument === "string") values[spec.positional.name] = argument;
      const implementation = await spec.load();
      onExitCode(await implementation.run(values));
    });
  }
  addHelpCommand(program, usages);
  return program;
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

/** The command the arguments name, for error messages: `ctr backfill`, `ctr orders load`. */
function namedCommand(argv: readonly string[]): string {
  const two = argv.slice(0, 2).join(" ");
  const spec = COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === argv[0]);
  return spec ? `ctr ${spec.name}` : "ctr";
}

/**
 * Runs `ctr` with the given arguments and returns the exit code: 0 ok, 1 failed, 2 misused, 3 done
 * but partial (ctr backfill, ctr daily: platform-days with files that could not be read).
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return MISUSED;
  }
  const name = namedCommand(argv);
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return ["commander.helpDisplayed", "commander.version"].includes(error.code) ? 0 : MISUSED;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`${name}: ${error.message}\nRun '${name} --help' for its flags.\n`);
      return MISUSED;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: configuration error: ${error.message}\n`);
      return MISUSED;
    }
    if (error instanceof StoreLockedError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      return MISUSED;
    }
    process.stderr.write(`${name}: ${describeFailure(error)}\n`);
    return 1;
  }
}
