/**
 * `npm run lint:openapi`: the OpenAPI document /openapi.json serves, generated from the routes, linted
 * by Redocly CLI with its recommended rules (redocly.yaml). Any problem, warnings included, fails.
 * Runs offline: telemetry and the update check are off.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildOpenApiDocument } from "../src/app.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(path.join(os.tmpdir(), "ctr-openapi-"));
const file = path.join(dir, "openapi.json");
try {
  writeFileSync(file, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
  execFileSync(
    path.join(ROOT, "node_modules", ".bin", "redocly"),
    ["lint", file, "--config", path.join(ROOT, "redocly.yaml"), "--max-problems", "1000"],
    {
      stdio: "inherit",
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    },
  );
} catch {
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
