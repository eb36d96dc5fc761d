import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordServingApi, StoreLockedError } from "./store_lock.ts";

const dir = mkdtempSync(path.join(tmpdir(), "ctr-store-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the message of a store in use", () => {
  it("names the port the holder serves on and the key its API wants", () => {
    const forget = recordServingApi(dir, { port: 4123, keyed: true });
    try {
      const message = new StoreLockedError(dir, { pid: process.pid, command: "ctr serve" }).message;
      expect(message).toContain(
        "curl -X POST http://localhost:4123/jobs/backfill -H 'Authorization: Bearer <one of its API_KEYS>'",
      );
    } finally {
      forget();
    }
  });

  it("says to wait for a holder that serves no API (or whose record is another process's)", () => {
    const forget = recordServingApi(dir, { port: 4123, keyed: false });
    try {
      const message = new StoreLockedError(dir, { pid: process.pid + 1, command: "ctr backfill" }).message;
      expect(message).toContain("Wait for it to finish or stop it first");
      expect(message).not.toContain("curl");
    } finally {
      forget();
    }
  });
});
