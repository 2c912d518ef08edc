import type { RunError } from './events.js';

/** How long a client is told to wait when the shared store is down. */
const STORE_RETRY_AFTER_MS = 2000;

/** The shared store (PostgreSQL) cannot be reached: keyed runs are refused, or fail, until it is back. */
export function storeUnavailable(detail: string): RunError {
  return {
    code: 'unavailable',
    message: `${detail}; try again shortly`,
    retryAfterMs: STORE_RETRY_AFTER_MS,
  };
}
