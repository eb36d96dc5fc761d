import { type OrdersDatabase, openOrdersDatabase } from "@ctr/workers";
import { sql } from "kysely";
import { afterAll, beforeAll, describe } from "vitest";
import { createTestDatabase, DATABASE_KINDS, type DatabaseKind } from "./fresh_databases.ts";
import { needs, type ServiceName } from "./services.ts";

export { createTestDatabase, DATABASE_KINDS, type DatabaseKind, type TestDatabase } from "./fresh_databases.ts";

/** The service each database kind needs (SQLite: none, it is a file). */
const SERVICE_OF: Record<DatabaseKind, ServiceName | undefined> = {
  sqlite: undefined,
  mariadb: "mariadb",
  postgres: "postgres",
};

/**
 * A describe block per database kind, `%s` in the title standing for the kind; the MariaDB and
 * PostgreSQL blocks are skipped, with the reason, when that service is absent.
 */
export function describeEachDatabase(title: string, body: (kind: DatabaseKind) => void): void {
  for (const kind of DATABASE_KINDS) {
    const service = SERVICE_OF[kind];
    describe(title.replace("%s", kind), service ? needs(service) : {}, () => body(kind));
  }
}

/** A fresh orders database, opened; `close()` closes and drops it. */
interface OpenTestDatabase {
  db: OrdersDatabase;
  close(): Promise<void>;
}

/** Creates a fresh orders database of the kind (createTestDatabase) and opens it as the CLI would. */
async function openTestDatabase(kind: DatabaseKind): Promise<OpenTestDatabase> {
  const database = await createTestDatabase(kind);
  let db: OrdersDatabase;
  try {
    db = await openOrdersDatabase(database.url);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    db,
    close: async () => {
      await db.close();
      await database.drop();
    },
  };
}

/**
 * A fresh orders database of the kind for the enclosing describe block: opened in a beforeAll hook
 * (registered here, so it runs before the block's own), closed and dropped in an afterAll hook.
 * `db` is the open database, for the block's hooks and tests.
 */
export function useTestDatabase(kind: DatabaseKind): { readonly db: OrdersDatabase } {
  let opened: OpenTestDatabase | undefined;
  beforeAll(async () => {
    opened = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await opened?.close();
  });
  return {
    get db(): OrdersDatabase {
      if (!opened) throw new Error(`the ${kind} test database is not open outside its describe block's tests`);
      return opened.db;
    },
  };
}

/**
 * Purchases per `platform product` of the GMT-3 day [day 00:00:00, next 00:00:00), counted
 * straight in the orders database: the independent answer a purchase sync must reproduce.
 */
export async function countPurchasesDirectly(
  db: OrdersDatabase,
  day: string,
  next: string,
): Promise<Record<string, number>> {
  const { rows } = await sql<{ platform: string; product: string; n: number | string }>`
    SELECT CASE LOWER(o.device_type) WHEN 'ios' THEN 'iOS' WHEN 'android' THEN 'Android' ELSE 'MobileWeb' END AS platform,
           i.code_color AS product, COUNT(*) AS n
    FROM order_items i JOIN orders o ON o.id = i.order_id
    WHERE o.order_date >= ${`${day} 00:00:00`} AND o.order_date < ${`${next} 00:00:00`}
      AND LOWER(o.device_type) IN ('ios', 'android', 'mobileweb')
    GROUP BY 1, 2`.execute(db.kysely);
  return Object.fromEntries(rows.map((row) => [`${row.platform} ${row.product}`, Number(row.n)]));
}
