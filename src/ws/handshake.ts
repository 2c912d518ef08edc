import type { GatewayContext } from '../context.js';
import { attemptLimiter } from '../auth/attemptLimiter.js';
import type { ErrorShape } from './errorCodes.js';
import { CloseCode } from './errorCodes.js';
import {
  connectParamsSchema,
  describeZodIssues,
  MAX_PROTOCOL,
  MIN_PROTOCOL,
  OPERATOR_SCOPES,
  type ConnectParams,
  type OperatorScope,
} from './frames.js';
import type { GatewayHub } from './gatewayHub.js';

export type ConnectVerdict =
  | { kind: 'accepted'; protocol: number; scopes: OperatorScope[]; client: ConnectParams['client']; caps: string[] }
  | { kind: 'refused'; error: ErrorShape; close: { code: number; reason: string } };

const DEFAULT_SCOPES: OperatorScope[] = ['operator.read', 'operator.write'];

function refuse(error: ErrorShape, code: number, reason: string): ConnectVerdict {
  return { kind: 'refused', error, close: { code, reason } };
}

/** The highest version both sides speak, or undefined when the ranges do not meet. */
export function negotiateProtocol(min: number, max: number): number | undefined {
  const version = Math.min(max, MAX_PROTOCOL);
  return version >= Math.max(min, MIN_PROTOCOL) ? version : undefined;
}

/**
 * Judges a `connect` request: shape, protocol range, role, then the shared secret.
 * Wrong secrets count toward the same failed-auth limiters as HTTP (the browser one too when the upgrade
 * carried an `Origin`); missing ones do not.
 */
export async function evaluateConnect(
  raw: unknown,
  ctx: GatewayContext,
  hub: GatewayHub,
  ip: string,
  origin?: string,
): Promise<ConnectVerdict> {
  const parsed = connectParamsSchema.safeParse(raw);
  if (!parsed.success) {
    const message = `invalid connect params: ${describeZodIssues(parsed.error)}`;
    return refuse(
      { code: 'INVALID_REQUEST', message, details: { code: 'INVALID_PARAMS' } },
      CloseCode.policyViolation,
      'invalid connect params',
    );
  }
  const params = parsed.data;
  const protocol = negotiateProtocol(params.minProtocol, params.maxProtocol);
  if (protocol === undefined || params.minProtocol > params.maxProtocol) {
    return refuse(
      {
        code: 'INVALID_REQUEST',
        message: `protocol mismatch: client offers ${params.minProtocol}-${params.maxProtocol}, gateway serves ${MIN_PROTOCOL}-${MAX_PROTOCOL}`,
        details: {
          code: 'PROTOCOL_MISMATCH',
          minProtocol: MIN_PROTOCOL,
          maxProtocol: MAX_PROTOCOL,
          expectedProtocol: MAX_PROTOCOL,
        },
      },
      CloseCode.protocolError,
      'protocol mismatch',
    );
  }
  if (params.role !== undefined && params.role !== 'operator') {
    return refuse(
      {
        code: 'INVALID_REQUEST',
        message: `role "${params.role}" is not served by this gateway`,
        details: { code: 'ROLE_UNSUPPORTED' },
      },
      CloseCode.policyViolation,
      'role not supported',
    );
  }
  if (ctx.shuttingDown()) {
    return refuse(
      { code: 'UNAVAILABLE', message: 'gateway is shutting down', details: { code: 'SHUTTING_DOWN' }, retryable: true },
      CloseCode.serviceRestart,
      'gateway shutting down',
    );
  }
  const denied = await checkAuth(params.auth, ctx, hub, ip, origin);
  if (denied) return denied;

  const requested = params.scopes?.filter((s): s is OperatorScope =>
    (OPERATOR_SCOPES as readonly string[]).includes(s),
  );
  return {
    kind: 'accepted',
    protocol,
    scopes:
      requested !== undefined && params.scopes !== undefined && params.scopes.length > 0 ? requested : DEFAULT_SCOPES,
    client: params.client,
    caps: params.caps ?? [],
  };
}

async function checkAuth(
  auth: ConnectParams['auth'],
  ctx: GatewayContext,
  hub: GatewayHub,
  ip: string,
  origin: string | undefined,
): Promise<ConnectVerdict | undefined> {
  const mode = ctx.auth.mode;
  if (mode === 'none' || hub.matchSecret === undefined) return undefined;
  const what = mode === 'password' ? 'password' : 'token';
  const detail = mode === 'password' ? 'PASSWORD' : 'TOKEN';

  const limiter = attemptLimiter(ctx, ip, origin);
  const locked = limiter.check();
  if (locked.locked) return rateLimited(locked.retryAfterMs);

  const presented = [auth?.token, auth?.password].filter((v): v is string => v !== undefined && v !== '');
  if (presented.length === 0) {
    const message = `unauthorized: gateway ${what} missing (set gateway.auth.${what} or OPENCLAW_GATEWAY_${detail})`;
    return refuse(
      { code: 'INVALID_REQUEST', message, details: { code: `AUTH_${detail}_MISSING` } },
      CloseCode.policyViolation,
      message,
    );
  }
  for (const value of presented) {
    if (hub.matchSecret(value)) {
      limiter.recordSuccess();
      return undefined;
    }
  }
  const after = await limiter.recordFailure();
  if (after.locked) return rateLimited(after.retryAfterMs);
  const message = `unauthorized: gateway ${what} mismatch`;
  return refuse(
    { code: 'INVALID_REQUEST', message, details: { code: `AUTH_${detail}_MISMATCH` } },
    CloseCode.policyViolation,
    message,
  );
}

function rateLimited(retryAfterMs: number): ConnectVerdict {
  const message = 'unauthorized: too many failed authentication attempts';
  return refuse(
    { code: 'INVALID_REQUEST', message, details: { code: 'AUTH_RATE_LIMITED' }, retryable: true, retryAfterMs },
    CloseCode.policyViolation,
    message,
  );
}
