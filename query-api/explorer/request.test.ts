import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  coverageDays,
  ctrPath,
  curlCommand,
  dayRange,
  MAX_STRIP_DAYS,
  shellQuote,
  topPath,
  wallClockMs,
} from "./request.js";

const fields = {
  startTimestamp: "2016-02-01 10:00:00",
  endTimestamp: "2016-02-01 12:00:00",
  aggregation: "60",
  product: "",
  platform: "",
};

describe("ctrPath", () => {
  it("writes the fields in the documented order, leaves empty ones out and keeps times readable", () => {
    expect(ctrPath({ ...fields, product: "P1", platform: "iOS" })).toBe(
      "/ctr?startTimestamp=2016-02-01%2010:00:00&endTimestamp=2016-02-01%2012:00:00&aggregation=60&product=P1&platform=iOS",
    );
  });

  it("asks /ctr/totals without a product, and /ctr/top for the range and platform", () => {
    expect(ctrPath({ ...fields, platform: "iOS" })).toBe(
      "/ctr/totals?startTimestamp=2016-02-01%2010:00:00&endTimestamp=2016-02-01%2012:00:00&aggregation=60&platform=iOS",
    );
    expect(topPath({ ...fields, product: "P1" }, "ctr")).toBe(
      "/ctr/top?startTimestamp=2016-02-01%2010:00:00&endTimestamp=2016-02-01%2012:00:00&by=ctr&limit=10&minViews=20",
    );
  });

  it("encodes a product so that the server reads back exactly what was typed", () => {
    const product = "a&b=c+d e%f'g#h";
    const url = new URL(`http://localhost${ctrPath({ ...fields, product })}`);
    expect(url.searchParams.get("product")).toBe(product);
    expect([...url.searchParams.keys()]).toEqual(["startTimestamp", "endTimestamp", "aggregation", "product"]);
  });
});

describe("curlCommand", () => {
  it("quotes the URL as one shell word, whatever it holds", () => {
    for (const text of ["plain", "it's", '$HOME `id` \\ "x"', "'"]) {
      expect(execFileSync("sh", ["-c", `printf %s ${shellQuote(text)}`], { encoding: "utf8" })).toBe(text);
    }
  });

  it("names the key by $CTR_API_KEY, never by its value", () => {
    const command = curlCommand("http://localhost:3000/ctr?x=1", { withKey: true });
    expect(command).toBe(`curl -H "Authorization: Bearer $CTR_API_KEY" 'http://localhost:3000/ctr?x=1'`);
    expect(curlCommand("http://h/ctr", { withKey: false, accept: "text/csv" })).toBe(
      "curl -H 'Accept: text/csv' 'http://h/ctr'",
    );
  });
});

describe("time", () => {
  it("reads only real wall-clock times", () => {
    expect(wallClockMs("2016-02-01 10:00:00")).toBe(Date.UTC(2016, 1, 1, 10));
    for (const bad of ["2016-02-30 10:00:00", "2016-02-01 24:00:00", "2016-02-01T10:00:00", ""]) {
      expect(wallClockMs(bad)).toBeUndefined();
    }
  });

  it("gives a day's range from midnight to midnight, across month ends", () => {
    expect(dayRange("2016-02-29")).toEqual({
      startTimestamp: "2016-02-29 00:00:00",
      endTimestamp: "2016-03-01 00:00:00",
    });
  });
});

describe("coverageDays", () => {
  it("lists the views' UTC folder days and the purchases' GMT-3 days of a GMT-3 range", () => {
    // GMT-3 2016-02-01 00:00..24:00 is UTC 03:00 on the 1st to 03:00 on the 2nd.
    expect(coverageDays("2016-02-01 00:00:00", "2016-02-02 00:00:00")).toEqual({
      views: ["2016-02-01", "2016-02-02"],
      purchases: ["2016-02-01"],
      more: false,
    });
    // Until 21:00 GMT-3 every view is in the UTC day's folder.
    expect(coverageDays("2016-02-01 00:00:00", "2016-02-01 21:00:00")?.views).toEqual(["2016-02-01"]);
  });

  it("is undefined for what is not a range, and cuts a long one", () => {
    expect(coverageDays("2016-02-01 10:00:00", "2016-02-01 10:00:00")).toBeUndefined();
    expect(coverageDays("nonsense", "2016-02-01 10:00:00")).toBeUndefined();
    const year = coverageDays("2016-01-01 00:00:00", "2017-01-01 00:00:00");
    expect(year?.views).toHaveLength(MAX_STRIP_DAYS);
    expect(year?.more).toBe(true);
  });
});
