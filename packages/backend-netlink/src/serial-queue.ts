/**
 * Runs async tasks one at a time. The `netlink` package matches replies by
 * sequence number but cannot interleave two dumps on one socket, so every
 * request on a socket goes through one queue.
 * @module
 */

/** A FIFO of async tasks, each started when the previous one settled. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Run `task` after every task queued before it; resolves or rejects with it. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(task, task);
    // Keep the chain alive whatever this task does.
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
