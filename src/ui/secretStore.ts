/** Token or password: which the gateway asks for (its refusal of a missing secret says which). */
export type AuthMode = 'token' | 'password';

const KEY = 'openclaw.controlUi.auth';

/** This tab's secret: sessionStorage only, so it goes when the tab does and never reaches disk-backed storage. */
export function loadSecret(): { mode: AuthMode; secret: string } | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw === null) return undefined;
    const parsed = JSON.parse(raw) as { mode?: unknown; secret?: unknown };
    if ((parsed.mode === 'token' || parsed.mode === 'password') && typeof parsed.secret === 'string')
      return { mode: parsed.mode, secret: parsed.secret };
  } catch {
    // Storage disabled or garbage: ask again.
  }
  return undefined;
}

export function saveSecret(mode: AuthMode, secret: string): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ mode, secret }));
  } catch {
    // Storage disabled: the secret lives only in this page's memory.
  }
}

export function clearSecret(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}

/**
 * `?token=` from a link `openclaw gateway` printed: taken, then removed from the address bar and
 * history at once so it is not bookmarked, shared or sent on.
 */
export function takeTokenFromAddress(): string | undefined {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token === null) return undefined;
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  return token === '' ? undefined : token;
}
