import type { RunError, RunResult } from '../agent/events.js';
import type { ErrorShape } from './errorCodes.js';

/** Final payload of the `agent` method (and of `openclaw agent --json`). */
export interface AgentFinalPayload {
  runId: string;
  status: 'ok' | 'error';
  summary: string;
  result: {
    payloads: { text: string; mediaUrl: null }[];
    meta: {
      durationMs: number;
      aborted: boolean;
      stopReason: RunResult['stopReason'];
      agentMeta: {
        sessionKey: string;
        agentId: string;
        provider: string | null;
        model: string | null;
        usage: { input: number; output: number; cacheRead: number; cacheWrite: number; total: number };
      };
    };
  };
}

export type AgentFinal =
  | { ok: true; payload: AgentFinalPayload }
  | { ok: false; payload: AgentFinalPayload; error: ErrorShape };

/** An aborted run is a normal end (`status: "ok"`, `meta.aborted`), as in OpenClaw; errors carry a code too. */
export function agentFinal(result: RunResult): AgentFinal {
  const aborted = result.stopReason === 'aborted' || result.error?.code === 'aborted';
  const failure = aborted ? undefined : result.error;
  const slash = result.model?.indexOf('/') ?? -1;
  const payload: AgentFinalPayload = {
    runId: result.runId,
    status: failure ? 'error' : 'ok',
    summary: failure ? failure.message : aborted ? 'aborted' : 'completed',
    result: {
      payloads: result.text !== '' ? [{ text: result.text, mediaUrl: null }] : [],
      meta: {
        durationMs: Math.max(0, result.endedAt - result.startedAt),
        aborted,
        stopReason: result.stopReason,
        agentMeta: {
          sessionKey: result.sessionKey,
          agentId: result.agentId,
          provider: result.model !== undefined && slash > 0 ? result.model.slice(0, slash) : null,
          model: result.model !== undefined ? result.model.slice(slash + 1) : null,
          usage: {
            input: result.usage.promptTokens,
            output: result.usage.completionTokens,
            cacheRead: result.usage.cachedTokens,
            cacheWrite: 0,
            total: result.usage.totalTokens,
          },
        },
      },
    },
  };
  return failure ? { ok: false, payload, error: runErrorShape(failure) } : { ok: true, payload };
}

/** How a run failure reads on the wire. */
export function runErrorShape(error: RunError): ErrorShape {
  switch (error.code) {
    case 'busy':
      return {
        code: 'UNAVAILABLE',
        message: error.message,
        details: { code: 'AGENT_BUSY' },
        retryable: true,
        retryAfterMs: error.retryAfterMs,
      };
    case 'unavailable':
      return {
        code: 'UNAVAILABLE',
        message: error.message,
        details: { code: 'STORAGE_UNAVAILABLE' },
        retryable: true,
        retryAfterMs: error.retryAfterMs,
      };
    case 'timeout':
      return { code: 'AGENT_TIMEOUT', message: error.message, retryable: true };
    case 'aborted':
      return { code: 'UNAVAILABLE', message: error.message };
    case 'invalid_request':
      return {
        code: 'INVALID_REQUEST',
        message: error.message,
        details: { code: 'INVALID_PARAMS', ...(error.param ? { param: error.param } : {}) },
      };
    case 'unknown_agent':
      return { code: 'INVALID_REQUEST', message: error.message, details: { code: 'UNKNOWN_AGENT' } };
    case 'provider':
      return {
        code: 'UNAVAILABLE',
        message: error.message,
        details: { code: 'PROVIDER_ERROR', ...(error.status !== undefined ? { status: error.status } : {}) },
        retryable: error.retryable,
      };
    case 'internal':
      return { code: 'UNAVAILABLE', message: error.message };
  }
}
