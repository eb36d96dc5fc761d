import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CTR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../jobs/bin/ctr.js");

let dir: string;
let orders: string;
let items: string;

/** Runs the real `ctr` binary with a clean environment rooted in the temp folder. */
async function ctr(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CTR, ...args], {
      env: { PATH: process.env.PATH ?? "", CTR_DATA_DIR: path.join(dir, "data"), ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctr-orders-cli-"));
  orders = path.join(dir, "orders.csv");
  items = path.join(dir, "order_items.csv");
  writeFileSync(
    orders,
    [
      "id,user_id,order_date,order_subtotal,order_discount,order_total,order_status,payment_type,shipping_cost,shipping_service,address_city,address_state,utm_source_medium,device_type",
      "1,5,2016-02-01 10:00:00,10,0,10,complete,pix,0,PAC,Natal,RN,direct,iOS",
      "2,5,2016-02-01 25:00:00,10,0,10,complete,pix,0,PAC,Natal,RN,direct,iOS",
      "3,5,2016-02-01 11:00:00,10,0,10,complete,pix,0,PAC,Natal,RN,direct,Desktop",
    ].join("\n"),
  );
  writeFileSync(items, ["id,order_id,sku,quantity,code_color", "1,1,S,1,AAA", "2,2,S,1,AAA"].join("\n"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ctr orders load", () => {
  it("loads into the default SQLite file and prints the summary with rejected rows", async () => {
    const { code, stdout } = await ctr(["orders", "load", "--orders", orders, "--items", items]);
    expect(code).toBe(0);
    expect(stdout).toContain(`sqlite://${path.join(dir, "data", "orders.sqlite")}`);
    expect(stdout).toContain("orders:      3 read, 2 loaded, 0 updated, 0 unchanged, 1 rejected");
    expect(stdout).toContain("order_items: 2 read, 1 loaded, 0 updated, 0 unchanged, 1 rejected");
    expect(stdout).toContain("Desktop (1 order)");
    expect(stdout).toContain(`${orders}:3: order_date wants a real date and time`);
    expect(stdout).toContain(`${items}:3: order 2 does not exist`);
  });

  it("lists the first 20 rejected rows and says how many more there are", async () => {
    const many = path.join(dir, "orders_many_bad.csv");
    const header = readFileSync(orders, "utf8").split("\n")[0];
    const bad = Array.from({ length: 30 }, (_, i) => `${i + 100},5,2016-02-01 25:00:00,10,0,10,c,pix,0,PAC,N,RN,d,iOS`);
    writeFileSync(many, [header, ...bad].join("\n"));
    const { code, stdout } = await ctr(["orders", "load", "--orders", many, "--items", items]);
    expect(code).toBe(0);
    expect(stdout).toContain("rejected rows: 31, the first 20:");
    expect(stdout.split("\n").filter((line) => line.startsWith(`  ${many}:`))).toHaveLength(20);
    expect(stdout).toContain("  ... and 11 more\n");
  });

  it("exits 1 naming a missing file", async () => {
    const missing = path.join(dir, "nope.csv");
    const { code, stderr } = await ctr(["orders", "load", "--orders", missing, "--items", items]);
    expect(code).toBe(1);
    expect(stderr).toContain(`orders file not found: ${missing}`);
  });

  it.each(["postgres://postgres@127.0.0.1:1/ctr", "mysql://root@127.0.0.1:1/ctr"])(
    "exits 1 naming an unreachable database %s",
    async (url) => {
      const { code, stderr } = await ctr(["orders", "load", "--orders", orders, "--items", items], {
        ORDERS_DATABASE_URL: url,
      });
      expect(code).toBe(1);
      expect(stderr).toContain(`cannot reach the orders database ${url}`);
    },
  );

  it("exits 2 when a flag is missing", async () => {
    const { code, stderr } = await ctr(["orders", "load", "--orders", orders]);
    expect(code).toBe(2);
    expect(stderr).toContain("--items is required");
  });
});
