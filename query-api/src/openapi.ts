import { CtrRequestSchema, MAX_AGGREGATION_MINUTES, MAX_BACKFILL_DAYS, PLATFORMS } from "@ctr/schemas";
import { z } from "zod";
import { ERROR_STATUS } from "./http_error.ts";
import { ProductsQuerySchema, ProductsResponseSchema } from "./products_route.ts";
import { RESPONSE_FORMATS } from "./response_format.ts";

type JsonSchema = Record<string, unknown>;

// What the validation's transforms cannot say in JSON Schema, per field.
const FIELD_NOTES: Record<string, JsonSchema> = {
  startTimestamp: {
    description: "Start of the range, included: GMT-3 wall-clock time, seconds 00.",
    pattern: "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:00$",
    examples: ["2016-02-01 10:00:00"],
  },
  endTimestamp: {
    description: "End of the range, excluded; after startTimestamp. Same format.",
    pattern: "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:00$",
    examples: ["2016-02-01 12:00:00"],
  },
  aggregation: {
    description: `Bucket width in minutes, a whole number 1..${MAX_AGGREGATION_MINUTES} (a number or a numeric string). Buckets start at startTimestamp.`,
    examples: [60],
  },
  product: { description: "Only this product code (codeColor). Absent: one row per product." },
  platform: {
    description: `Only this platform: ${PLATFORMS.join(", ")}, case-insensitive. Absent: one row per platform.`,
    examples: ["iOS"],
  },
};

/** The /ctr request as JSON Schema, generated from the same zod schema the handler validates with. */
function ctrRequestJsonSchema(): {
  type: "object";
  properties: Record<string, JsonSchema>;
  required: string[];
  additionalProperties: false;
} {
  const generated = z.toJSONSchema(CtrRequestSchema, { io: "input" }) as {
    properties: Record<string, JsonSchema>;
    required?: string[];
  };
  const properties = Object.fromEntries(
    Object.entries(generated.properties).map(([name, schema]) => [name, { ...schema, ...FIELD_NOTES[name] }]),
  );
  // Unknown or repeated fields are refused (400), not ignored.
  return { type: "object", properties, required: generated.required ?? [], additionalProperties: false };
}

/** Query parameters from a zod object's input side: a route's own validation, described. */
function queryParameters(schema: z.ZodType): JsonSchema[] {
  const generated = z.toJSONSchema(schema, { io: "input" }) as {
    properties: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(generated.properties).map(([name, { description, ...property }]) => ({
    name,
    in: "query",
    required: generated.required?.includes(name) ?? false,
    schema: property,
    description,
  }));
}

const PAGE_RESPONSES = { "200": { description: "The page (HTML)", content: { "text/html": {} } } };

const CTR_ROW_SCHEMA: JsonSchema = {
  type: "object",
  required: ["timestamp", "platform", "product", "CTR", "purchases", "productViews"],
  properties: {
    timestamp: { type: "string", description: "Bucket start, GMT-3, YYYY-MM-DD HH:MM:SS" },
    platform: { type: "string", enum: [...PLATFORMS] },
    product: { type: "string" },
    CTR: {
      type: ["number", "null"],
      description: "purchases / productViews rounded half up, written with exactly four decimals; null without views",
    },
    purchases: { type: "integer" },
    productViews: { type: "integer" },
  },
};

const ERROR_SCHEMA: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: Object.keys(ERROR_STATUS) },
        message: { type: "string" },
        field: { type: "string", description: "The offending input field (400)" },
      },
    },
  },
};

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

const CTR_RESPONSES = {
  "200": {
    description:
      "One row per (bucket, platform, product) with a view or a purchase, ordered by timestamp, platform, product (byte order).",
    content: {
      [RESPONSE_FORMATS.json.mediaType]: {
        schema: { type: "array", items: { $ref: "#/components/schemas/CtrRow" } },
      },
      [RESPONSE_FORMATS.ndjson.mediaType]: { schema: { $ref: "#/components/schemas/CtrRow" } },
      [RESPONSE_FORMATS.csv.mediaType]: { schema: { type: "string" } },
    },
  },
  "400": errorResponse("Bad input, an unknown parameter or one given twice; `field` names it"),
  "401": errorResponse("API keys are configured and the Bearer token is missing or wrong"),
  "414": errorResponse("The request line is over 16 KiB (a very long query string); use POST"),
  "422": errorResponse("The result is over MAX_RESULT_ROWS; narrow the request"),
  "431": errorResponse("The request line and headers are over 16 KiB together"),
  "503": errorResponse("ClickHouse is unreachable"),
  "504": errorResponse("The request took longer than REQUEST_TIMEOUT_MS"),
};

/** The OpenAPI 3.1 document served at /openapi.json. */
export function buildOpenApiDocument(): JsonSchema {
  const request = ctrRequestJsonSchema();
  const parameters = Object.entries(request.properties).map(([name, schema]) => ({
    name,
    in: "query",
    required: request.required.includes(name),
    // Query strings carry text; the number form of aggregation is for JSON bodies.
    schema: name === "aggregation" ? { type: "string", pattern: "^\\d+$" } : schema,
    description: schema.description,
  }));
  return {
    openapi: "3.1.0",
    info: {
      title: "CTR analytics API",
      version: "1.0.0",
      description: "CTR = purchases / product views per time bucket, platform and product. Times are GMT-3.",
    },
    components: {
      schemas: {
        CtrRequest: request,
        CtrRow: CTR_ROW_SCHEMA,
        Error: ERROR_SCHEMA,
        Products: z.toJSONSchema(ProductsResponseSchema, { target: "openapi-3.0" }),
      },
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "Needed only when API_KEYS is set" } },
    },
    security: [{}, { bearer: [] }],
    paths: {
      "/ctr": {
        get: { summary: "CTR per bucket, platform and product", parameters, responses: CTR_RESPONSES },
        post: {
          summary: "The same, with the fields in a JSON body",
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/CtrRequest" } } },
          },
          responses: CTR_RESPONSES,
        },
      },
      "/coverage": {
        get: {
          summary:
            "Loaded platform-days (files, counts, load times; status complete or partial, with the files that could not be read) and purchase syncs",
          parameters: [
            { name: "from", in: "query", schema: { type: "string", format: "date" } },
            { name: "to", in: "query", schema: { type: "string", format: "date" } },
            { name: "platform", in: "query", schema: { type: "string" } },
          ],
          responses: {
            "200": { description: "Coverage" },
            "400": errorResponse("A bad day or platform, to before from, or an unknown parameter"),
          },
        },
      },
      "/products": {
        get: {
          summary: "Products with views in a range of GMT-3 days, in byte order: for a type-ahead",
          parameters: queryParameters(ProductsQuerySchema),
          responses: {
            "200": {
              description: "At most `limit` products",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Products" } } },
            },
            "400": errorResponse("Bad input; `field` names it"),
            "401": errorResponse("API keys are configured and the Bearer token is missing or wrong"),
          },
        },
      },
      "/": { get: { summary: "The CTR explorer page", security: [], responses: PAGE_RESPONSES } },
      "/explore": { get: { summary: "The CTR explorer page (same as /)", security: [], responses: PAGE_RESPONSES } },
      "/jobs/backfill": {
        post: {
          summary: "Submit a backfill (views of the day folders and purchases of those days); answered at once",
          description: `The range covers at most ${MAX_BACKFILL_DAYS} days. Nothing loaded is replaced by less unless \`allowEmpty\` is true.`,
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["from", "to"],
                  additionalProperties: false,
                  properties: {
                    from: { type: "string", format: "date" },
                    to: { type: "string", format: "date" },
                    platform: { type: "string", description: `${PLATFORMS.join(", ")}; absent: all three` },
                    allowEmpty: {
                      type: "boolean",
                      default: false,
                      description:
                        "Consent to replace loaded data with less. Without it a platform-day whose listing is empty or lacks files that were loaded, and a day of purchases that returns no order items where an earlier sync had some, are refused: left as they were and listed under `refused` in the job's status.",
                    },
                  },
                },
              },
            },
          },
          responses: {
            "202": { description: "Accepted: `{id, name, status}`; follow `status` (GET /jobs/{id})" },
            "400": errorResponse("Bad input; `field` names it"),
            "404": errorResponse("This process takes no jobs"),
          },
        },
      },
      "/jobs/{id}": {
        get: {
          summary:
            "A job's state, progress and, once finished, counts, failed steps, refused days and files that could not be read",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "The job's status" }, "404": errorResponse("No such job") },
        },
      },
      "/healthz": { get: { summary: "The process is up", security: [], responses: { "200": { description: "ok" } } } },
      "/readyz": {
        get: {
          summary: "ClickHouse is reachable",
          security: [],
          responses: { "200": { description: "ready" }, "503": errorResponse("not ready") },
        },
      },
      "/metrics": {
        get: { summary: "Prometheus metrics", security: [], responses: { "200": { description: "text" } } },
      },
    },
  };
}
