import type { FinishReason, ToolCall, Usage } from '../messages.js';

/** How a run ended: a model's finish reason, or cut short. */
export type StopReason = FinishReason | 'aborted' | 'error';

/** Why a run could not start or did not finish. Transports map `code` to their own statuses. */
export type RunError =
  | { code: 'busy'; message: string; retryAfterMs: number }
  /** The shared store (PostgreSQL) cannot be reached; keyed runs are refused until it is back. */
  | { code: 'unavailable'; message: string; retryAfterMs: number }
  | { code: 'timeout'; message: string }
  | { code: 'aborted'; message: string }
  | { code: 'invalid_request'; message: string; param?: string }
  | { code: 'unknown_agent'; message: string }
  /**
   * `retryable`: whether the same request sent again may succeed (the last model's failure was a 429, a 5xx or a lost
   * connection, and no output was sent). Decided here once; transports only read it.
   */
  | {
      code: 'provider';
      message: string;
      status?: number;
      /** The provider's `retry-after` with its last 429. */
      retryAfterMs?: number;
      afterFirstToken: boolean;
      retryable: boolean;
    }
  | { code: 'internal'; message: string };

export class RunFailure extends Error {
  override readonly name = 'RunFailure';
  constructor(readonly error: RunError) {
    super(error.message);
  }
}

export interface RunResult {
  runId: string;
  sessionKey: string;
  agentId: string;
  /** `provider/model` that answered; undefined if none did. */
  model?: string;
  text: string;
  /** Calls to client-declared tools, left for the client to answer. */
  toolCalls: ToolCall[];
  usage: Usage;
  /** Wall time spent waiting on model calls (opening, retries and streaming), ms. */
  providerMs: number;
  stopReason: StopReason;
  error?: RunError;
  startedAt: number;
  endedAt: number;
}

interface EventBase {
  runId: string;
  /** Strictly increasing per run, from 1. */
  seq: number;
  ts: number;
  sessionKey: string;
}

/** Everything a run tells its transports. Each transport switches on `type`. */
export type RunEvent = EventBase &
  /** `stateless`: a run on a one-off key, never stored nor shared with other replicas. */
  (
    | { type: 'lifecycle.start'; agentId: string; stateless: boolean }
    | { type: 'lifecycle.end'; result: RunResult }
    | { type: 'lifecycle.error'; error: RunError; result: RunResult }
    | { type: 'assistant.delta'; delta: string }
    /** `client: true` for a call to a client-declared tool (it ends the run with `tool_calls`). */
    | { type: 'tool.start'; index: number; callId: string; name: string; client: boolean }
    | { type: 'tool.args'; index: number; callId: string; delta: string }
    | { type: 'tool.result'; callId: string; name: string; result: string; isError: boolean }
    | { type: 'usage'; usage: Usage }
  );

export type RunEventType = RunEvent['type'];

/** A run event before the run stamps it with its id, sequence number, time and session key. */
export type RunEventBody = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'runId' | 'seq' | 'ts' | 'sessionKey'>
    : never
  : never;
