/**
 * The gateway protocol as the page speaks it: the server's own frame and payload types
 * (type-only imports, erased from the bundle), and which method returns what.
 */
import type { ErrorShape } from '../ws/errorCodes.js';
import type { ConnectParams, EventFrame, HelloOk, ResponseFrame } from '../ws/frames.js';
import type { AgentsListResult } from '../ws/methods/catalog.js';
import type { ChatAbortResult, ChatHistoryResult, ChatSendResult } from '../ws/methods/chat.js';
import type { HealthSnapshot, StatusResult } from '../ws/methods/health.js';
import type { SessionsDeleteResult, SessionsListResult, SessionsResetResult } from '../ws/methods/sessions.js';

export type { AgentEventPayload, ChatEventPayload } from '../ws/runEventPayloads.js';
export type { HistoryMessage, HistoryPart } from '../ws/methods/chat.js';
export type { SessionRow } from '../ws/methods/sessions.js';
export type {
  AgentsListResult,
  ConnectParams,
  ErrorShape,
  EventFrame,
  HelloOk,
  ResponseFrame,
  SessionsListResult,
  StatusResult,
};

/** The methods the page calls: params and result of each. */
export interface Methods {
  'agents.list': { params: Record<string, never>; result: AgentsListResult };
  'chat.send': { params: { sessionKey: string; message: string; idempotencyKey: string }; result: ChatSendResult };
  'chat.history': { params: { sessionKey: string; limit?: number }; result: ChatHistoryResult };
  'chat.abort': { params: { sessionKey: string; runId?: string }; result: ChatAbortResult };
  'sessions.list': { params: { limit?: number; agentId?: string }; result: SessionsListResult };
  'sessions.reset': { params: { key: string }; result: SessionsResetResult };
  'sessions.delete': { params: { key: string }; result: SessionsDeleteResult };
  status: { params: Record<string, never>; result: StatusResult };
  health: { params: Record<string, never>; result: HealthSnapshot };
}
export type MethodName = keyof Methods;
