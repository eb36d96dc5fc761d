import type { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { S3Folder } from "./s3_folder.ts";

/**
 * A bucket that answers ListObjectsV2 as S3 does (keys in byte order after StartAfter) but in pages
 * of three keys, so that a folder listing must go over page ends. Counts the requests.
 */
function pagedBucket(keys: string[]) {
  const sorted = [...keys].sort();
  const bucket = { requests: 0, client: undefined as unknown as S3Client };
  bucket.client = {
    send: async (command: ListObjectsV2Command) => {
      bucket.requests++;
      const { Prefix = "", StartAfter = "" } = command.input;
      const matching = sorted.filter((key) => key.startsWith(Prefix) && key > StartAfter);
      return { Contents: matching.slice(0, 3).map((Key) => ({ Key })), IsTruncated: matching.length > 3 };
    },
  } as unknown as S3Client;
  return bucket;
}

describe("S3Folder.listFolders", () => {
  it("names each folder once across pages, skipping past the objects of a folder it has seen", async () => {
    const many = Array.from({ length: 50 }, (_, i) => `landing/iOS/2016-02-01/part-${String(i).padStart(3, "0")}.json`);
    const bucket = pagedBucket([
      ...many,
      "landing/iOS/2016-02-01.txt",
      "landing/iOS/2016-02-02/a.json",
      "landing/iOS/2016-02-03/a.json",
      "landing/iOS/readme.txt",
      "landing/Android/2016-02-01/a.json",
      "elsewhere/iOS/2016-02-09/a.json",
    ]);
    const folder = new S3Folder(bucket.client, "events", "landing");
    expect(await folder.listFolders("")).toEqual(["Android", "iOS"]);
    bucket.requests = 0;
    expect(await folder.listFolders("iOS/")).toEqual(["2016-02-01", "2016-02-02", "2016-02-03"]);
    // Fifty objects in one folder do not cost seventeen pages.
    expect(bucket.requests).toBeLessThanOrEqual(4);
  });
});
