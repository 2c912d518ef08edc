import { FifoWaiters } from './fifoWaiters.js';

export interface SessionLock {
  /** Hands the key to the next waiter, if any. Idempotent. */
  release(): void;
}

/**
 * One run at a time per session key, in arrival order. The lock passes straight
 * from a releasing run to the oldest waiter, so a newcomer can never overtake the line.
 */
export class SessionQueue {
  /** A key is present while held; its waiters are allocated only once someone waits. */
  readonly #lanes = new Map<string, FifoWaiters | null>();

  /** Keys currently held. */
  get size(): number {
    return this.#lanes.size;
  }

  isHeld(key: string): boolean {
    return this.#lanes.has(key);
  }

  /** Takes the key now when nobody holds it. */
  tryLock(key: string): SessionLock | undefined {
    if (this.#lanes.has(key)) return undefined;
    this.#lanes.set(key, null);
    return this.#lockFor(key);
  }

  /** Waits for the key; rejects with the signal's reason (and leaves the line) when it aborts first. */
  async lock(key: string, signal: AbortSignal): Promise<SessionLock> {
    const held = this.tryLock(key);
    if (held !== undefined) return held;
    let lane = this.#lanes.get(key);
    if (lane == null) {
      lane = new FifoWaiters();
      this.#lanes.set(key, lane);
    }
    await lane.wait(signal);
    return this.#lockFor(key);
  }

  #lockFor(key: string): SessionLock {
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        const lane = this.#lanes.get(key);
        if (lane == null || !lane.wakeNext()) this.#lanes.delete(key);
      },
    };
  }
}
