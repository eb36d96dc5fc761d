// The chDB side of the test stand-in for a ClickHouse server (clickhouse_http_server.ts): it runs
// each HTTP request's statement in ClickHouse itself (chDB, one data directory per process), with
// the request's database and settings, and nothing else. Test support only: no product code imports it.
import { createRequire } from "node:module";
import { Session } from "chdb";

interface NativeQueryResult {
  bytes: Buffer;
  elapsed: number;
  rowsRead: number;
  bytesRead: number;
}

interface NativeInsertResult {
  elapsed: number;
  rowsWritten: number;
  bytesWritten: number;
}

/** The two entry points of chDB's native addon this engine calls. */
interface ChdbNative {
  QueryAsyncConnection(
    connection: unknown,
    sql: string,
    format: string,
    params?: Record<string, string>,
  ): Promise<NativeQueryResult>;
  InsertRawAsyncConnection(
    connection: unknown,
    prefix: string,
    data: Buffer,
    countLines: boolean,
  ): Promise<NativeInsertResult>;
}

// chDB's JS layer formats bound parameters from JS values itself (it escapes strings again), but
// `param_*` values arrive over HTTP already in ClickHouse's escaped text form, which is what the
// engine's binder takes. So they go straight to the addon chDB's own binding loads (the same module
// instance: the loader caches it), and are bound by the engine exactly as a server binds them.
const requireFromChdb = createRequire(createRequire(import.meta.url).resolve("chdb"));
const native = (requireFromChdb("./dist/loader.js") as { loadNative(): ChdbNative }).loadNative();

/** An error as ClickHouse reports it: its code, and the `Code: N. DB::Exception: ... (NAME)` text. */
export class ClickHouseException extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "ClickHouseException";
  }

  /** A ClickHouse error text from chDB, or another error wrapped as ClickHouse would (STD_EXCEPTION). */
  static from(error: unknown): ClickHouseException {
    if (error instanceof ClickHouseException) return error;
    const message = error instanceof Error ? error.message : String(error);
    const code = /^Code: (\d+)\./.exec(message)?.[1];
    return code
      ? new ClickHouseException(Number(code), message)
      : ClickHouseException.of(1001, "STD_EXCEPTION", message);
  }

  static of(code: number, name: string, message: string): ClickHouseException {
    return new ClickHouseException(code, `Code: ${code}. DB::Exception: ${message}. (${name})`);
  }
}

/** One statement as an HTTP request describes it. */
export interface Statement {
  /** The database the statement runs in (`USE`), when the request names one. */
  database?: string;
  /** Settings for this statement only, as name and text value (`SET name = 'value'`). */
  settings: [string, string][];
  /** The statement; for an insert whose rows are sent apart, the `INSERT ... FORMAT X` part. */
  sql: string;
  /** The rows of such an insert, in the statement's format, passed to the engine as they are. */
  data?: Buffer;
  /** Bound parameters in ClickHouse's escaped text form (the `param_*` values). */
  params: Record<string, string>;
  /** The output format when the statement has no FORMAT clause. */
  format: string;
}

export interface Outcome {
  body: Buffer;
  /** X-ClickHouse-Summary: only what chDB reports (it has no result or total row counts). */
  summary: Record<string, string>;
}

const quoteString = (value: string) => `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
const quoteIdentifier = (name: string) => `\`${name.replaceAll("\\", "\\\\").replaceAll("`", "\\`")}\``;

/**
 * Runs statements in chDB one at a time, each on a connection of its own: `USE` and `SET` change a
 * connection's session, so a fresh connection per request keeps a request's database and settings
 * from leaking into the next one, as on a server where they hold for one query.
 */
export class ChdbEngine {
  #tail: Promise<unknown> = Promise.resolve();
  #version: string | undefined;
  // Held open for the engine's life: when a data directory's last connection closes, chDB shuts its
  // engine down, and the next connection would start it again (tens of ms per request).
  readonly #anchor: Session;

  constructor(readonly dataDir: string) {
    this.#anchor = new Session(dataDir);
  }

  /** Closes the engine once the statements already given to it have run. */
  async close(): Promise<void> {
    await this.#tail;
    this.#anchor.close();
  }

  /** The engine's version, for exception texts: `(version 26.1.1.1)`. */
  async version(): Promise<string> {
    this.#version ??= (await this.run({ sql: "SELECT version()", settings: [], params: {}, format: "TSV" })).body
      .toString()
      .trim();
    return this.#version;
  }

  /** Runs the statement after the ones before it have finished; throws a ClickHouseException. */
  run(statement: Statement): Promise<Outcome> {
    const result = this.#tail.then(() => this.#execute(statement));
    this.#tail = result.catch(() => {});
    return result;
  }

  async #execute(statement: Statement): Promise<Outcome> {
    const session = new Session(this.dataDir);
    try {
      const prepare = (sql: string) => native.QueryAsyncConnection(session.connection, sql, "TSV");
      if (statement.database !== undefined) await prepare(`USE ${quoteIdentifier(statement.database)}`);
      for (const [name] of statement.settings) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          throw ClickHouseException.of(115, "UNKNOWN_SETTING", `Unknown setting '${name}'`);
        }
      }
      if (statement.settings.length > 0) {
        await prepare(`SET ${statement.settings.map(([name, value]) => `${name} = ${quoteString(value)}`).join(", ")}`);
      }
      if (statement.data !== undefined) {
        const written = await native.InsertRawAsyncConnection(session.connection, statement.sql, statement.data, false);
        return {
          body: Buffer.alloc(0),
          summary: {
            written_rows: String(written.rowsWritten),
            written_bytes: String(written.bytesWritten),
            elapsed_ns: nanoseconds(written.elapsed),
          },
        };
      }
      // Without parameters the addon's plain path: its bound path is for statements that have some.
      const result =
        Object.keys(statement.params).length > 0
          ? await native.QueryAsyncConnection(session.connection, statement.sql, statement.format, statement.params)
          : await native.QueryAsyncConnection(session.connection, statement.sql, statement.format);
      return {
        body: result.bytes,
        summary: {
          read_rows: String(result.rowsRead),
          read_bytes: String(result.bytesRead),
          result_bytes: String(result.bytes.length),
          elapsed_ns: nanoseconds(result.elapsed),
        },
      };
    } catch (error) {
      throw ClickHouseException.from(error);
    } finally {
      session.close();
    }
  }
}

const nanoseconds = (seconds: number) => String(Math.round(seconds * 1e9));
