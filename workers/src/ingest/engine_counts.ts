import { readFile, rm } from "node:fs/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { z } from "zod";

/** What a conversion statement read: the batches its JSON scan produced and the events it unnested. */
export interface ScanCounts {
  batches: number;
  events: number;
}

/** One operator of DuckDB's JSON profile, with the two metrics switched on below. */
interface ProfileNode {
  operator_type?: string;
  operator_cardinality?: number;
  children?: ProfileNode[];
}
const ProfileNodeSchema: z.ZodType<ProfileNode> = z.lazy(() =>
  z.looseObject({
    operator_type: z.string().optional(),
    operator_cardinality: z.number().optional(),
    children: z.array(ProfileNodeSchema).optional(),
  }),
);

function operators(node: ProfileNode, type: string, found: ProfileNode[] = []): ProfileNode[] {
  if (node.operator_type === type) found.push(node);
  for (const child of node.children ?? []) operators(child, type, found);
  return found;
}

/** The cardinality of the one operator of `type` in the plan; a plan of another shape is a bug here. */
function cardinalityOf(profile: ProfileNode, type: string): number {
  const [node, ...others] = operators(profile, type);
  if (node?.operator_cardinality === undefined || others.length > 0) {
    throw new Error(`the engine's profile has ${others.length + (node ? 1 : 0)} ${type} operators, expected one`);
  }
  return node.operator_cardinality;
}

/**
 * Counts a connection's conversion statements from DuckDB's own operator counters: the rows its
 * JSON scan produced are the batches, the rows its UNNEST produced are the events. The manifest's
 * batch and event counts so come from the one scan that writes the views, at no cost: no second
 * parse, no marker rows. The profile is written to `file` after each statement of the connection.
 */
export class ScanCounter {
  private constructor(
    /** The connection whose statements are counted; other statements may run on it too. */
    readonly connection: DuckDBConnection,
    private readonly file: string,
  ) {}

  /** Switches the connection's profiler on, keeping only operator types and cardinalities. */
  static async attach(connection: DuckDBConnection, file: string): Promise<ScanCounter> {
    await connection.run("SET enable_profiling = 'json'");
    // SET takes no parameters; the file is this shard's own scratch path.
    await connection.run(`SET profiling_output = '${file.replaceAll("'", "''")}'`);
    await connection.run(`SET custom_profiling_settings = '{"OPERATOR_TYPE": "true", "OPERATOR_CARDINALITY": "true"}'`);
    return new ScanCounter(connection, file);
  }

  /** Runs one statement that scans JSON once and unnests its batches' events, and counts what it read. */
  async run<T>(statement: (connection: DuckDBConnection) => Promise<T>): Promise<{ result: T; counts: ScanCounts }> {
    // A stale profile must never pass for this statement's.
    await rm(this.file, { force: true });
    const result = await statement(this.connection);
    const profile = ProfileNodeSchema.parse(JSON.parse(await readFile(this.file, "utf8")));
    return {
      result,
      counts: { batches: cardinalityOf(profile, "TABLE_SCAN"), events: cardinalityOf(profile, "UNNEST") },
    };
  }
}
