/**
 * GET /products: the products with views in a range of GMT-3 days, for the explorer's type-ahead.
 * Real chDB, rows inserted as a commit would; grouped by happy path, errors and security.
 */
import type { RunningServer } from "@ctr/query-api";
import type { Store } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertPurchases, insertViews, openTestStore, serveApi, truncateTables } from "./support/api_server.ts";

let store: Store;
let closeStore: () => Promise<void>;
let server: RunningServer;
let guarded: RunningServer;

beforeAll(async () => {
  ({ store, close: closeStore } = await openTestStore());
  await truncateTables(store);
  await insertViews(store, [
    { at: "2016-02-01 00:00", platform: "iOS", product: "20001829_048", count: 2 },
    { at: "2016-02-01 10:00", platform: "Android", product: "20001829_049", count: 1 },
    { at: "2016-02-01 10:00", platform: "iOS", product: "20001830_001", count: 1 },
    // Byte order: uppercase before lowercase, "_" (0x5F) between them.
    { at: "2016-02-01 11:00", platform: "MobileWeb", product: "2000a", count: 1 },
    { at: "2016-02-01 11:00", platform: "MobileWeb", product: "2000B", count: 1 },
    // 23:59 GMT-3 is 02:59 UTC on the 2nd: stored in the 2nd's folder, but a view of the 1st.
    { at: "2016-02-01 23:59", platform: "iOS", product: "late_1", count: 1 },
    { at: "2016-02-02 00:00", platform: "iOS", product: "next_day", count: 1 },
    // A view stored in the folder of the day before its UTC day (a late file) still counts.
    { at: "2016-02-01 12:00", platform: "Android", product: "early_folder", count: 1, folderDay: "2016-01-31" },
  ]);
  // Purchases alone do not make a product "with views".
  await insertPurchases(store, [{ at: "2016-02-01 10:00", platform: "iOS", product: "bought_only", count: 1 }]);
  server = await serveApi(store);
  guarded = await serveApi(store, { apiKeys: ["products-key"] });
});
afterAll(async () => {
  await server?.close();
  await guarded?.close();
  await closeStore?.();
});

interface ProductsBody {
  products: string[];
  more: boolean;
}

async function products(query: string, target = server): Promise<ProductsBody> {
  const response = await fetch(`${target.url}/products?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as ProductsBody;
}

describe("GET /products: happy path", () => {
  it("lists every product with views, in byte order, without asking for anything", async () => {
    expect(await products("")).toEqual({
      products: [
        "20001829_048",
        "20001829_049",
        "20001830_001",
        "2000B",
        "2000a",
        "early_folder",
        "late_1",
        "next_day",
      ],
      more: false,
    });
  });

  it("matches a prefix, case-sensitively; underscores are plain characters", async () => {
    expect((await products("prefix=20001829_")).products).toEqual(["20001829_048", "20001829_049"]);
    expect((await products("prefix=2000b")).products).toEqual([]);
    expect((await products("prefix=%25")).products).toEqual([]);
  });

  it("keeps to the GMT-3 days from..to, wherever the views' folders are", async () => {
    expect((await products("from=2016-02-01&to=2016-02-01")).products).toEqual([
      "20001829_048",
      "20001829_049",
      "20001830_001",
      "2000B",
      "2000a",
      "early_folder",
      "late_1",
    ]);
    expect((await products("from=2016-02-02")).products).toEqual(["next_day"]);
    expect((await products("to=2016-01-31")).products).toEqual([]);
  });

  it("filters by platform, any case", async () => {
    expect((await products("platform=android")).products).toEqual(["20001829_049", "early_folder"]);
  });

  it("lists at most `limit` and says when there are more", async () => {
    expect(await products("limit=2")).toEqual({ products: ["20001829_048", "20001829_049"], more: true });
    expect(await products("prefix=2000&limit=5")).toEqual({
      products: ["20001829_048", "20001829_049", "20001830_001", "2000B", "2000a"],
      more: false,
    });
  });

  it("is described in /openapi.json", async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { parameters?: { name: string }[] } }>;
    };
    expect(document.paths["/products"]?.get?.parameters?.map((p) => p.name)).toEqual([
      "prefix",
      "from",
      "to",
      "platform",
      "limit",
    ]);
  });
});

describe("GET /products: errors", () => {
  const cases: [string, string, string, RegExp][] = [
    ["a day that does not exist", "from=2016-02-30", "from", /from must be a day as YYYY-MM-DD/],
    ["a timestamp for a day", "to=2016-02-01 10:00:00", "to", /to must be a day as YYYY-MM-DD/],
    ["a day outside what ClickHouse holds", "to=2200-01-01", "to", /between 1970-01-01 and 2105-12-31/],
    ["to before from", "from=2016-02-02&to=2016-02-01", "to", /to must not be before from/],
    ["limit 0", "limit=0", "limit", /limit must be a whole number from 1 to 1000, got "0"/],
    ["limit over the maximum", "limit=1001", "limit", /1 to 1000/],
    ["a limit that is not a number", "limit=ten", "limit", /whole number/],
    ["an unknown platform", "platform=windows", "platform", /one of Android, MobileWeb, iOS/],
    ["a prefix too long", `prefix=${"x".repeat(257)}`, "prefix", /at most 256/],
    ["an unknown parameter", "platfrom=iOS", "platfrom", /not a parameter of \/products/],
    ["a parameter given twice", "prefix=a&prefix=b", "prefix", /given once/],
  ];
  it.each(cases)("%s gets a 400 naming the field", async (_name, query, field, message) => {
    const response = await fetch(`${server.url}/products?${query}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; field: string; message: string } };
    expect(body.error).toMatchObject({ code: "invalid_request", field });
    expect(body.error.message).toMatch(message);
  });

  it("binds the prefix as a value: SQL in it is just text", async () => {
    expect(await products(`prefix=${encodeURIComponent("') OR 1=1 --")}`)).toEqual({ products: [], more: false });
  });
});

describe("GET /products: security", () => {
  it("needs a key when API_KEYS is set", async () => {
    expect((await fetch(`${guarded.url}/products`)).status).toBe(401);
    const response = await fetch(`${guarded.url}/products?limit=1`, {
      headers: { Authorization: "Bearer products-key" },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ products: ["20001829_048"], more: true });
  });
});
