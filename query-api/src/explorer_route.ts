import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { packageAsset } from "@ctr/schemas";
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "./app_env.ts";
import { HttpError } from "./http_error.ts";
import { COMMON_ERRORS, OPEN, serveOperation } from "./openapi.ts";
import { pagePolicy } from "./security.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** An asset name and the file it is read from; nothing outside this list is ever served. */
type Assets = Map<string, string>;

/** The page's own files (explorer/*.js, *.css) and the chart library's, from the installed package. */
function listAssets(): { page: string; assets: Assets } {
  // Listed in package.json "runtimeAssets": the build copies it beside the bundle.
  const dir = packageAsset("@ctr/query-api", "explorer", import.meta.url);
  const assets: Assets = new Map();
  for (const name of readdirSync(dir)) {
    if (/^[a-z_]+\.(js|css)$/.test(name)) assets.set(name, path.join(dir, name));
  }
  const require = createRequire(import.meta.url);
  for (const name of ["uPlot.esm.js", "uPlot.min.css"]) {
    assets.set(`vendor/${name}`, require.resolve(`uplot/dist/${name}`));
  }
  return { page: path.join(dir, "index.html"), assets };
}

async function sendFile(c: Context<AppEnv>, file: string): Promise<Response> {
  const type = CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
  // no-cache: the browser revalidates, so a new version of the page is picked up at once.
  return c.body(await readFile(file), 200, { "Content-Type": type, "Cache-Control": "no-cache" });
}

const pageRoute = (path: string, operationId: string, summary: string) =>
  createRoute({
    method: "get",
    path,
    operationId,
    tags: ["Pages"],
    summary,
    ...OPEN,
    responses: {
      200: { description: "The page (HTML)", content: { "text/html": { schema: z.string() } } },
      ...COMMON_ERRORS,
    },
  });

/**
 * `GET /` and `GET /explore`: the CTR explorer, a static page that calls /products, /ctr and
 * /coverage from the browser; its scripts and styles under `/explore/`. The page and its files are
 * open (like /docs); the data it fetches is behind the API keys.
 */
export function explorerRoutes(): OpenAPIHono<AppEnv> {
  const { page, assets } = listAssets();
  const policy = pagePolicy();
  const routes = new OpenAPIHono<AppEnv>();
  for (const route of ["/", "/explore", "/explore/*"]) routes.use(route, policy);
  const summary = "The CTR explorer: CTR per product, platform and range, with what is loaded";
  serveOperation(routes, pageRoute("/", "getExplorer", summary), (c) => sendFile(c, page));
  serveOperation(routes, pageRoute("/explore", "getExplorerPage", `${summary} (the same page as /)`), (c) =>
    sendFile(c, page),
  );
  routes.get("/explore/*", (c) => {
    const file = assets.get(c.req.path.slice("/explore/".length));
    if (file === undefined) throw new HttpError("not_found", `no explorer file ${c.req.path}`);
    return sendFile(c, file);
  });
  return routes;
}
