/**
 * One task run at a time, with the calls made during a run folded into a
 * single run after it: the watchers that re-read kernel state on events
 * (track files, early routes, fast reroute's re-prune) want the latest state
 * read once more, never a queue of reads.
 * @module
 */

/** Runs a task one at a time; see the module doc. */
export class CoalescedRun {
  readonly #task: () => Promise<void>;
  readonly #more: () => boolean;
  #running: Promise<void> | undefined;
  #again = false;

  /**
   * @param task - the work; it should not throw (a throw ends the run and rejects its callers).
   * @param more - whether a pending follow-up run may still start (false once the owner stopped).
   */
  constructor(task: () => Promise<void>, more: () => boolean = () => true) {
    this.#task = task;
    this.#more = more;
  }

  /** Run the task, or ask the current run for one more pass; resolves when the runs end. */
  run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#task();
        } while (this.#again && this.#more());
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /** Resolves when no run is in progress. */
  async idle(): Promise<void> {
    await this.#running;
  }
}
