// Preloaded with `node --import` into a process under test: appends every module the process loads to
// the file CTR_MODULE_TRACE names, one per line. ES modules through a loader hook (in the hooks
// thread, as each is loaded); CommonJS modules and native addons from require's cache at exit.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { isMainThread } from "node:worker_threads";

// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by the test that preloads this file, never by turbo tasks
const trace = process.env.CTR_MODULE_TRACE;
if (!trace) throw new Error("module_trace.mjs wants CTR_MODULE_TRACE, the file to write to");

/** The loader hook: runs in the hooks thread, which imports this file again. */
export async function load(url, context, nextLoad) {
  appendFileSync(trace, `${url}\n`);
  return nextLoad(url, context);
}

if (isMainThread) {
  register(import.meta.url);
  process.on("exit", () => {
    appendFileSync(trace, `${Object.keys(createRequire(import.meta.url).cache).join("\n")}\n`);
  });
}
