import { z } from 'zod';
import type { ErrorShape } from './errorCodes.js';

/** Protocol versions served: 3 for older clients and probes, 4 for the newest OpenClaw. */
export const MIN_PROTOCOL = 3;
export const MAX_PROTOCOL = 4;

/** OpenClaw's client ids (`GATEWAY_CLIENT_IDS`). */
export const CLIENT_IDS = [
  'webchat-ui',
  'openclaw-control-ui',
  'webchat',
  'cli',
  'gateway-client',
  'openclaw-macos',
  'openclaw-ios',
  'openclaw-android',
  'node-host',
  'test',
  'fingerprint',
  'openclaw-probe',
] as const;

export const CLIENT_MODES = ['webchat', 'cli', 'ui', 'backend', 'node', 'probe', 'test'] as const;

export const OPERATOR_SCOPES = [
  'operator.read',
  'operator.write',
  'operator.admin',
  'operator.approvals',
  'operator.pairing',
  'operator.talk',
  'operator.talk.secrets',
] as const;
export type OperatorScope = (typeof OPERATOR_SCOPES)[number];

export const requestFrameSchema = z.object({
  type: z.literal('req'),
  id: z.string().min(1).max(256),
  method: z.string().min(1).max(256),
  params: z.unknown().optional(),
  traceparent: z.string().optional(),
});
export type RequestFrame = z.output<typeof requestFrameSchema>;

/** Lenient about keys newer clients add (caps, device, locale...), strict about the ones we use. */
export const connectParamsSchema = z.object({
  minProtocol: z.number().int().min(1),
  maxProtocol: z.number().int().min(1),
  client: z.object({
    id: z.enum(CLIENT_IDS),
    version: z.string().max(128),
    platform: z.string().max(128),
    mode: z.enum(CLIENT_MODES),
    displayName: z.string().max(256).optional(),
    deviceFamily: z.string().max(128).optional(),
    modelIdentifier: z.string().max(128).optional(),
    instanceId: z.string().max(256).optional(),
  }),
  role: z.enum(['operator', 'node', 'worker']).optional(),
  scopes: z.array(z.string().max(64)).max(32).optional(),
  caps: z.array(z.string().max(64)).max(64).optional(),
  auth: z
    .object({
      token: z.string().max(4096).optional(),
      password: z.string().max(4096).optional(),
      deviceToken: z.string().max(4096).optional(),
      bootstrapToken: z.string().max(4096).optional(),
    })
    .optional(),
  locale: z.string().max(64).optional(),
  userAgent: z.string().max(512).optional(),
});
export type ConnectParams = z.output<typeof connectParamsSchema>;

export type ResponseFrame =
  | { type: 'res'; id: string; ok: true; payload: unknown }
  | { type: 'res'; id: string; ok: false; payload?: unknown; error: ErrorShape };

export interface EventFrame {
  type: 'event';
  event: string;
  payload?: unknown;
  seq?: number;
}

export type ServerFrame = ResponseFrame | EventFrame;

export interface HelloOk {
  type: 'hello-ok';
  protocol: number;
  server: { version: string; connId: string };
  features: { methods: string[]; events: string[] };
  snapshot: {
    presence: unknown[];
    health: unknown;
    stateVersion: { presence: number; health: number };
    uptimeMs: number;
    sessionDefaults: { defaultAgentId: string; mainKey: string; mainSessionKey: string; scope: 'per-sender' };
  };
  auth: { method: 'token' | 'password' | 'none'; role: 'operator'; scopes: OperatorScope[] };
  policy: { maxPayload: number; maxBufferedBytes: number; tickIntervalMs: number };
}

/** Events this gateway emits; `hello-ok` advertises them. */
export const GATEWAY_EVENTS = ['connect.challenge', 'agent', 'chat', 'tick', 'shutdown'] as const;
export type GatewayEventName = (typeof GATEWAY_EVENTS)[number];

/** `path: message` for every zod issue, one line, for INVALID_REQUEST messages. */
export function describeZodIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
