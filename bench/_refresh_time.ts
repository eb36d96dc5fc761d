import { loadConfig, refreshCtrDays, runCommand, CTR_ROLLUPS } from "@ctr/schemas";
import { openStore } from "@ctr/workers";
const store = openStore(loadConfig({ CTR_DATA_DIR: process.argv[2] as string }).clickhouse);
const days = ["2016-02-02", "2016-02-03", "2016-02-04", "2016-02-05"];
for (let round = 0; round < 3; round++) {
  let t = performance.now();
  await refreshCtrDays(store, days);
  const checkOnly = performance.now() - t;
  for (const r of CTR_ROLLUPS) for (const d of days) await runCommand(store.client, { name: "spoil", query: `ALTER TABLE ${r.table} DROP PARTITION '${d}'` });
  t = performance.now();
  await refreshCtrDays(store, days);
  console.log({ checkOnlyMs: Math.round(checkOnly), gatherMs: Math.round(performance.now() - t) });
}
await store.close();
