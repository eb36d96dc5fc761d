import { describe, expect, it } from "vitest";
import { checkNothingVanishes, checkPurchasesRemain, DayRefusedError } from "./day_guard.ts";

const loaded = (file: string) => ({ file, status: "loaded" as const });
const day = { platform: "iOS", day: "2016-02-01", allowEmpty: false };

describe("the guard of a day's commit", () => {
  it("passes a listing that holds every loaded file, whatever it adds", () => {
    expect(() =>
      checkNothingVanishes({ ...day, listed: ["a", "b", "c"], known: [loaded("a"), loaded("b"), loaded("a")] }),
    ).not.toThrow();
  });

  it("lets failed files vanish: they held no views", () => {
    expect(() =>
      checkNothingVanishes({ ...day, listed: [], known: [{ file: "bad.gz", status: "failed" }] }),
    ).not.toThrow();
  });

  it("refuses an empty listing of a loaded day, naming five files and counting the rest", () => {
    const known = ["f1", "f2", "f3", "f4", "f5", "f6", "f7"].map(loaded);
    const refuse = () => checkNothingVanishes({ ...day, listed: [], known });
    expect(refuse).toThrow(DayRefusedError);
    expect(refuse).toThrow(
      "views iOS 2016-02-01: the source lists no event files for this day, but 7 files were loaded (f1, f2, f3, f4, f5 and 2 more)",
    );
    try {
      refuse();
    } catch (error) {
      expect((error as DayRefusedError).refusal).toMatchObject({
        missingFiles: ["f1", "f2", "f3", "f4", "f5"],
        missingCount: 7,
      });
    }
  });

  it("refuses a listing that lacks loaded files, unless allowed", () => {
    const target = { ...day, listed: ["a", "c"], known: [loaded("a"), loaded("b")] };
    expect(() => checkNothingVanishes(target)).toThrow(
      "1 of the 2 files loaded for this day is missing from the source (b)",
    );
    expect(() => checkNothingVanishes({ ...target, allowEmpty: true })).not.toThrow();
  });
});

describe("the guard of a purchase sync", () => {
  it("refuses a day with no order items where the last sync had some, unless allowed", () => {
    const target = { day: "2016-02-01", orderItems: 0, previousOrderItems: 12, allowEmpty: false };
    expect(() => checkPurchasesRemain(target)).toThrow(
      "purchases 2016-02-01: the orders database returns no order items",
    );
    expect(() => checkPurchasesRemain({ ...target, allowEmpty: true })).not.toThrow();
    expect(() => checkPurchasesRemain({ ...target, previousOrderItems: 0 })).not.toThrow();
    expect(() => checkPurchasesRemain({ ...target, previousOrderItems: undefined })).not.toThrow();
    expect(() => checkPurchasesRemain({ ...target, orderItems: 1 })).not.toThrow();
  });
});
