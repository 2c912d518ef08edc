/** A session key held across every replica of the gateway; released once. */
export interface SharedLock {
  release(): void;
  /** Aborts if the lock is lost while held (its connection died): the run must not go on unserialised. */
  readonly lost: AbortSignal;
}

/**
 * Per-session-key serialisation beyond one process (PostgreSQL advisory locks in `src/node/pg/`).
 * The in-process queue still orders runs on one replica; this orders the replicas' heads.
 * Absent in the embedded setup, where the in-process queue is the whole story.
 */
export interface SharedSessionLocks {
  /** False while the shared store is known to be unreachable: keyed runs are refused at once. */
  available(): boolean;
  /** Waits for the key in arrival order; rejects with the signal's reason when it aborts first. */
  acquire(key: string, signal: AbortSignal): Promise<SharedLock>;
}
