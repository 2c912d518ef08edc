import { RunFailure } from './events.js';
import { FifoWaiters } from './fifoWaiters.js';
import { SessionQueue, type SessionLock } from './sessionQueue.js';
import type { SharedLock, SharedSessionLocks } from './sharedLocks.js';

export interface AdmissionLimits {
  /** Runs executing at once, across all session keys. */
  maxConcurrent: number;
  /** Runs allowed to wait (for their session key or for a slot); past it, `busy`. */
  maxQueued: number;
  /** Hint given with `busy`. */
  retryAfterMs?: number;
}

/** The right to execute: the session key's lock (on every replica, when shared) plus one global slot. */
export interface Permit {
  /** Gives both back. Idempotent. */
  release(): void;
  /** Aborts if the shared lock is lost while held; absent without one. */
  readonly lost?: AbortSignal;
}

/**
 * Gatekeeper of every run: first the session key (runs on one key never overlap),
 * then a global slot. Waiting for either counts against one bounded wait queue.
 */
export class Admission {
  readonly sessions = new SessionQueue();
  readonly #limits: Required<AdmissionLimits>;
  readonly #slotWaiters = new FifoWaiters();
  #running = 0;
  #waiting = 0;

  constructor(limits: AdmissionLimits) {
    this.#limits = { retryAfterMs: 1000, ...limits };
  }

  /** Runs holding a slot. */
  get running(): number {
    return this.#running;
  }

  /** Runs admitted but still waiting for their key or a slot. */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Takes a place synchronously, either executing or in the wait queue, or throws
   * `RunFailure` busy at once. The promise rejects with the signal's reason when it
   * aborts while waiting; the run then leaves the queue holding nothing. With `shared`, the key
   * is also taken across replicas, after the local line and before a slot, so a run waiting
   * on another replica holds no slot here.
   */
  admit(sessionKey: string, signal: AbortSignal, shared?: SharedSessionLocks): Promise<Permit> {
    const lock = this.sessions.tryLock(sessionKey);
    if (shared === undefined && lock !== undefined && this.#tryTakeSlot()) {
      return Promise.resolve(this.#permit(lock, undefined));
    }
    if (this.#waiting >= this.#limits.maxQueued) {
      lock?.release();
      throw new RunFailure({
        code: 'busy',
        message: `gateway busy: ${this.#running} runs active and ${this.#waiting} waiting`,
        retryAfterMs: this.#limits.retryAfterMs,
      });
    }
    this.#waiting++;
    return this.#wait(sessionKey, lock, signal, shared);
  }

  async #wait(
    sessionKey: string,
    lock: SessionLock | undefined,
    signal: AbortSignal,
    shared: SharedSessionLocks | undefined,
  ): Promise<Permit> {
    try {
      const held = lock ?? (await this.sessions.lock(sessionKey, signal));
      let remote: SharedLock | undefined;
      try {
        if (shared !== undefined) remote = await shared.acquire(sessionKey, signal);
        if (!this.#tryTakeSlot()) await this.#slotWaiters.wait(signal);
      } catch (err) {
        remote?.release();
        held.release();
        throw err;
      }
      return this.#permit(held, remote);
    } finally {
      this.#waiting--;
    }
  }

  #tryTakeSlot(): boolean {
    if (this.#running >= this.#limits.maxConcurrent || this.#slotWaiters.size > 0) return false;
    this.#running++;
    return true;
  }

  #permit(lock: SessionLock, remote: SharedLock | undefined): Permit {
    let held = true;
    return {
      ...(remote !== undefined ? { lost: remote.lost } : {}),
      release: () => {
        if (!held) return;
        held = false;
        // The slot passes straight to the oldest waiter, so #running stays put.
        if (!this.#slotWaiters.wakeNext()) this.#running--;
        // The other replicas' heads get the key before this replica's next in line queues for it again.
        remote?.release();
        lock.release();
      },
    };
  }
}
