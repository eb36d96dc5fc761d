#!/usr/bin/env node
// Runs the compiled CLI in jobs/dist, which `npm ci` (its prepare step) and `npm run build` write.
import { existsSync } from "node:fs";

const entry = new URL("../dist/ctr.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("ctr: the CLI is not built (no jobs/dist/ctr.js): run `npm run build` at the repository root\n");
  process.exit(1);
}
// `ctr --help | head`: a reader that stops early is no error.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
