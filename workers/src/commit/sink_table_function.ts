import type { Config } from "@ctr/schemas";
import type { Folder } from "../source/folder.ts";
import { LocalFolder } from "../source/local_folder.ts";
import { S3Folder } from "../source/s3_folder.ts";

/** A ClickHouse table function reading a glob of sink files, with its bound parameters. */
export interface SinkTableFunction {
  sql: string;
  params: Record<string, string>;
}

/**
 * How ClickHouse reads files of the sink: `file()` for a local sink (the process owning chDB,
 * or a server sharing the disk), `s3()` for an S3 sink, which the server reads itself. Every
 * value is a bound parameter: the table functions accept them like literals.
 */
export function sinkTableFunction(
  sink: Folder,
  s3: Config["s3"],
  glob: string,
  format: "Parquet" | "JSONEachRow",
  structure: string,
): SinkTableFunction {
  if (sink instanceof LocalFolder) {
    return {
      sql: "file({path:String}, {format:String}, {structure:String})",
      params: { path: sink.pathOf(glob), format, structure },
    };
  }
  if (sink instanceof S3Folder) {
    const endpoint = (s3.endpoint ?? `https://s3.${s3.region}.amazonaws.com`).replace(/\/+$/, "");
    const url = `${endpoint}/${sink.bucket}/${sink.objectKey(glob)}`;
    if (s3.accessKeyId && s3.secretAccessKey) {
      return {
        sql: "s3({url:String}, {key:String}, {secret:String}, {format:String}, {structure:String})",
        params: { url, key: s3.accessKeyId, secret: s3.secretAccessKey, format, structure },
      };
    }
    return { sql: "s3({url:String}, {format:String}, {structure:String})", params: { url, format, structure } };
  }
  throw new TypeError(`no ClickHouse table function reads ${sink.description}`);
}
