import type { AuthMode } from './secretStore.js';

export interface Refusal {
  /** The gateway's error code says which secret it wants. */
  authMode: AuthMode;
  /** The line under the secret field (`role="alert"`); none when the secret was simply missing. */
  message: string | undefined;
  /** A refused secret is wrong: it must not be offered again on reconnect. */
  forgetSecret: boolean;
}

/** What the page says and keeps when the gateway refuses `connect`. */
export function refusalFor(
  code: string | undefined,
  error: { message: string; retryAfterMs?: number },
  current: AuthMode,
): Refusal {
  let authMode = current;
  if (code === 'AUTH_PASSWORD_MISSING' || code === 'AUTH_PASSWORD_MISMATCH') authMode = 'password';
  if (code === 'AUTH_TOKEN_MISSING' || code === 'AUTH_TOKEN_MISMATCH') authMode = 'token';
  const what = authMode === 'password' ? 'password' : 'token';
  if (code?.endsWith('_MISSING')) return { authMode, message: undefined, forgetSecret: false };
  let message: string;
  if (code?.endsWith('_MISMATCH')) message = `The gateway refused this ${what}. Check it and try again.`;
  else if (code === 'AUTH_RATE_LIMITED')
    message = `Too many wrong attempts from this address. Try again in ${Math.ceil((error.retryAfterMs ?? 60_000) / 1000)} s.`;
  else message = `The gateway refused the connection: ${error.message}`;
  return { authMode, message, forgetSecret: true };
}
