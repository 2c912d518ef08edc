import type { RunError } from '../../agent/events.js';
import type { OpenAiError } from './errors.js';

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
