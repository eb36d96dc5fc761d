import { execFile } from "node:child_process";
import { access, mkdir, mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { ORDERS_CSV_COLUMNS, PLATFORMS } from "@ctr/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countPurchases, type OrdersCsv, type RawViews, readOrdersCsv, readRawViews } from "./support/raw_events.ts";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..");
const DAYS = ["2016-02-01", "2016-02-02", "2016-02-03"];

/** Runs the real CLI, as a user would: the summary on stdout, each platform-day as it is written on stderr. */
async function generateInto(dir: string): Promise<{ stdout: string; stderr: string }> {
  const args = ["ctr", "generate", "--from", DAYS[0] as string, "--to", DAYS[2] as string, "--scale", "0.05"];
  const { stdout, stderr } = await run("npx", [...args, "--out", dir], { cwd: ROOT });
  return { stdout, stderr };
}

const count = (text: string | undefined) => Number((text ?? "").replaceAll(",", ""));

/** Every file under a folder, relative paths, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** The per-platform-day lines of the printed summary. */
function reportedCounts(stderr: string) {
  const line =
    /^generate: (\w+)\s+(\d{4}-\d{2}-\d{2}): ([\d,]+) files?, [\d.]+ MB, ([\d,]+) batch(?:es)?, ([\d,]+) events?, ([\d,]+) views?, ([\d,]+) ignored/gm;
  return [...stderr.matchAll(line)].map((m) => ({
    platform: m[1],
    day: m[2],
    files: count(m[3]),
    batches: count(m[4]),
    events: count(m[5]),
    views: count(m[6]),
    ignored: count(m[7]),
  }));
}

describe("ctr generate", () => {
  let tmp: string;
  let out: string;
  let output: { stdout: string; stderr: string };
  let files: string[];
  let raw: RawViews;
  let orders: OrdersCsv;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "ctr-generate-"));
    out = path.join(tmp, "a");
    output = await generateInto(out);
    files = await listFiles(out);
    raw = await readRawViews(out);
    orders = await readOrdersCsv(out);
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("writes the contract's layout: 3 platforms x 3 days, every file shape, and the two CSVs", async () => {
    expect((await readdir(out)).sort()).toEqual([...PLATFORMS, "order_items.csv", "orders.csv"].sort());
    for (const platform of PLATFORMS) expect((await readdir(path.join(out, platform))).sort()).toEqual(DAYS);
    const eventFiles = files.filter((f) => !f.endsWith(".csv"));
    for (const f of eventFiles)
      expect(f).toMatch(/^(Android|MobileWeb|iOS)\/2016-02-0[123]\/[\w-]+\.(json|ndjson|jsonl)(\.gz)?$/);
    const extensions = new Set(eventFiles.map((f) => /\.(json|ndjson|jsonl)(\.gz)?$/.exec(f)?.[0]));
    expect([...extensions].sort()).toEqual([".json", ".json.gz", ".jsonl", ".ndjson", ".ndjson.gz"]);
    // Each platform-day has several part files, in more than one shape.
    for (const count of raw.counts) expect(count.files).toBeGreaterThanOrEqual(4);
  });

  it("writes real gzip, JSON arrays both pretty and compact, and NDJSON", async () => {
    const texts = new Map<string, string>();
    for (const f of files.filter((name) => !name.endsWith(".csv"))) {
      const bytes = await readFile(path.join(out, f));
      if (f.endsWith(".gz")) expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
      texts.set(f, (f.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8"));
    }
    const all = [...texts.entries()];
    expect(all.some(([f, t]) => f.endsWith(".json") && t.startsWith('[\n  {\n    "events": ['))).toBe(true);
    expect(all.some(([f, t]) => f.endsWith(".json") && t.startsWith('[{"events":['))).toBe(true);
    const ndjson = all.filter(([f]) => /\.(ndjson|jsonl)(\.gz)?$/.test(f));
    expect(ndjson.length).toBeGreaterThan(0);
    for (const [, t] of ndjson) expect(t.split("\n")[0]).toMatch(/^\{"events":\[.*\}$/);
  });

  it("reports per platform and day exactly what the reference reader counts", () => {
    const reported = reportedCounts(output.stderr);
    expect(reported).toHaveLength(9);
    // Each platform-day once: as it was written, not again in the summary.
    expect(output.stdout).not.toMatch(/\d{4}-\d{2}-\d{2}: [\d,]+ files?,/);
    const read = raw.counts.map(({ platform, day, files, batches, events, views, ignored, malformed }) => {
      expect(malformed).toBe(0);
      return { platform, day, files, batches, events, views, ignored };
    });
    const byKey = (a: { platform?: string; day?: string }, b: { platform?: string; day?: string }) =>
      `${a.platform} ${a.day}`.localeCompare(`${b.platform} ${b.day}`);
    expect(read.sort(byKey)).toEqual(reported.sort(byKey));
    // Scale 0.05 of the sample's ~47k views per platform-day, with some events to ignore.
    for (const c of raw.counts) {
      expect(c.views).toBeGreaterThan(1_500);
      expect(c.views).toBeLessThan(3_500);
      expect(c.ignored).toBeGreaterThan(0);
      expect(c.events).toBeGreaterThan(c.batches);
    }
  });

  it("writes the same bytes when run again with the same flags", async () => {
    const again = path.join(tmp, "b");
    await generateInto(again);
    expect(await listFiles(again)).toEqual(files);
    for (const f of files) {
      expect((await readFile(path.join(again, f))).equals(await readFile(path.join(out, f))), f).toBe(true);
    }
  });

  it("writes 64-bit ids above 2^53 as bare numbers with every digit", async () => {
    let text = "";
    for (const f of files.filter((name) => /\.(ndjson|jsonl)$/.test(name)))
      text += await readFile(path.join(out, f), "utf8");
    const ids = [...text.matchAll(/"(?:event_id|session_id|mpid)":(-?[\d.eE+]+)/g)].map((m) => m[1] as string);
    expect(ids.length).toBeGreaterThan(1_000);
    for (const id of ids) {
      expect(id).toMatch(/^\d{18,19}$/);
      expect(BigInt(id) > 2n ** 53n).toBe(true);
    }
    // Through a JS number most of them would come out rounded.
    expect(ids.filter((id) => String(Number(id)) !== id).length).toBeGreaterThan(ids.length * 0.9);
  });

  it("places views inside their folder's UTC day, busier in the GMT-3 evening than at night", () => {
    const perLocalHour = new Array<number>(24).fill(0);
    for (const view of raw.views) {
      const start = Date.parse(`${view.day}T00:00:00Z`);
      expect(view.timestampMs).toBeGreaterThanOrEqual(start);
      expect(view.timestampMs).toBeLessThan(start + 86_400_000);
      const localHour = new Date(view.timestampMs - 3 * 3_600_000).getUTCHours();
      perLocalHour[localHour] = (perLocalHour[localHour] ?? 0) + 1;
    }
    const evening = perLocalHour.slice(18, 22).reduce((a, b) => a + b, 0);
    const night = perLocalHour.slice(2, 6).reduce((a, b) => a + b, 0);
    expect(evening).toBeGreaterThan(3 * night);
    expect(raw.views.some((v) => !Number.isInteger(v.timestampMs))).toBe(true);
  });

  it("skews product popularity with a long tail", () => {
    const perProduct = new Map<string, number>();
    for (const view of raw.views) perProduct.set(view.product, (perProduct.get(view.product) ?? 0) + 1);
    const sorted = [...perProduct.values()].sort((a, b) => b - a);
    const share = (n: number) => sorted.slice(0, n).reduce((a, b) => a + b, 0) / raw.views.length;
    for (const product of perProduct.keys()) expect(product).toMatch(/^\d{8}_\d{3}$/);
    // Thousands of products, the top 100 taking far more than their uniform 100/N share.
    expect(perProduct.size).toBeGreaterThan(2_000);
    expect(share(100)).toBeGreaterThan(0.1);
    expect(sorted[0]).toBeGreaterThan(10 * (sorted[Math.floor(sorted.length / 2)] as number));
  });

  it("writes orders.csv and order_items.csv with the contract's columns and realistic values", () => {
    expect(orders.orderColumns).toEqual(ORDERS_CSV_COLUMNS);
    expect(orders.itemColumns).toEqual(["id", "order_id", "sku", "quantity", "code_color"]);
    for (const order of orders.orders) {
      expect(order.order_date).toMatch(/^2016-02-0[123] \d{2}:\d{2}:\d{2}$/);
      expect(order.order_total).toBeCloseTo(order.order_subtotal - order.order_discount + order.shipping_cost, 2);
    }
    const devices = new Set(orders.orders.map((o) => o.device_type));
    for (const d of ["iOS", "ios", "IOS", "Android", "android", "MobileWeb", "mobileweb", "Desktop"]) {
      expect(devices.has(d), d).toBe(true);
    }
    expect(new Set(orders.orders.map((o) => o.order_status)).size).toBeGreaterThanOrEqual(4);
    // RFC 4180 quoting round-trips a city with a comma.
    expect(orders.orders.some((o) => o.address_city === "Brasília, Asa Sul")).toBe(true);
    const itemsPerOrder = new Map<string, number>();
    for (const item of orders.items) itemsPerOrder.set(item.order_id, (itemsPerOrder.get(item.order_id) ?? 0) + 1);
    expect(itemsPerOrder.size).toBe(orders.orders.length);
    expect([...itemsPerOrder.values()].some((n) => n > 1)).toBe(true);
  });

  it("sells mostly viewed products, at a conversion of about 1-3 % per platform", () => {
    const viewed = new Set(raw.views.map((v) => v.product));
    const boughtViewed = orders.items.filter((i) => viewed.has(i.code_color)).length;
    expect(boughtViewed / orders.items.length).toBeGreaterThan(0.7);
    expect(boughtViewed).toBeLessThan(orders.items.length);

    const { counts, withoutPlatform } = countPurchases(orders);
    expect(withoutPlatform).toBeGreaterThan(0);
    const printed = [...output.stdout.matchAll(/purchases (\S+) \(GMT-3\): (.*)$/gm)].flatMap((m) =>
      (m[2] as string).split(", ").map((pair) => {
        const [platform, n] = pair.split(" ");
        return { day: m[1], platform, purchases: count(n) };
      }),
    );
    const key = (c: { day?: string; platform?: string }) => `${c.day} ${c.platform}`;
    expect([...counts].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      printed.sort((a, b) => key(a).localeCompare(key(b))),
    );
    for (const platform of PLATFORMS) {
      const purchases = counts.filter((c) => c.platform === platform).reduce((n, c) => n + c.purchases, 0);
      const views = raw.counts.filter((c) => c.platform === platform).reduce((n, c) => n + c.views, 0);
      expect(purchases / views, platform).toBeGreaterThan(0.005);
      expect(purchases / views, platform).toBeLessThan(0.05);
    }
  });

  it("rejects a bad value with exit code 2 and names the flag", async () => {
    const failure = await run("npx", ["ctr", "generate", "--scale", "-1", "--out", path.join(tmp, "c")], {
      cwd: ROOT,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain("--scale");
  });
});

describe("the reference reader on the real sample", () => {
  const sample = path.resolve(ROOT, "../shared/data/productEvent_20160201.json.gz");

  it("counts what the sample's README states", async (context) => {
    const present = await access(sample).then(
      () => true,
      () => false,
    );
    if (!present) {
      context.skip(`the real sample is absent (${sample})`);
      return;
    }
    // The sample lives outside the repo: link it into the contract's layout instead of copying it.
    const source = await mkdtemp(path.join(os.tmpdir(), "ctr-sample-"));
    try {
      await mkdir(path.join(source, "MobileWeb", "2016-02-01"), { recursive: true });
      await symlink(sample, path.join(source, "MobileWeb", "2016-02-01", "productEvent_20160201.json.gz"));
      const { counts, views } = await readRawViews(source);
      expect(counts).toEqual([
        {
          platform: "MobileWeb",
          day: "2016-02-01",
          files: 1,
          batches: 47_633,
          events: 47_633,
          views: 47_633,
          ignored: 0,
          malformed: 0,
        },
      ]);
      const perProduct = new Map<string, number>();
      for (const v of views) perProduct.set(v.product, (perProduct.get(v.product) ?? 0) + 1);
      expect(perProduct.size).toBe(4_051);
      expect(perProduct.get("20001829_048")).toBe(204);
      expect(perProduct.get("20005748_001")).toBe(202);
    } finally {
      await rm(source, { recursive: true, force: true });
    }
  });
});
