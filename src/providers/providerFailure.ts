import { ProviderError } from './types.js';
import type { IdleWatchdog } from './idleWatchdog.js';

/** One attempt at a model call, as much of it as a provider needs to turn an SDK failure into a {@link ProviderError}. */
export interface ProviderAttempt {
  ref: string;
  apiKey: string | undefined;
  /** The run's own signal. */
  signal: AbortSignal;
  watchdog: IdleWatchdog;
}

const MAX_MESSAGE = 400;

/** Provider messages end up in client responses and logs: never let a key or a stack through. */
export function safeMessage(message: string, apiKey: string | undefined): string {
  let text = message.split('\n')[0] ?? '';
  if (apiKey && apiKey.length >= 4) text = text.split(apiKey).join('[redacted]');
  text = text
    .replace(/\b(sk|sk-ant|key|api)[-_][A-Za-z0-9_-]{8,}/gi, '[redacted]')
    .replace(/Bearer\s+\S+/gi, 'Bearer [redacted]');
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/** The request was stopped on our side: by the idle watchdog or by the run. */
export function interruption(attempt: ProviderAttempt): ProviderError | undefined {
  if (attempt.watchdog.timedOut) {
    return new ProviderError(
      'idle_timeout',
      `${attempt.ref}: no data from the provider for ${attempt.watchdog.idleMs / 1000} s`,
    );
  }
  if (attempt.signal.aborted) return new ProviderError('aborted', `${attempt.ref}: request aborted`);
  return undefined;
}

/** An HTTP error status from the provider (undefined: an error event inside a 200 stream). */
export function statusFailure(
  attempt: ProviderAttempt,
  status: number | undefined,
  providerMessage: string,
  headers?: Headers,
): ProviderError {
  const detail = safeMessage(providerMessage, attempt.apiKey);
  // The client's own credentials were fine: say whose were not, so nobody chases a gateway token.
  const message =
    status === 401 || status === 403
      ? `${attempt.ref}: the provider refused the gateway's credentials for it (${status} ${detail})`.replace(' )', ')')
      : `${attempt.ref}: ${status ?? 'stream error'} ${detail}`.trimEnd();
  if (status === 429) return new ProviderError('rate_limited', message, status, retryAfterMsOf(headers));
  if (status === undefined || status >= 500) return new ProviderError('server', message, status);
  return new ProviderError('client', message, status);
}

/** `retry-after-ms`, or `retry-after` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMsOf(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function connectionFailure(attempt: ProviderAttempt, detail: string): ProviderError {
  return new ProviderError('connection', `${attempt.ref}: ${safeMessage(detail, attempt.apiKey)}`);
}

/** The human part of an SDK error body, whichever of the two wire shapes it has. */
export function errorBodyMessage(body: unknown, fallback: string): string {
  if (typeof body !== 'object' || body === null) return fallback;
  const outer = body as { message?: unknown; error?: { message?: unknown } };
  if (typeof outer.error?.message === 'string') return outer.error.message;
  if (typeof outer.message === 'string') return outer.message;
  return fallback;
}

/** An error's message with its cause, for a connection failure's text. */
export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const causeText = cause instanceof Error && cause.message !== error.message ? ` (${cause.message})` : '';
    return `${error.message || error.name}${causeText}`;
  }
  return String(error);
}
