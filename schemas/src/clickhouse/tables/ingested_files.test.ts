import { describe, expect, it } from "vitest";
import { FileManifestSchema, INGESTED_FILE_MANIFEST_STRUCTURE, IngestedFileSchema } from "./ingested_files.ts";

describe("the file manifest", () => {
  it("is read by the commit with the structure of its table columns", () => {
    const structureColumns = INGESTED_FILE_MANIFEST_STRUCTURE.split(", ").map((column) => column.split(" ")[0]);
    const manifestColumns = Object.keys(FileManifestSchema.shape).filter((key) => key !== "malformed_locations");
    expect(structureColumns).toEqual(manifestColumns);
  });

  it("takes plain counts in the manifest JSON and quoted counts in table rows", () => {
    const manifest = { file: "iOS/2016-02-01/a.json.gz", size: 10, etag: "e", batches: 1, events: 3 };
    const counts = { views: 2, ignored: 1, malformed: 0 };
    expect(FileManifestSchema.parse({ ...manifest, ...counts, malformed_locations: [] })).toMatchObject(counts);
    expect(FileManifestSchema.safeParse({ ...manifest, ...counts, views: "2", malformed_locations: [] }).success).toBe(
      false,
    );
    const row = { day: "2016-02-01", platform: "iOS", ...manifest, views: "2", ignored: "1", malformed: "0" };
    expect(IngestedFileSchema.parse({ ...row, loaded_at: "2016-02-02 00:00:00.000" })).toMatchObject(counts);
  });
});
