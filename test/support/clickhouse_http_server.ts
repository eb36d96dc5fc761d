// A TRANSPORT STAND-IN for a ClickHouse server, for tests only (never imported by product code).
// It speaks the ClickHouse HTTP interface as far as @clickhouse/client uses it, and every statement
// is parsed and run by ClickHouse itself: chDB, the engine embedded as a library
// (clickhouse_http_engine.ts). What this file does is what the server's HTTP handler does around a
// query. No ClickHouse server can be installed on these machines, so this is how the server mode
// (CLICKHOUSE_URL) runs in tests. clickhouse_server.ts starts it as a child process, so that the
// test process and the `ctr` processes a test spawns all reach one store over HTTP.
//
// Served:
// - GET|HEAD /ping answers `Ok.`; GET / without a query too.
// - GET|POST /: the statement in the body, or in the `query` parameter (then the body holds an
//   insert's rows, handed to the engine as they are); `param_*` bound by the engine; `database`
//   (or X-ClickHouse-Database); `default_format` (or X-ClickHouse-Format); `query_id`; every other
//   URL parameter is a setting of this statement only. GET runs read-only (readonly = 2).
// - credentials from Basic auth, X-ClickHouse-User/X-ClickHouse-Key or `user`/`password`.
// - request bodies with Content-Encoding gzip, deflate or br; a compressed response when
//   enable_http_compression = 1 and Accept-Encoding allows it.
// - X-ClickHouse-Query-Id, -Format, -Timezone and -Summary on every answer; on an error the status
//   the server maps its code to, X-ClickHouse-Exception-Code and the body
//   `Code: N. DB::Exception: ... (NAME) (version V)`.
// Not as a server: a result is produced whole before the answer starts (as with
// wait_end_of_query = 1; chDB hands a statement's result over at once); statements run one at a
// time; sessions (session_id) and ClickHouse's native compression (compress, decompress) are
// refused with NOT_IMPLEMENTED, as nothing in the product uses them.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import zlib from "node:zlib";
import { ChdbEngine, ClickHouseException, type Statement } from "./clickhouse_http_engine.ts";

/** Who may connect. Default: the user `default` with an empty password, as a fresh server. */
export interface StandInOptions {
  dataDir: string;
  user?: string;
  password?: string;
}

/** URL parameters the HTTP handler reads itself; every other one (but `param_*`) is a setting. */
const HANDLER_PARAMETERS = new Set([
  "query",
  "database",
  "default_format",
  "query_id",
  "user",
  "password",
  "quota_key",
  "buffer_size",
  "wait_end_of_query",
  "session_timeout",
  "session_check",
  "stacktrace",
]);

/** Parameters of features nothing here uses, refused rather than silently ignored. */
const REFUSED_PARAMETERS = ["session_id", "compress", "decompress", "role"];

/** The HTTP status the server answers an error code with (its HTTP handler's mapping, in part). */
const STATUS_BY_CODE: Record<number, number> = {
  194: 401, // REQUIRED_PASSWORD
  192: 403, // UNKNOWN_USER
  193: 403, // WRONG_PASSWORD
  516: 403, // AUTHENTICATION_FAILED
  6: 400, // CANNOT_PARSE_TEXT
  27: 400, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  36: 400, // BAD_ARGUMENTS
  38: 400, // CANNOT_PARSE_DATE
  41: 400, // CANNOT_PARSE_DATETIME
  53: 400, // TYPE_MISMATCH
  62: 400, // SYNTAX_ERROR
  72: 400, // CANNOT_PARSE_NUMBER
  117: 400, // INCORRECT_DATA
  46: 404, // UNKNOWN_FUNCTION
  47: 404, // UNKNOWN_IDENTIFIER
  60: 404, // UNKNOWN_TABLE
  73: 404, // UNKNOWN_FORMAT
  81: 404, // UNKNOWN_DATABASE
  115: 404, // UNKNOWN_SETTING
  48: 501, // NOT_IMPLEMENTED
  159: 408, // TIMEOUT_EXCEEDED
};

const CONTENT_TYPES: [RegExp, string][] = [
  [/^JSON/, "application/json; charset=UTF-8"],
  [/^(TSV|TabSeparated)/, "text/tab-separated-values; charset=UTF-8"],
  [/^CSV/, "text/csv; charset=UTF-8"],
  [/^(Arrow|Parquet|Native|RowBinary)/, "application/octet-stream"],
];

const RESPONSE_ENCODINGS = {
  gzip: (body: Buffer, level: number) => zlib.gzipSync(body, { level }),
  deflate: (body: Buffer, level: number) => zlib.deflateSync(body, { level }),
  br: (body: Buffer) => zlib.brotliCompressSync(body),
} as const;

/** The output format of a statement: its trailing FORMAT clause, else the default. */
function outputFormat(sql: string, defaultFormat: string): string {
  if (/^\s*INSERT\b/i.test(sql)) return defaultFormat;
  return /\bFORMAT\s+(\w+)\s*;?\s*$/i.exec(sql)?.[1] ?? defaultFormat;
}

function credentials(req: IncomingMessage, url: URL): { user: string; password: string } {
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  if (basic) {
    const [user = "", ...rest] = Buffer.from(basic, "base64").toString("utf8").split(":");
    return { user, password: rest.join(":") };
  }
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === "string" ? value : undefined;
  };
  return {
    user: header("x-clickhouse-user") ?? url.searchParams.get("user") ?? "default",
    password: header("x-clickhouse-key") ?? url.searchParams.get("password") ?? "",
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const encoding = req.headers["content-encoding"];
  const decoders: Record<string, () => NodeJS.ReadWriteStream> = {
    gzip: () => zlib.createGunzip(),
    deflate: () => zlib.createInflate(),
    br: () => zlib.createBrotliDecompress(),
  };
  const decoder = encoding === undefined ? undefined : decoders[encoding];
  if (encoding !== undefined && !decoder) {
    throw ClickHouseException.of(36, "BAD_ARGUMENTS", `Unknown HTTP Content-Encoding: ${encoding}`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of decoder ? req.pipe(decoder()) : req) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The statement a request asks for, or undefined for a GET without one (a health check). */
async function readStatement(req: IncomingMessage, url: URL): Promise<Statement | undefined> {
  for (const name of REFUSED_PARAMETERS) {
    const value = url.searchParams.get(name);
    if (value !== null && value !== "" && value !== "0") {
      throw ClickHouseException.of(48, "NOT_IMPLEMENTED", `The test stand-in does not implement '${name}'`);
    }
  }
  if (String(req.headers["content-type"] ?? "").startsWith("multipart/form-data")) {
    throw ClickHouseException.of(48, "NOT_IMPLEMENTED", "The test stand-in does not implement multipart parameters");
  }
  const params: Record<string, string> = {};
  const settings: [string, string][] = req.method === "GET" ? [["readonly", "2"]] : [];
  for (const [name, value] of url.searchParams) {
    if (name.startsWith("param_")) params[name.slice("param_".length)] = value;
    else if (!HANDLER_PARAMETERS.has(name) && !REFUSED_PARAMETERS.includes(name)) settings.push([name, value]);
  }
  const urlQuery = url.searchParams.get("query") ?? "";
  const body = req.method === "POST" ? await readBody(req) : Buffer.alloc(0);
  const header = (name: string) => (typeof req.headers[name] === "string" ? (req.headers[name] as string) : undefined);
  const common = {
    database: url.searchParams.get("database") ?? header("x-clickhouse-database"),
    settings,
    params,
    format: url.searchParams.get("default_format") ?? header("x-clickhouse-format") ?? "TabSeparated",
  };
  // The query parameter and the body make one statement; an insert's rows go to the engine as bytes.
  if (urlQuery.trim() !== "" && body.length > 0 && /^\s*INSERT\b/i.test(urlQuery) && Object.keys(params).length === 0) {
    return { ...common, sql: urlQuery, data: body };
  }
  const sql = [urlQuery, body.toString("utf8")].filter((part) => part.trim() !== "").join("\n");
  if (sql.trim() === "") {
    if (req.method === "GET") return undefined;
    throw ClickHouseException.of(62, "SYNTAX_ERROR", "Empty query");
  }
  return { ...common, sql };
}

/** An HTTP server in front of ClickHouse (chDB) under `options.dataDir`; listen() is the caller's. */
export function createClickHouseHttpServer(options: StandInOptions): { server: Server; engine: ChdbEngine } {
  const engine = new ChdbEngine(options.dataDir);
  const account = { user: options.user ?? "default", password: options.password ?? "" };
  let timezone: Promise<string> | undefined;

  async function answer(req: IncomingMessage, res: ServerResponse, url: URL, queryId: string): Promise<void> {
    if (url.pathname === "/ping" || (url.pathname === "/" && req.method === "HEAD")) {
      res.writeHead(200, { "Content-Type": "text/html; charset=UTF-8" }).end("Ok.\n");
      return;
    }
    if (url.pathname !== "/") {
      res.writeHead(404, { "Content-Type": "text/plain; charset=UTF-8" }).end(`There is no handle ${url.pathname}\n`);
      return;
    }
    if (req.method !== "GET" && req.method !== "POST") {
      throw ClickHouseException.of(36, "BAD_ARGUMENTS", `HTTP method ${req.method} is not supported`);
    }
    const given = credentials(req, url);
    if (given.user !== account.user || given.password !== account.password) {
      throw ClickHouseException.of(
        516,
        "AUTHENTICATION_FAILED",
        `${given.user}: Authentication failed: password is incorrect, or there is no user with such name`,
      );
    }
    const statement = await readStatement(req, url);
    if (!statement) {
      res.writeHead(200, { "Content-Type": "text/html; charset=UTF-8" }).end("Ok.\n");
      return;
    }
    const outcome = await engine.run(statement);
    const format = outputFormat(statement.sql, statement.format);
    const setting = (name: string) => statement.settings.findLast(([key]) => key === name)?.[1];
    const accepted = String(req.headers["accept-encoding"] ?? "")
      .split(",")
      .map((item) => item.trim().split(";")[0]);
    const encoding =
      setting("enable_http_compression") === "1"
        ? (Object.keys(RESPONSE_ENCODINGS) as (keyof typeof RESPONSE_ENCODINGS)[]).find((e) => accepted.includes(e))
        : undefined;
    const body = encoding
      ? RESPONSE_ENCODINGS[encoding](outcome.body, Number(setting("http_zlib_compression_level") ?? 3))
      : outcome.body;
    timezone ??= engine
      .run({ sql: "SELECT timezone()", settings: [], params: {}, format: "TSV" })
      .then((r) => r.body.toString().trim());
    res.writeHead(200, {
      "Content-Type": CONTENT_TYPES.find(([pattern]) => pattern.test(format))?.[1] ?? "text/plain; charset=UTF-8",
      "X-ClickHouse-Query-Id": queryId,
      "X-ClickHouse-Format": format,
      "X-ClickHouse-Timezone": await timezone,
      "X-ClickHouse-Summary": JSON.stringify(outcome.summary),
      ...(encoding ? { "Content-Encoding": encoding } : {}),
    });
    res.end(body);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const queryId = url.searchParams.get("query_id") || randomUUID();
    answer(req, res, url, queryId).catch(async (error: unknown) => {
      const exception = ClickHouseException.from(error);
      const version = await engine.version().catch(() => "unknown");
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(STATUS_BY_CODE[exception.code] ?? 500, {
        "Content-Type": "text/plain; charset=UTF-8",
        "X-ClickHouse-Query-Id": queryId,
        "X-ClickHouse-Exception-Code": String(exception.code),
      });
      res.end(`${exception.message} (version ${version})\n`);
    });
  });
  // A server's keep_alive_timeout: the client keeps idle sockets for less than the server does.
  server.keepAliveTimeout = 10_000;
  return { server, engine };
}

/** As a process: `node --import tsx clickhouse_http_server.ts --data-dir DIR [--port N] [--user U --password P]`. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "data-dir": { type: "string" },
      port: { type: "string", default: "0" },
      user: { type: "string" },
      password: { type: "string" },
    },
  });
  const dataDir = values["data-dir"];
  if (!dataDir) throw new Error("--data-dir is required");
  const { server, engine } = createClickHouseHttpServer({ dataDir, user: values.user, password: values.password });
  await engine.version();
  server.listen(Number(values.port), "127.0.0.1", () => {
    const address = server.address();
    process.stdout.write(`${JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 })}\n`);
  });
  const stop = () => {
    server.close();
    server.closeAllConnections();
    // The statement running now (if any) finishes first: chDB cannot be interrupted.
    engine
      .close()
      .finally(() => process.exit(0))
      .catch(() => {});
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  // The parent went away without stopping us: its end of stdin closed.
  process.stdin.once("end", stop);
  process.stdin.resume();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
