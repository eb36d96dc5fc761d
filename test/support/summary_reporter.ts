// A vitest reporter that ends the run with two plain things: the totals line, and the list of
// skipped groups with their reason (a service that is absent, a sample that is not there), so that
// a run that skipped is never mistaken for one that ran everything.
import path from "node:path";
import type { Reporter, TestCase, TestModule, TestSuite, Vitest } from "vitest/node";

/** A group of skipped tests: a block (or a file) and why it was skipped. */
export interface SkippedGroup {
  where: string;
  reason: string;
  tests: number;
}

export interface RunTotals {
  passed: number;
  failed: number;
  skipped: number;
  groups: SkippedGroup[];
  /** What would let the skipped groups run, each once. */
  remedies: string[];
}

/** The block a skip belongs to: the outermost suite that carries the reason, or the file. */
function groupOf(test: TestCase, root: string): string {
  const file = path.relative(root, test.module.moduleId);
  let owner: TestSuite | undefined;
  for (let parent = test.parent; parent.type === "suite"; parent = parent.parent) {
    if (parent.meta().skipReason !== undefined) owner = parent;
  }
  return owner ? `${file} > ${owner.fullName}` : file;
}

/** True when the test's block or file failed around it (a beforeAll hook threw): it never ran. */
function blockFailed(test: TestCase): boolean {
  for (let parent: TestSuite | TestModule = test.parent; ; parent = parent.parent) {
    if (parent.state() === "failed") return true;
    if (parent.type === "module") return false;
  }
}

/** Counts the tests of a run and groups the skipped ones by block and reason. */
export function totalsOf(modules: readonly TestModule[], root: string): RunTotals {
  const totals: RunTotals = { passed: 0, failed: 0, skipped: 0, groups: [], remedies: [] };
  const remedies = new Set<string>();
  const groups = new Map<string, SkippedGroup>();
  for (const module of modules) {
    for (const test of module.children.allTests()) {
      const result = test.result();
      if (result.state === "passed") totals.passed += 1;
      else if (result.state === "failed") totals.failed += 1;
      else if (result.state === "skipped") {
        totals.skipped += 1;
        const reason =
          test.meta().skipReason ??
          result.note ??
          (blockFailed(test)
            ? "not run: its block or file failed before it (see the errors above)"
            : "no reason given");
        const where = groupOf(test, root);
        const key = `${where}\n${reason}`;
        const group = groups.get(key) ?? { where, reason, tests: 0 };
        group.tests += 1;
        groups.set(key, group);
        for (const remedy of test.meta().skipRemedy?.split("; ") ?? []) remedies.add(remedy);
      }
    }
    // A file that failed to load has no tests to count; it is a failure all the same.
    if (module.state() === "failed" && module.children.size === 0) totals.failed += 1;
  }
  totals.groups = [...groups.values()];
  totals.remedies = [...remedies];
  return totals;
}

/** The closing lines: totals, then each skipped group with its reason. */
export function formatTotals(totals: RunTotals): string {
  const lines = [`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`];
  if (totals.groups.length > 0) {
    lines.push("skipped:");
    for (const group of totals.groups) {
      lines.push(`  ${group.where} (${group.tests} test${group.tests === 1 ? "" : "s"}): ${group.reason}`);
    }
    if (totals.remedies.length > 0) lines.push("to run them:", ...totals.remedies.map((remedy) => `  ${remedy}`));
  }
  return `${lines.join("\n")}\n`;
}

/** A file's own time: importing it, its setup files, then its tests and hooks. */
function wallOf(d: ReturnType<TestModule["diagnostic"]>): number {
  return d.prepareDuration + d.collectDuration + d.setupDuration + d.duration;
}

/** The `count` files that took longest, each with its project: where the suite's time goes. */
export function slowestFiles(modules: readonly TestModule[], root: string, count = 10): string {
  const timed = modules
    .map((module) => ({
      file: `${path.relative(root, module.moduleId)} [${module.project.name}]`,
      seconds: wallOf(module.diagnostic()) / 1000,
    }))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, count);
  return ["slowest files:", ...timed.map((t) => `  ${t.seconds.toFixed(1).padStart(6)} s  ${t.file}`)].join("\n");
}

export default class SummaryReporter implements Reporter {
  private root = process.cwd();
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
    this.root = vitest.config.root;
  }

  onTestRunEnd(modules: readonly TestModule[]): void {
    // The totals stay the closing lines: CI reads them.
    const text = `${slowestFiles(modules, this.root)}\n\n${formatTotals(totalsOf(modules, this.root))}`;
    if (this.vitest) this.vitest.logger.log(`\n${text}`);
    else process.stdout.write(`\n${text}`);
  }
}
