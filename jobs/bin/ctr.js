#!/usr/bin/env node
// Internal packages ship TypeScript source; tsx loads it without a build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));
