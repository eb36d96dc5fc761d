// vitest globalSetup of the integration project: the tests that run the real `bin/ctr` (and `npx ctr`)
// run the compiled CLI, so it is built from the sources under test first (esbuild, well under a second).
import { buildCli } from "../../jobs/scripts/build.ts";

export default async function setup(): Promise<void> {
  await buildCli();
}
