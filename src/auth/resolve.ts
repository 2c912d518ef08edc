import type { GatewayConfig } from '../config/schema.js';

export type ResolvedAuth =
  | { mode: 'none' }
  | { mode: 'token'; secret: string; generated: boolean }
  | { mode: 'password'; secret: string };

export interface AuthEnv {
  OPENCLAW_GATEWAY_TOKEN?: string;
  OPENCLAW_GATEWAY_PASSWORD?: string;
}

export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
}

/**
 * OpenClaw's resolution: explicit mode, else password if one resolves, else token.
 * Config wins over env for secrets. A token is generated for this process when none is set.
 */
export function resolveAuth(config: GatewayConfig, env: AuthEnv, generateToken: () => string): ResolvedAuth {
  const auth = config.gateway.auth;
  const token = auth.token ?? nonEmpty(env.OPENCLAW_GATEWAY_TOKEN);
  const password = auth.password ?? nonEmpty(env.OPENCLAW_GATEWAY_PASSWORD);
  const mode = auth.mode ?? (password !== undefined && token === undefined ? 'password' : 'token');
  if (auth.mode === undefined && token !== undefined && password !== undefined && auth.token && auth.password) {
    throw new AuthConfigError('gateway.auth: both token and password are set; set gateway.auth.mode to choose one');
  }
  switch (mode) {
    case 'none':
      return { mode };
    case 'password':
      if (password === undefined) {
        throw new AuthConfigError(
          'gateway.auth.mode is "password" but no password is set (gateway.auth.password or OPENCLAW_GATEWAY_PASSWORD)',
        );
      }
      return { mode, secret: password };
    case 'token':
      return token === undefined
        ? { mode, secret: generateToken(), generated: true }
        : { mode, secret: token, generated: false };
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
