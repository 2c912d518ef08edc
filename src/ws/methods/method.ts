import type { z } from 'zod';
import type { GatewayContext } from '../../context.js';
import type { GatewayHub } from '../gatewayHub.js';

/** Scopes a method needs: `admin` implies `write`, `write` implies `read`. */
export type MethodScope = 'read' | 'write' | 'admin';

export interface MethodCall {
  ctx: GatewayContext;
  hub: GatewayHub;
  connId: string;
  /** Sends an early `res` on the request id; the handler's return value is the last one (two-stage methods). */
  accept(payload: unknown): void;
}

/**
 * One gateway method: its params schema and handler. The handler returns the response payload
 * or throws a GatewayError; the dispatcher validates params first and never lets a throw escape.
 */
export interface GatewayMethod<S extends z.ZodType = z.ZodType> {
  name: string;
  scope: MethodScope;
  params: S;
  handle(params: z.output<S>, call: MethodCall): Promise<unknown> | unknown;
}

export function defineMethod<S extends z.ZodType>(method: GatewayMethod<S>): GatewayMethod {
  return method as unknown as GatewayMethod;
}
