import type { GatewayContext } from '../context.js';
import { GatewayError, type ErrorShape } from './errorCodes.js';
import { describeZodIssues, type OperatorScope, type RequestFrame, type ResponseFrame } from './frames.js';
import type { GatewayHub } from './gatewayHub.js';
import type { MethodScope } from './methods/method.js';
import { METHODS } from './methods/table.js';

export function allows(scopes: ReadonlySet<OperatorScope>, need: MethodScope): boolean {
  if (scopes.has('operator.admin')) return true;
  if (need === 'read') return scopes.has('operator.read') || scopes.has('operator.write');
  if (need === 'write') return scopes.has('operator.write');
  return false;
}

export interface DispatchTarget {
  ctx: GatewayContext;
  hub: GatewayHub;
  connId: string;
  scopes: ReadonlySet<OperatorScope>;
  respond(frame: ResponseFrame): void;
}

/** Runs one request after `connect`: method lookup, scope, params, handler. Never throws. */
export async function dispatchRequest(frame: RequestFrame, target: DispatchTarget): Promise<void> {
  const { id } = frame;
  const fail = (error: ErrorShape, payload?: unknown): void =>
    target.respond(
      payload === undefined ? { type: 'res', id, ok: false, error } : { type: 'res', id, ok: false, payload, error },
    );

  if (frame.method === 'connect') {
    return fail({ code: 'INVALID_REQUEST', message: 'already connected', details: { code: 'INVALID_FRAME' } });
  }
  const method = METHODS.get(frame.method);
  if (!method) {
    return fail({
      code: 'INVALID_REQUEST',
      message: `unknown method: ${frame.method}`,
      details: { code: 'UNKNOWN_METHOD' },
    });
  }
  if (!allows(target.scopes, method.scope)) {
    const scope = `operator.${method.scope}`;
    return fail({ code: 'FORBIDDEN', message: `missing scope: ${scope}`, details: { code: 'MISSING_SCOPE', scope } });
  }
  const params = method.params.safeParse(frame.params);
  if (!params.success) {
    return fail({
      code: 'INVALID_REQUEST',
      message: `invalid ${frame.method} params: ${describeZodIssues(params.error)}`,
      details: { code: 'INVALID_PARAMS' },
    });
  }
  try {
    const payload = await method.handle(params.data, {
      ctx: target.ctx,
      hub: target.hub,
      connId: target.connId,
      accept: (early) => target.respond({ type: 'res', id, ok: true, payload: early }),
    });
    target.respond({ type: 'res', id, ok: true, payload: payload ?? {} });
  } catch (err) {
    if (err instanceof GatewayError) return fail(err.shape, err.payload);
    target.ctx.log.log('error', 'ws: method failed', {
      method: frame.method,
      connId: target.connId,
      error: String(err),
    });
    fail({ code: 'UNAVAILABLE', message: `${frame.method} failed: internal error` });
  }
}
