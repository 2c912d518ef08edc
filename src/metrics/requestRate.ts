const WINDOW_SECONDS = 60;

/**
 * Requests in the last minute, as a ring of one-second buckets: counting is an index and an
 * increment; a read sums sixty numbers. Times are milliseconds of a monotonic clock.
 */
export class RequestRate {
  readonly #ring = new Uint32Array(WINDOW_SECONDS);
  /** The second the newest bucket belongs to. */
  #second = 0;

  note(nowMs: number): void {
    this.#advance(Math.floor(nowMs / 1000));
    this.#ring[this.#second % WINDOW_SECONDS]!++;
  }

  perMinute(nowMs: number): number {
    this.#advance(Math.floor(nowMs / 1000));
    let total = 0;
    for (const n of this.#ring) total += n;
    return total;
  }

  #advance(second: number): void {
    if (second <= this.#second) return;
    const stale = Math.min(second - this.#second, WINDOW_SECONDS);
    for (let i = 1; i <= stale; i++) this.#ring[(this.#second + i) % WINDOW_SECONDS] = 0;
    this.#second = second;
  }
}
