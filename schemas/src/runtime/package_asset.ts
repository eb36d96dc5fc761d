import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where a file or folder a package reads at run time is (`relative` to the package's folder, e.g.
 * `src/clickhouse/migrations`), found upwards from the calling module (`import.meta.url`):
 * - from the TypeScript sources (tests, dev), in the package's own folder;
 * - from the build (`jobs/dist`), in `assets/<package name>/<relative>` beside the bundle, where
 *   the build copies what each package lists in its package.json `"runtimeAssets"`.
 */
export function packageAsset(packageName: string, relative: string, moduleUrl: string): string {
  const start = path.dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = path.dirname(dir)) {
    const built = path.join(dir, "assets", packageName, relative);
    if (existsSync(built)) return built;
    const manifest = path.join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === packageName
    ) {
      return path.join(dir, relative);
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`${relative} of ${packageName} not found above ${start} (is the build complete?)`);
    }
  }
}
