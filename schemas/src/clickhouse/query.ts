import type { ClickHouseClient } from "@clickhouse/client";
import type { z } from "zod";
import { messageOf } from "../format.ts";

/** A named, parameterised query: the name feeds logs and metrics, values are bound, never spliced. */
export interface NamedQuery<Schema extends z.ZodType> {
  name: string;
  query: string;
  params?: Record<string, unknown>;
  schema: Schema;
}

/** Raised when ClickHouse cannot be reached or a query fails; carries the query's name. */
export class StoreError extends Error {
  constructor(
    readonly queryName: string,
    options: { cause: unknown },
  ) {
    super(`query ${queryName} failed: ${messageOf(options.cause)}`, options);
    this.name = "StoreError";
  }
}

/** Runs a small query and validates every row; for large results stream `client.query` instead. */
export async function queryRows<Schema extends z.ZodType>(
  client: ClickHouseClient,
  { name, query, params, schema }: NamedQuery<Schema>,
): Promise<z.output<Schema>[]> {
  let rows: unknown[];
  try {
    const result = await client.query({ query, query_params: params, format: "JSONEachRow" });
    rows = await result.json();
  } catch (cause) {
    throw new StoreError(name, { cause });
  }
  return rows.map((row) => schema.parse(row));
}

/** Runs a statement that returns nothing (DDL, INSERT ... SELECT, ALTER). */
export async function runCommand(
  client: ClickHouseClient,
  { name, query, params }: { name: string; query: string; params?: Record<string, unknown> },
): Promise<void> {
  try {
    await client.command({ query, query_params: params });
  } catch (cause) {
    throw new StoreError(name, { cause });
  }
}
