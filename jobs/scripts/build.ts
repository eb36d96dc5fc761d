/**
 * Builds what users run: `jobs/dist/ctr.js`, the CLI (and through it the server and the worker), as
 * plain JavaScript. The workspace packages are bundled from their TypeScript source; npm packages
 * stay external (native engines cannot be bundled, and Node loads them from node_modules as
 * usual). Code splitting keeps each command in its own chunk, loaded by a dynamic import only when
 * that command runs, so `ctr --help` loads the CLI and nothing else.
 *
 * Files the code reads at run time (migrations, static pages) are listed by each package in its
 * package.json `"runtimeAssets"` and copied to `dist/assets/<package>/<path>`, where
 * `packageAsset()` (@ctr/schemas) finds them; from the sources it finds them in the package itself.
 */
import { cp, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const OUT_DIR = path.join(ROOT, "jobs", "dist");
const WORKSPACE_SCOPE = "@ctr/";

interface Manifest {
  name: string;
  workspaces?: string[];
  runtimeAssets?: string[];
  dependencies?: Record<string, string>;
}

async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as Manifest;
}

/**
 * npm packages bundled all the same: plain JavaScript that Node would load as hundreds of small ES
 * modules, at every start of a store command. Kysely is 263 of them, ~0.1–0.3 s to load
 * (docs/BENCHMARKS.md, section 1); bundled, esbuild keeps what the code uses in one chunk. Only
 * packages no external package imports belong here: zod, which @hono/zod-openapi imports too, must
 * stay one copy.
 */
const BUNDLED_PACKAGES = /^kysely(\/|$)/;

/** Bare imports of npm packages (and Node's own modules) stay imports; `@ctr/*` is bundled. */
const externalPackages: Plugin = {
  name: "external-packages",
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith(WORKSPACE_SCOPE) || path.isAbsolute(args.path) || BUNDLED_PACKAGES.test(args.path))
        return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * Each workspace's `src/index.ts` names what it exports (`export { a, type B } from "./x.ts"`): that
 * is the API TypeScript checks. esbuild's code splitting binds such named re-exports per file, so a
 * chunk that imports one name of a package would load every module its index names (and their
 * drivers: BullMQ, ioredis, pino for `ctr --help`). It binds `export * from` lazily, per name, so the
 * bundle reads each index as `export *` of the same modules: a superset of names, of which the code
 * can only use those TypeScript found in the index. An index may hold nothing else.
 */
const lazyIndexes: Plugin = {
  name: "lazy-indexes",
  setup(builder) {
    builder.onLoad({ filter: /\/(schemas|workers|query-api|jobs)\/src\/index\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const statements = source
        .replace(/\/\/.*$/gm, "")
        .split(";")
        .map((statement) => statement.trim())
        .filter((statement) => statement !== "");
      const modules = statements.map((statement) => {
        const match = /^export\s+(type\s+)?\{[^}]*\}\s+from\s+"([^"]+)"$/s.exec(statement);
        if (!match?.[2])
          throw new Error(`${args.path}: an index holds only \`export { ... } from "..."\`, not: ${statement}`);
        return match[1] ? undefined : match[2];
      });
      const lines = [...new Set(modules.filter((module) => module !== undefined))].map((m) => `export * from "${m}";`);
      return { contents: lines.join("\n"), loader: "ts", resolveDir: path.dirname(args.path) };
    });
  },
};

/** Copies every workspace's runtime assets under `dist/assets/<package name>/`. */
async function copyAssets(): Promise<string[]> {
  const root = await readManifest(ROOT);
  const copied: string[] = [];
  for (const workspace of root.workspaces ?? []) {
    const dir = path.join(ROOT, workspace);
    const manifest = await readManifest(dir);
    for (const asset of manifest.runtimeAssets ?? []) {
      const from = path.join(dir, asset);
      await stat(from).catch(() => {
        throw new Error(`${manifest.name} lists the runtime asset ${asset}, which does not exist (${from})`);
      });
      await cp(from, path.join(OUT_DIR, "assets", manifest.name, asset), {
        recursive: true,
        // Tests beside the files are not run-time assets.
        filter: (file) => !file.endsWith(".test.ts"),
      });
      copied.push(`${manifest.name}/${asset}`);
    }
  }
  return copied;
}

/**
 * The bundle in jobs/dist imports npm packages from jobs/node_modules or the root's: a dependency
 * that npm nested under another workspace (a second version of it) would be out of its reach, and
 * the bundle would load the root's version instead. Refused, naming it.
 */
async function checkReachable(): Promise<void> {
  const root = await readManifest(ROOT);
  const unreachable: string[] = [];
  for (const workspace of root.workspaces ?? []) {
    if (workspace === "jobs") continue;
    const manifest = await readManifest(path.join(ROOT, workspace));
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      const nested = path.join(ROOT, workspace, "node_modules", name, "package.json");
      if (
        await stat(nested).then(
          () => true,
          () => false,
        )
      )
        unreachable.push(`${workspace}/node_modules/${name}`);
    }
  }
  if (unreachable.length > 0) {
    throw new Error(
      `npm nested ${unreachable.join(", ")}: the bundle (jobs/dist) would load the root's version instead; align the versions so npm hoists one`,
    );
  }
}

/** Writes jobs/dist afresh; returns one line saying what was built. */
export async function buildCli(): Promise<string> {
  const started = performance.now();
  await checkReachable();
  await rm(OUT_DIR, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { ctr: "jobs/src/cli.ts" },
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    chunkNames: "chunk-[hash]",
    sourcemap: "linked",
    sourcesContent: false,
    plugins: [externalPackages, lazyIndexes],
    logLevel: "warning",
    metafile: true,
  });
  const assets = await copyAssets();
  const outputs = Object.keys(result.metafile.outputs).filter((file) => file.endsWith(".js"));
  return `built jobs/dist: ${outputs.length} modules, assets ${assets.join(", ") || "none"} in ${Math.round(performance.now() - started)} ms`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stderr.write(`${await buildCli()}\n`);
}
