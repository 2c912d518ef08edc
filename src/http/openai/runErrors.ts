import type { RunError } from '../../agent/events.js';
import type { OpenAiError } from './errors.js';

/** Told to a client when a provider's 429 named no time. */
const DEFAULT_RETRY_AFTER_MS = 5_000;

/** How a run that failed before any byte was sent is answered over HTTP. */
export function httpErrorOf(error: RunError): OpenAiError {
  switch (error.code) {
    case 'busy':
      return { kind: 'rate_limited', message: error.message, retryAfterMs: error.retryAfterMs };
    case 'unknown_agent':
      return { kind: 'not_found', code: 'model_not_found', message: error.message };
    case 'invalid_request':
      return { kind: 'invalid_request', message: error.message, param: error.param ?? null };
    case 'provider':
      // Rate limited all the way down the model list: the client may come back, and is told when.
      if (error.status === 429)
        return {
          kind: 'rate_limited',
          message: error.message,
          retryAfterMs: error.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS,
        };
      return { kind: 'upstream', message: error.message };
    case 'unavailable':
      return { kind: 'unavailable', message: error.message, retryAfterMs: error.retryAfterMs };
    case 'timeout':
      return { kind: 'timeout', message: error.message };
    case 'aborted':
      return { kind: 'unavailable', message: `The run was aborted: ${error.message}` };
    case 'internal':
      return { kind: 'internal' };
  }
}

/** How a run that failed after the stream began is told in band: kinds that keep their meaning, the rest `run_failed`. */
export function streamErrorOf(error: RunError): OpenAiError {
  switch (error.code) {
    case 'provider':
      return error.status === 429 ? httpErrorOf(error) : { kind: 'upstream', message: error.message };
    case 'timeout':
      return { kind: 'timeout', message: error.message };
    default:
      return { kind: 'run_failed', message: error.message };
  }
}
