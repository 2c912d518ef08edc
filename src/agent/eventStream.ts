/**
 * A push-based async iterable with one consumer: the producer never waits.
 * An item pushed while the consumer is parked in `next()` is handed straight over;
 * only items pushed ahead of the consumer are held, in order.
 */
export class EventStream<T> implements AsyncIterable<T> {
  #buffer: T[] = [];
  #head = 0;
  #parked: ((result: IteratorResult<T>) => void) | undefined;
  #ended = false;
  #detached = false;
  #claimed = false;

  push(item: T): void {
    if (this.#ended || this.#detached) return;
    const parked = this.#parked;
    if (parked !== undefined) {
      this.#parked = undefined;
      parked({ value: item, done: false });
      return;
    }
    this.#buffer.push(item);
  }

  /** No more items: the consumer drains what is held, then finishes. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const parked = this.#parked;
    if (parked !== undefined) {
      this.#parked = undefined;
      parked({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#claimed) throw new Error('EventStream has a single consumer');
    this.#claimed = true;
    return {
      next: () => {
        if (this.#head < this.#buffer.length) {
          const value = this.#buffer[this.#head] as T;
          this.#buffer[this.#head++] = undefined as T;
          if (this.#head === this.#buffer.length) {
            this.#buffer = [];
            this.#head = 0;
          } else if (this.#head >= 1024 && this.#head * 2 >= this.#buffer.length) {
            // A consumer that never quite catches up must not keep a growing run of spent slots.
            this.#buffer = this.#buffer.slice(this.#head);
            this.#head = 0;
          }
          return Promise.resolve({ value, done: false });
        }
        if (this.#ended || this.#detached) return Promise.resolve({ value: undefined, done: true });
        return new Promise<IteratorResult<T>>((resolve) => {
          this.#parked = resolve;
        });
      },
      // A consumer that stops early (break, a closed socket) lets go of everything held.
      return: () => {
        this.#detached = true;
        this.#buffer = [];
        this.#head = 0;
        const parked = this.#parked;
        this.#parked = undefined;
        parked?.({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
