import { Session } from "chdb";
const s = new Session("/work/exp-store2/clickhouse");
const t = async (label: string, sql: string, params?: Record<string, unknown>) => {
  const t0 = performance.now();
  if (params) await s.queryBindAsync(sql, params, { format: "TSV" }); else await s.queryAsync(sql, { format: "TSV" });
  console.log(label, Math.round(performance.now() - t0));
};
const days = ["2016-02-02", "2016-02-03", "2016-02-04", "2016-02-05"];
const sel = (v: string, p: string) => `SELECT platform, minute, product, sum(views) AS views, sum(purchases) AS purchases FROM (
 SELECT platform, minute, product, views, toUInt64(0) AS purchases FROM ${v} WHERE day BETWEEN {a:Date} AND {b:Date} AND toDate(minute, 'Etc/GMT+3') IN {days:Array(Date)}
 UNION ALL SELECT platform, minute, product, toUInt64(0), purchases FROM ${p} WHERE day IN {days:Array(Date)}) GROUP BY platform, minute, product`;
for (let r = 0; r < 2; r++) {
  await t("create", "CREATE TABLE stg AS ctr_per_hour_v1");
  await t("insert hour", `INSERT INTO stg ${sel("product_views_per_hour_v1", "purchases_per_hour_v1")}`, { a: "2016-02-01", b: "2016-02-07", days });
  await t("select only hour", `SELECT count() FROM (${sel("product_views_per_hour_v1", "purchases_per_hour_v1")})`, { a: "2016-02-01", b: "2016-02-07", days });
  await t("distinct", "SELECT DISTINCT toString(toDate(minute, 'Etc/GMT+3')) FROM stg");
  for (const d of days) await t("replace", `ALTER TABLE ctr_per_hour_v1 REPLACE PARTITION '${d}' FROM stg`);
  await t("drop", "DROP TABLE stg");
  await t("insert day (select only)", `SELECT count() FROM (${sel("product_views_per_day_v1", "purchases_per_day_v1")})`, { a: "2016-02-01", b: "2016-02-07", days });
}
s.close();
