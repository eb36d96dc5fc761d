/**
 * Runs tasks one after another, in the order they came: the /ctr requests that may be refused for
 * their size (their answer can exceed MAX_RESULT_ROWS) take turns, so several at once hold one
 * result's memory and leave the engine's other slots to the small requests, which never wait here.
 */
export class OneAtATime {
  private last: Promise<unknown> = Promise.resolve();
  private queued = 0;

  /** Tasks running or waiting. */
  get pending(): number {
    return this.queued;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.queued++;
    const turn = this.last.then(task);
    // The next task waits for this one to settle, whether it succeeds or fails.
    this.last = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn.finally(() => {
      this.queued--;
    });
  }
}
