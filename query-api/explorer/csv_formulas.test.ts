import { describe, expect, it } from "vitest";
import { FormulaNeutraliser, neutraliseFormulaStream, neutraliseFormulas } from "./csv_formulas.js";

const HEADER = '"timestamp","platform","product","CTR","purchases","productViews"\n';
const row = (product: string) => `"2016-02-01 10:00:00","iOS",${product},0.5000,1,2\n`;

describe("neutraliseFormulas", () => {
  it("puts a quote before every cell that a spreadsheet would run as a formula", () => {
    const csv = [
      HEADER,
      row('"=HYPERLINK(""http://x"",""y"")"'),
      row('"+1+2"'),
      row('"-3"'),
      row('"@SUM(A1)"'),
      row('"\tTAB"'),
      row('"\rCR"'),
      row("=unquoted"),
    ].join("");
    expect(neutraliseFormulas(csv)).toBe(
      [
        HEADER,
        row('"\'=HYPERLINK(""http://x"",""y"")"'),
        row('"\'+1+2"'),
        row('"\'-3"'),
        row('"\'@SUM(A1)"'),
        row('"\'\tTAB"'),
        row('"\'\rCR"'),
        row("'=unquoted"),
      ].join(""),
    );
  });

  it("leaves every other cell as the API wrote it: numbers, empty CTRs, quotes and separators inside cells", () => {
    const csv = [
      HEADER,
      row('"A1"'),
      row('""'),
      row('"""=quoted first"'),
      row('"a,=b"'),
      row('"line\n=next"'),
      '"2016-02-01 10:00:00","iOS","B2",,0,0\n',
    ].join("");
    expect(neutraliseFormulas(csv)).toBe(csv);
  });

  it("gives the same text whatever the pieces the CSV arrives in", () => {
    const csv = `${HEADER}${row('"=1+1"')}${row('"a""b"')}${row('"-x"')}${row('"""-"')}`;
    const whole = neutraliseFormulas(csv);
    for (let size = 1; size <= 7; size++) {
      const neutraliser = new FormulaNeutraliser();
      let out = "";
      for (let at = 0; at < csv.length; at += size) out += neutraliser.push(csv.slice(at, at + size));
      expect(out).toBe(whole);
    }
  });
});

describe("neutraliseFormulaStream", () => {
  it("neutralises a byte stream cut inside multi-byte characters", async () => {
    const csv = `${HEADER}${row('"=ñandú"')}${row('"ñ=é"')}`;
    const bytes = new TextEncoder().encode(csv);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 3) controller.enqueue(bytes.slice(at, at + 3));
        controller.close();
      },
    });
    expect(await new Response(neutraliseFormulaStream(body)).text()).toBe(neutraliseFormulas(csv));
    expect(neutraliseFormulas(csv)).toContain(`"'=ñandú"`);
  });
});
