import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "./app_env.ts";
import { HttpError } from "./http_error.ts";
import { COMMON_ERRORS, OPEN, serveOperation } from "./openapi.ts";
import { pagePolicy } from "./security.ts";

/** Starts Swagger UI on the document the page carries. */
const START_SCRIPT = `const spec = JSON.parse(document.getElementById("openapi").textContent);
window.ui = SwaggerUIBundle({
  spec,
  dom_id: "#docs",
  deepLinking: true,
  displayOperationId: true,
  displayRequestDuration: true,
  validatorUrl: null,
  layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis],
});
`;

/** The renderer's files, from the installed swagger-ui-dist (no CDN: the API works offline). */
function rendererFiles(): Map<string, { file: string; type: string }> {
  const require = createRequire(import.meta.url);
  const files = new Map<string, { file: string; type: string }>();
  for (const [name, type] of [
    ["swagger-ui.css", "text/css; charset=utf-8"],
    ["swagger-ui-bundle.js", "text/javascript; charset=utf-8"],
  ] as const) {
    files.set(name, { file: require.resolve(`swagger-ui-dist/${name}`), type });
  }
  return files;
}

/** The page, with the document inline; `<` is escaped so that nothing in it can close the block. */
function docsPage(document: { info: { title: string } }): string {
  const json = JSON.stringify(document).replaceAll("<", "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${document.info.title.replaceAll("<", "&lt;")}</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head><body>
<noscript>This reference needs JavaScript; the OpenAPI document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="docs"></div>
<script type="application/json" id="openapi">${json}</script>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body></html>
`;
}

const openApiRoute = createRoute({
  method: "get",
  path: "/openapi.json",
  operationId: "getOpenApiDocument",
  tags: ["Pages"],
  summary: "This description: OpenAPI 3.1, generated from the routes' own zod schemas",
  ...OPEN,
  responses: {
    200: {
      description: "The OpenAPI document",
      content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
    },
    ...COMMON_ERRORS,
  },
});

const docsRoute = createRoute({
  method: "get",
  path: "/docs",
  operationId: "getDocs",
  tags: ["Pages"],
  summary: "This API's reference for people, with Try it out (Swagger UI)",
  ...OPEN,
  responses: {
    200: { description: "The page (HTML)", content: { "text/html": { schema: z.string() } } },
    ...COMMON_ERRORS,
  },
});

/**
 * `GET /openapi.json` and `GET /docs` (Swagger UI, with its files under `/docs/`). `describe` builds
 * the document; it is built once, on first use, so that start-up does not wait for it.
 */
export function docsRoutes(describe: () => { info: { title: string } }): OpenAPIHono<AppEnv> {
  let document: ReturnType<typeof describe> | undefined;
  let page: string | undefined;
  const built = () => {
    document ??= describe();
    return document;
  };
  const files = rendererFiles();
  const routes = new OpenAPIHono<AppEnv>();
  const policy = pagePolicy();
  routes.use("/docs", policy);
  routes.use("/docs/*", policy);
  serveOperation(routes, openApiRoute, (c) => c.json(built()));
  serveOperation(routes, docsRoute, (c) => {
    page ??= docsPage(built());
    return c.html(page);
  });
  routes.get("/docs/start.js", (c) =>
    c.body(START_SCRIPT, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }),
  );
  routes.get("/docs/:file", async (c) => {
    const asset = files.get(c.req.param("file"));
    if (asset === undefined) throw new HttpError("not_found", `no docs file ${c.req.path}`);
    return c.body(await readFile(asset.file), 200, { "Content-Type": asset.type, "Cache-Control": "no-cache" });
  });
  return routes;
}
