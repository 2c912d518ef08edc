import { ProviderError } from './types.js';
import type { IdleWatchdog } from './idleWatchdog.js';

/** What every provider needs to turn an SDK failure into a {@link ProviderError}. */
export interface FailureContext {
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
export function interruption(ctx: FailureContext): ProviderError | undefined {
  if (ctx.watchdog.timedOut) {
    return new ProviderError(
      'idle_timeout',
      `${ctx.ref}: no data from the provider for ${ctx.watchdog.idleMs / 1000} s`,
    );
  }
  if (ctx.signal.aborted) return new ProviderError('aborted', `${ctx.ref}: request aborted`);
  return undefined;
}

/** An HTTP error status from the provider (undefined: an error event inside a 200 stream). */
export function statusFailure(
  ctx: FailureContext,
  status: number | undefined,
  providerMessage: string,
  headers?: Headers,
): ProviderError {
  const detail = safeMessage(providerMessage, ctx.apiKey);
  // The client's own credentials were fine: say whose were not, so nobody chases a gateway token.
  const message =
    status === 401 || status === 403
      ? `${ctx.ref}: the provider refused the gateway's credentials for it (${status} ${detail})`.replace(' )', ')')
      : `${ctx.ref}: ${status ?? 'stream error'} ${detail}`.trimEnd();
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

export function connectionFailure(ctx: FailureContext, detail: string): ProviderError {
  return new ProviderError('connection', `${ctx.ref}: ${safeMessage(detail, ctx.apiKey)}`);
}

/** The human part of an SDK error body, whichever of the two wire shapes it has. */
export function errorBodyMessage(body: unknown, fallback: string): string {
  if (typeof body !== 'object' || body === null) return fallback;
  const outer = body as { message?: unknown; error?: { message?: unknown } };
  if (typeof outer.error?.message === 'string') return outer.error.message;
  if (typeof outer.message === 'string') return outer.message;
  return fallback;
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const causeText = cause instanceof Error && cause.message !== error.message ? ` (${cause.message})` : '';
    return `${error.message || error.name}${causeText}`;
  }
  return String(error);
}
