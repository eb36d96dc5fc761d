// The docs speak to a reader who never saw the project's issue tracker: no "issue 14", "Issue 11's"
// or "the case asks" in README.md, docs/ or infra/. An upstream project's issue is named with the
// project and its link instead (ClickHouse/ClickHouse#39712).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { figureDocs } from "../bench/fill_docs.ts";
import { REPO_ROOT } from "./support/ingest_fixtures.ts";

const INTERNAL_REFERENCE = /[Ii]ssues? \d+|[Ii]ssue-\d+|[Tt]he case asks/g;

describe("the docs", () => {
  it("cite no internal issue numbers", async () => {
    const found: string[] = [];
    for (const file of await figureDocs()) {
      const lines = (await readFile(file, "utf8")).split("\n");
      lines.forEach((line, i) => {
        for (const m of line.matchAll(INTERNAL_REFERENCE))
          found.push(`${path.relative(REPO_ROOT, file)}:${i + 1}: ${m[0]}`);
      });
    }
    expect(found).toEqual([]);
  });
});
