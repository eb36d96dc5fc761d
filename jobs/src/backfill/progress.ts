import type { ListingProgress, ShardProgress } from "@ctr/workers";
import { addProgress, NO_PROGRESS } from "./shard_progress.ts";

/** Where progress goes: a terminal gets a redrawn bar, anything else periodic log lines. */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

const MB = 1024 * 1024;

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/**
 * Tracks files, bytes and views done against the plan's totals and shows them: a bar redrawn at
 * most 10 times a second on a TTY, a log line every `logEveryMs` otherwise.
 */
export class ProgressReporter {
  private progress: ShardProgress = NO_PROGRESS;
  private daysDone = 0;
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(
    /** What the plan reads, and its platform-days (each committed, refused or failed once). */
    private readonly totals: { files: number; bytes: number; days?: number },
    private readonly output: ProgressOutput,
    /** Interval of the log lines when the output is not a TTY. Default 10 s. */
    private readonly logEveryMs = 10_000,
  ) {}

  /** Files, bytes and views done so far. */
  get done(): ShardProgress {
    return this.progress;
  }

  add(delta: ShardProgress): void {
    this.progress = addProgress(this.progress, delta);
    this.redraw(this.progress.files === this.totals.files);
  }

  /** A platform-day is finished (committed, refused or failed): a long range of days that have no files shows its progress too. */
  dayDone(): void {
    this.daysDone++;
    this.redraw(this.daysDone === this.totals.days);
  }

  private redraw(final: boolean): void {
    const now = Date.now();
    const interval = this.output.isTTY ? 100 : this.logEveryMs;
    if (now - this.lastDraw >= interval || final) {
      this.lastDraw = now;
      this.draw();
    }
  }

  /** One line of the current state: files, MB, views/s and ETA. */
  line(): string {
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? this.progress.views / seconds : 0;
    const byteRate = seconds > 0 ? this.progress.bytes / seconds : 0;
    const eta = byteRate > 0 ? (this.totals.bytes - this.progress.bytes) / byteRate : Number.NaN;
    return (
      `files ${this.progress.files}/${this.totals.files}  ` +
      `${(this.progress.bytes / MB).toFixed(1)}/${(this.totals.bytes / MB).toFixed(1)} MB  ` +
      `${Math.round(rate).toLocaleString("en-US")} views/s  ETA ${formatDuration(eta)}` +
      (this.totals.days ? `  platform-days ${this.daysDone}/${this.totals.days}` : "")
    );
  }

  private draw(): void {
    if (this.output.isTTY) {
      const width = 24;
      const share = this.totals.bytes > 0 ? this.progress.bytes / this.totals.bytes : 1;
      const filled = Math.round(share * width);
      this.output.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${this.line()}\x1b[K`);
    } else {
      this.output.write(`progress: ${this.line()}\n`);
    }
  }

  /** Ends the bar's line on a TTY. */
  finish(): void {
    if (this.output.isTTY && this.lastDraw > 0) this.output.write("\n");
  }
}

/**
 * Shows the listing of the day folders before the work starts ("listing MobileWeb 2016-02-01 …
 * 120/366 day folders"): redrawn at most 10 times a second on a TTY, a line every `logEveryMs`
 * otherwise (and the first and the last), so a long listing is never silent.
 */
export class ListingReporter {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly output: ProgressOutput,
    /** Interval of the log lines when the output is not a TTY. Default 10 s. */
    private readonly logEveryMs = 10_000,
  ) {}

  /** The callback a planner calls after each day folder. */
  readonly update = (progress: ListingProgress): void => {
    const now = Date.now();
    const interval = this.output.isTTY ? 100 : this.logEveryMs;
    const last = progress.done === progress.total;
    if (this.drawn && now - this.lastDraw < interval && !last) return;
    this.lastDraw = now;
    this.drawn = true;
    const line = `listing ${progress.platform} ${progress.day} … ${progress.done}/${progress.total} day folders`;
    this.output.write(this.output.isTTY ? `\r${line}\x1b[K${last ? "\n" : ""}` : `${line}\n`);
  };
}
