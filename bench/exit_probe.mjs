// Preloaded with `node --import` into a process the bench runs as a user would (`ctr backfill`): when
// the process exits it writes its peak RSS (VmHWM, native engines included) and its CPU time to the
// file named by CTR_BENCH_PROBE. Plain JavaScript, so it loads the same way whatever `ctr` runs.
import { readFileSync, writeFileSync } from "node:fs";

const { CTR_BENCH_PROBE: target } = process.env;
if (target) {
  process.on("exit", () => {
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    const cpu = process.cpuUsage();
    writeFileSync(
      target,
      JSON.stringify({ peakRssBytes: Number(kb ?? 0) * 1024, cpuMs: (cpu.user + cpu.system) / 1000 }),
    );
  });
}
