import type { ResolvedAuth } from '../auth/resolve.js';
import type { GatewayConfig } from '../config/schema.js';

/** What a browser page of a given `Origin` may do with this gateway, decided once from config. */
export interface OriginPolicy {
  /**
   * The gateway's own origin: a page it served itself (the Control UI). `Host` has passed the allow-list
   * by then, so a rebound name cannot pose as it.
   */
  isOwn(origin: string, hostHeader: string | undefined): boolean;
  /** May a page of this origin open the WebSocket? Its own origin or `gateway.controlUi.allowedOrigins`. */
  allowsSocket(origin: string, hostHeader: string | undefined): boolean;
  /** The `Access-Control-Allow-Origin` value granted to this origin, if any. */
  corsGrant(origin: string): string | undefined;
  /** Whether responses depend on `Origin` (a named list), so caches must key on it. */
  readonly corsVaries: boolean;
  /** With no credentials to stop it (`auth.mode: "none"`), a foreign page is refused outright. */
  readonly refusesForeign: boolean;
}

export function createOriginPolicy(gateway: GatewayConfig['gateway'], auth: ResolvedAuth): OriginPolicy {
  const corsList = gateway.http.cors.allowedOrigins;
  const corsAny = corsList.includes('*');
  const corsNamed = new Set(corsList.filter((o) => o !== '*'));
  const socketAny = gateway.controlUi.allowedOrigins.includes('*');
  const socketNamed = new Set(gateway.controlUi.allowedOrigins);
  const isOwn = (origin: string, hostHeader: string | undefined) => {
    if (hostHeader === undefined) return false;
    const host = hostHeader.toLowerCase();
    // Behind a TLS-terminating proxy that keeps `Host`, the page's origin is https.
    return origin === `http://${host}` || origin === `https://${host}`;
  };
  return {
    isOwn,
    allowsSocket: (origin, hostHeader) => socketAny || socketNamed.has(origin) || isOwn(origin, hostHeader),
    corsGrant: (origin) => (corsAny ? '*' : corsNamed.has(origin) ? origin : undefined),
    corsVaries: !corsAny && corsNamed.size > 0,
    refusesForeign: auth.mode === 'none',
  };
}

/** `*` opens the gateway to every web page: refused without a secret, announced with one. */
export function wildcardOrigins(gateway: GatewayConfig['gateway']): string[] {
  const keys: string[] = [];
  if (gateway.http.cors.allowedOrigins.includes('*')) keys.push('gateway.http.cors.allowedOrigins');
  if (gateway.controlUi.allowedOrigins.includes('*')) keys.push('gateway.controlUi.allowedOrigins');
  return keys;
}
