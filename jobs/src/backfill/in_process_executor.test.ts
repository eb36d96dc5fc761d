import type { JobPayload, Platform, RefusedDay, SourceFile } from "@ctr/schemas";
import { type CommitResult, DayRefusedError, type JobRunners, type ShardResult } from "@ctr/workers";
import { describe, expect, it } from "vitest";
import type { ExecutorEvents } from "./executor.ts";
import { InProcessExecutor } from "./in_process_executor.ts";
import type { BackfillPlan, DayPlan } from "./plan.ts";

const file = (platform: Platform, day: string, name: string, size = 100): SourceFile => ({
  key: `${platform}/${day}/${name}`,
  size,
  etag: "1",
});

/** A day of `shards` shards, one file each. */
function dayOf(platform: Platform, day: string, shards: number): DayPlan {
  const files = Array.from({ length: shards }, (_, i) => file(platform, day, `part-${i}.json`));
  return {
    platform,
    day,
    files,
    skipped: 0,
    shards: files.map((f) => ({ source: "/raw", platform, day, files: [f] })),
  };
}

function planOf(days: DayPlan[], purchaseDays: string[] = [], allowEmpty = false): BackfillPlan {
  const all = days.flatMap((d) => d.files);
  return {
    source: "/raw",
    days,
    purchaseDays,
    totalFiles: all.length,
    totalBytes: all.reduce((n, f) => n + f.size, 0),
    allowEmpty,
  };
}

/** A promise that a test resolves when it chooses. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const refusal = (step: string): RefusedDay => ({ step, message: "refused", missingFiles: [], missingCount: 0 });

/**
 * Handlers that record what ran, in order: a shard reports each file (3 views each) as progress,
 * then its result; a commit and a purchase sync answer as told by `behaviour`.
 */
function recordingRunners(
  behaviour: {
    failShard?: (payload: JobPayload<"ingest-shard">) => boolean;
    commit?: (payload: JobPayload<"commit-day">) => "ok" | "refuse" | "fail";
    sync?: (payload: JobPayload<"sync-purchases">) => "ok" | "refuse";
  } = {},
) {
  const log: string[] = [];
  const payloads: { commits: JobPayload<"commit-day">[]; syncs: JobPayload<"sync-purchases">[] } = {
    commits: [],
    syncs: [],
  };
  let running = 0;
  let mostAtOnce = 0;
  const runners: JobRunners = {
    async ingestShard(payload, onProgress) {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      log.push(`shard ${payload.platform} ${payload.day} ${payload.files[0]?.key}`);
      try {
        await new Promise((resolve) => setImmediate(resolve));
        if (behaviour.failShard?.(payload)) throw new Error("bad gzip data");
        const progress = { files: 0, bytes: 0, views: 0 };
        for (const f of payload.files) {
          progress.files++;
          progress.bytes += f.size;
          progress.views += 3;
          onProgress({ ...progress });
        }
        const result: ShardResult = { platform: payload.platform, day: payload.day, files: [] };
        return result;
      } finally {
        running--;
      }
    },
    async commitDay(payload) {
      log.push(`commit ${payload.platform} ${payload.day}`);
      payloads.commits.push(payload);
      const answer = behaviour.commit?.(payload) ?? "ok";
      if (answer === "refuse") throw new DayRefusedError(refusal(`views ${payload.platform} ${payload.day}`));
      if (answer === "fail") throw new Error("ClickHouse is down");
      const result: CommitResult = {
        platform: payload.platform,
        day: payload.day,
        files: payload.files?.length ?? 0,
        rows: 1,
        views: 3,
        failedFiles: [],
      };
      return result;
    },
    async syncPurchases(payload) {
      log.push(`purchases ${payload.day}`);
      payloads.syncs.push(payload);
      if (behaviour.sync?.(payload) === "refuse") throw new DayRefusedError(refusal(`purchases ${payload.day}`));
      return { day: payload.day, rows: 2, purchases: 5, unmapped: 0, excluded: 0 };
    },
  };
  return { runners, log, payloads, mostAtOnce: () => mostAtOnce };
}

describe("the in-process executor", () => {
  it("runs every shard, commits each day once its shards are done, and syncs the purchases", async () => {
    const { runners, log } = recordingRunners();
    const plan = planOf([dayOf("iOS", "2016-02-01", 2), dayOf("Android", "2016-02-01", 1)], ["2016-02-01"]);
    const outcome = await new InProcessExecutor(runners, 1).run(plan);
    expect(log).toEqual([
      "shard iOS 2016-02-01 iOS/2016-02-01/part-0.json",
      "shard iOS 2016-02-01 iOS/2016-02-01/part-1.json",
      "commit iOS 2016-02-01",
      "shard Android 2016-02-01 Android/2016-02-01/part-0.json",
      "commit Android 2016-02-01",
      // These shards took less than STORE_STEPS_AFTER_MS: the purchase sync starts when they are done.
      "purchases 2016-02-01",
    ]);
    expect(outcome.shards).toHaveLength(3);
    expect(outcome.commits.map((c) => `${c.platform} ${c.day}`)).toEqual(["iOS 2016-02-01", "Android 2016-02-01"]);
    expect(outcome.purchases).toEqual([{ day: "2016-02-01", rows: 2, purchases: 5, unmapped: 0, excluded: 0 }]);
    expect(outcome).toMatchObject({ refused: [], failures: [] });
  });

  it("keeps converting while a day commits: a commit takes no shard slot, and the run ends with the last one", async () => {
    const { runners, log } = recordingRunners();
    const commitHeld = gate();
    const commitDay = runners.commitDay.bind(runners);
    runners.commitDay = async (payload) => {
      if (payload.day === "2016-02-01") await commitHeld.opened;
      return commitDay(payload);
    };
    runners.ingestShard = ((ingest) => async (payload, onProgress) => {
      // The second day's shard runs while the first day's commit is held.
      if (payload.day === "2016-02-02") commitHeld.open();
      return ingest(payload, onProgress);
    })(runners.ingestShard.bind(runners));
    const plan = planOf([dayOf("iOS", "2016-02-01", 1), dayOf("iOS", "2016-02-02", 1)]);
    const outcome = await new InProcessExecutor(runners, 1).run(plan);
    expect(log).toEqual([
      "shard iOS 2016-02-01 iOS/2016-02-01/part-0.json",
      "shard iOS 2016-02-02 iOS/2016-02-02/part-0.json",
      "commit iOS 2016-02-01",
      "commit iOS 2016-02-02",
    ]);
    expect(outcome.commits.map((c) => c.day)).toEqual(["2016-02-01", "2016-02-02"]);
  });

  it("starts the purchase syncs while a shard still converts (one big file)", async () => {
    const { runners, log } = recordingRunners();
    const synced = gate();
    const sync = runners.syncPurchases.bind(runners);
    runners.syncPurchases = (payload) => {
      synced.open();
      return sync(payload);
    };
    const ingest = runners.ingestShard.bind(runners);
    // The shard reports nothing until the purchase sync has started: it must not wait for the shard.
    runners.ingestShard = async (payload, onProgress) => {
      await synced.opened;
      return ingest(payload, onProgress);
    };
    const outcome = await new InProcessExecutor(runners, 1).run(
      planOf([dayOf("iOS", "2016-02-01", 1)], ["2016-02-01"]),
    );
    expect(log).toEqual([
      "purchases 2016-02-01",
      "shard iOS 2016-02-01 iOS/2016-02-01/part-0.json",
      "commit iOS 2016-02-01",
    ]);
    expect(outcome).toMatchObject({ refused: [], failures: [] });
  });

  it("runs at most `concurrency` shards at once, across days", async () => {
    const { runners, mostAtOnce } = recordingRunners();
    const plan = planOf([dayOf("iOS", "2016-02-01", 4), dayOf("iOS", "2016-02-02", 4)]);
    const outcome = await new InProcessExecutor(runners, 3).run(plan);
    expect(outcome.shards).toHaveLength(8);
    expect(mostAtOnce()).toBe(3);
  });

  it("leaves a day whose shard failed uncommitted, names the shard, and commits the other days", async () => {
    const { runners, log } = recordingRunners({ failShard: (p) => p.files[0]?.key === "iOS/2016-02-01/part-1.json" });
    const plan = planOf([dayOf("iOS", "2016-02-01", 2), dayOf("Android", "2016-02-01", 1)]);
    const outcome = await new InProcessExecutor(runners, 2).run(plan);
    expect(log).not.toContain("commit iOS 2016-02-01");
    expect(outcome.commits.map((c) => c.platform)).toEqual(["Android"]);
    expect(outcome.failures).toEqual([
      { step: "shard iOS 2016-02-01 (1 file from iOS/2016-02-01/part-1.json)", message: "bad gzip data" },
    ]);
  });

  it("reports a day the guard refused as refused, and a commit that failed as a failure", async () => {
    const { runners } = recordingRunners({
      commit: (p) => (p.platform === "iOS" ? "refuse" : p.platform === "Android" ? "fail" : "ok"),
      sync: () => "refuse",
    });
    const plan = planOf(
      [dayOf("iOS", "2016-02-01", 1), dayOf("Android", "2016-02-01", 1), dayOf("MobileWeb", "2016-02-01", 1)],
      ["2016-02-01"],
    );
    const outcome = await new InProcessExecutor(runners, 2).run(plan);
    // In the order they finished (the summary sorts them).
    expect(outcome.refused.map((r) => r.step).sort()).toEqual(["purchases 2016-02-01", "views iOS 2016-02-01"]);
    expect(outcome.failures).toEqual([{ step: "commit Android 2016-02-01", message: "ClickHouse is down" }]);
    expect(outcome.commits.map((c) => c.platform)).toEqual(["MobileWeb"]);
    expect(outcome.purchases).toEqual([]);
  });

  it("commits an empty day folder too (refused or emptied by the guard), and carries the consent", async () => {
    const { runners, payloads } = recordingRunners();
    const plan = planOf([dayOf("iOS", "2016-02-01", 0)], ["2016-02-01"], true);
    const outcome = await new InProcessExecutor(runners, 2).run(plan);
    expect(outcome.commits).toHaveLength(1);
    expect(payloads.commits).toEqual([{ platform: "iOS", day: "2016-02-01", files: [], allowEmpty: true }]);
    expect(payloads.syncs).toEqual([{ day: "2016-02-01", allowEmpty: true }]);
  });

  it("reports what each shard did since its last report, and each platform-day once it is finished", async () => {
    const { runners } = recordingRunners({ failShard: (p) => p.day === "2016-02-02" });
    const deltas: { files: number; bytes: number; views: number }[] = [];
    let daysDone = 0;
    const events: ExecutorEvents = { onShardProgress: (d) => deltas.push(d), onDayDone: () => daysDone++ };
    const plan = planOf([dayOf("iOS", "2016-02-01", 3), dayOf("iOS", "2016-02-02", 1), dayOf("iOS", "2016-02-03", 0)]);
    await new InProcessExecutor(runners, 2).run(plan, events);
    expect(deltas).toEqual(Array.from({ length: 3 }, () => ({ files: 1, bytes: 100, views: 3 })));
    expect(daysDone).toBe(3);
  });
});
