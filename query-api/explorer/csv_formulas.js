// The explorer's "Download CSV" is opened in spreadsheets, which run a cell that starts with `=`, `+`,
// `-` or `@` (and, in some, a tab or carriage return) as a formula: a product code such as
// `=HYPERLINK("http://…")` would become a live link or worse. The API's CSV stays exact (a program
// reading it wants the product as stored); the page's download puts a `'` before such a cell's text,
// which spreadsheets show as text and do not keep as part of the value (OWASP's CSV injection advice).

/** The first characters that make a spreadsheet read a cell as a formula. */
const FORMULA_STARTS = new Set(["=", "+", "-", "@", "\t", "\r"]);

/** Where the rewriter stands in the CSV text between two characters. */
const AT_FIELD_START = 0;
const AT_QUOTED_START = 1;
const IN_QUOTED = 2;
const QUOTE_IN_QUOTED = 3;
const IN_UNQUOTED = 4;

/**
 * Rewrites CSV text piece by piece (RFC 4180: fields quoted with `"`, `""` inside a quoted field)
 * so that no cell starts a formula. Keeps its state between pieces, so a stream can be fed in
 * chunks that cut anywhere, even inside a field.
 */
export class FormulaNeutraliser {
  state = AT_FIELD_START;

  /**
   * @param {string} text the next piece of the CSV
   * @returns {string} the same piece, with `'` before every cell that would start a formula
   */
  push(text) {
    let out = "";
    for (const char of text) {
      switch (this.state) {
        case AT_FIELD_START:
          if (char === '"') this.state = AT_QUOTED_START;
          else if (char === "," || char === "\n" || char === "\r") this.state = AT_FIELD_START;
          else {
            this.state = IN_UNQUOTED;
            if (FORMULA_STARTS.has(char)) out += "'";
          }
          break;
        case AT_QUOTED_START:
          // `""` first is an escaped quote (a cell starting with `"`) or an empty cell: no formula either way.
          if (char === '"') this.state = QUOTE_IN_QUOTED;
          else {
            this.state = IN_QUOTED;
            if (FORMULA_STARTS.has(char)) out += "'";
          }
          break;
        case IN_QUOTED:
          if (char === '"') this.state = QUOTE_IN_QUOTED;
          break;
        case QUOTE_IN_QUOTED:
          // `""` goes on inside the field; anything else ended it.
          if (char === '"') this.state = IN_QUOTED;
          else this.state = char === "," || char === "\n" || char === "\r" ? AT_FIELD_START : IN_UNQUOTED;
          break;
        default:
          if (char === "," || char === "\n" || char === "\r") this.state = AT_FIELD_START;
      }
      out += char;
    }
    return out;
  }
}

/**
 * A whole CSV text with every formula-starting cell neutralised.
 * @param {string} csv
 */
export function neutraliseFormulas(csv) {
  return new FormulaNeutraliser().push(csv);
}

/**
 * A stream of the CSV bytes of a response, neutralised as it arrives: the download never holds the
 * text twice.
 * @param {ReadableStream<Uint8Array>} body
 * @returns {ReadableStream<Uint8Array>}
 */
export function neutraliseFormulaStream(body) {
  const neutraliser = new FormulaNeutraliser();
  // TextDecoderStream takes any BufferSource; the DOM types want its input named as the body's chunks.
  const decoder = /** @type {TransformStream<Uint8Array, string>} */ (/** @type {unknown} */ (new TextDecoderStream()));
  return body
    .pipeThrough(decoder)
    .pipeThrough(
      new TransformStream({
        transform(chunk, controller) {
          controller.enqueue(neutraliser.push(chunk));
        },
      }),
    )
    .pipeThrough(new TextEncoderStream());
}
