import type { JobStatus } from "@ctr/schemas";
import { describe, expect, it } from "vitest";
import { hideServerPaths, hideServerPathsOfStatus, serverFoldersOf, serverPathHider } from "./server_paths.ts";

const config = {
  dataDir: "/srv/ctr/data",
  eventsSource: { kind: "local", dir: "/srv/ctr/data/raw" },
  parquetSink: { kind: "s3", bucket: "lake", prefix: "parquet" },
} as const;
const folders = serverFoldersOf(config);

describe("hideServerPaths", () => {
  it("names the configured folders by their variable, the innermost first", () => {
    expect(hideServerPaths("/srv/ctr/data/raw: the source folder does not exist", folders)).toBe(
      "$EVENTS_SOURCE: the source folder does not exist",
    );
    expect(hideServerPaths("open '/srv/ctr/data/tmp/shard-1/x.parquet' failed", folders)).toBe(
      "open '$CTR_DATA_DIR/tmp/shard-1/x.parquet' failed",
    );
  });

  it("does not take a longer folder name for a configured one", () => {
    expect(hideServerPaths("/srv/ctr/data-old/file.json", folders)).toBe("…/file.json");
  });

  it("keeps only the last segment of any other absolute path", () => {
    expect(hideServerPaths("iOS/2016-02-01/a.json -> /etc/passwd: not allowed", folders)).toBe(
      "iOS/2016-02-01/a.json -> …/passwd: not allowed",
    );
  });

  it("leaves URLs, relative keys and protocol names alone", () => {
    const text = "s3://lake/parquet/x.parquet via http://minio:9000/lake over HTTP/1.1, file iOS/2016-02-01/a.json";
    expect(hideServerPaths(text, folders)).toBe(text);
  });

  it("drops the user and password of a URL", () => {
    expect(hideServerPaths("connect redis://ctr:s3cret@cache:6379 and http://key:x@minio:9000/lake", folders)).toBe(
      "connect redis://cache:6379 and http://minio:9000/lake",
    );
  });
});

describe("hideServerPathsOfStatus", () => {
  it("hides the paths of failures, refused days, unreadable files and malformed records, and keeps the rest", () => {
    const status: JobStatus = {
      id: "backfill.x",
      name: "backfill",
      state: "completed",
      ok: false,
      progress: { files: 1, totalFiles: 1, bytes: 1, totalBytes: 1, views: 0 },
      malformedLocations: [{ file: "iOS/2016-02-01/a.json", position: "line 3", reason: "read /srv/ctr/data/raw/x" }],
      failures: [{ step: "commit iOS 2016-02-01", message: "/srv/ctr/data/parquet/events/x.parquet: gone" }],
      refused: [
        {
          step: "views iOS 2016-02-01",
          message: "/srv/ctr/data/raw/iOS/2016-02-01 lists no files; pass allowEmpty",
          missingFiles: ["iOS/2016-02-01/a.json"],
          missingCount: 1,
        },
      ],
      failedFiles: [
        { platform: "iOS", day: "2016-02-01", file: "iOS/2016-02-01/b.json.gz", reason: "open /tmp/x/b: EIO" },
      ],
    };
    expect(hideServerPathsOfStatus(status, serverPathHider(config))).toEqual({
      ...status,
      malformedLocations: [{ file: "iOS/2016-02-01/a.json", position: "line 3", reason: "read $EVENTS_SOURCE/x" }],
      failures: [{ step: "commit iOS 2016-02-01", message: "$CTR_DATA_DIR/parquet/events/x.parquet: gone" }],
      refused: [{ ...status.refused[0], message: "$EVENTS_SOURCE/iOS/2016-02-01 lists no files; pass allowEmpty" }],
      failedFiles: [{ platform: "iOS", day: "2016-02-01", file: "iOS/2016-02-01/b.json.gz", reason: "open …/b: EIO" }],
    });
  });
});
