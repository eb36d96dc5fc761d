import {
  type Logger as ClickHouseLogger,
  ClickHouseLogLevel,
  type ErrorLogParams,
  type LogParams,
  type WarnLogParams,
} from "@clickhouse/client";
import type { Logger } from "@ctr/schemas";

/** The client's level for pino's, so it skips building what pino would drop. */
function clickhouseLevel(level: string): ClickHouseLogLevel {
  switch (level) {
    case "trace":
      return ClickHouseLogLevel.TRACE;
    case "debug":
      return ClickHouseLogLevel.DEBUG;
    // The client's INFO lines are its own chatter ("Log level is set to ..."), one per client.
    case "info":
    case "warn":
      return ClickHouseLogLevel.WARN;
    case "error":
    case "fatal":
      return ClickHouseLogLevel.ERROR;
    default:
      return ClickHouseLogLevel.OFF;
  }
}

/**
 * @clickhouse/client's logging through the process's pino logger, instead of its own plain-text
 * console lines: one format on stderr. A failed request is logged by the client and also rejects
 * with the same error, which the caller reports (naming CLICKHOUSE_URL); pino gets it at debug so a
 * user reads it once.
 */
export function clickhouseLogOptions(logger: Logger): {
  LoggerClass: new () => ClickHouseLogger;
  level: ClickHouseLogLevel;
} {
  const log = logger.child({ component: "@clickhouse/client" });
  const fields = ({ module, args }: LogParams) => ({ module, ...args });
  class PinoClickHouseLogger implements ClickHouseLogger {
    trace(params: LogParams) {
      log.trace(fields(params), params.message);
    }
    debug(params: LogParams) {
      log.debug(fields(params), params.message);
    }
    info(params: LogParams) {
      log.info(fields(params), params.message);
    }
    warn(params: WarnLogParams) {
      log.warn({ ...fields(params), ...(params.err ? { err: params.err } : {}) }, params.message);
    }
    error(params: ErrorLogParams) {
      log.debug({ ...fields(params), err: params.err }, params.message);
    }
  }
  return { LoggerClass: PinoClickHouseLogger, level: clickhouseLevel(logger.level) };
}
