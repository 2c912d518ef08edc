interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal;
  onAbort(): void;
}

/** Callers parked in arrival order. One whose signal aborts leaves the line at once. */
export class FifoWaiters {
  // A Set keeps insertion order and lets an aborted waiter leave from the middle in O(1).
  readonly #waiters = new Set<Waiter>();

  get size(): number {
    return this.#waiters.size;
  }

  /** Resolves when woken by {@link wakeNext}; rejects with the signal's reason if it aborts first. */
  wait(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.#waiters.delete(waiter);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** Wakes the oldest waiter; false when nobody waits. */
  wakeNext(): boolean {
    for (const waiter of this.#waiters) {
      this.#waiters.delete(waiter);
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
      return true;
    }
    return false;
  }
}
