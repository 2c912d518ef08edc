import type { RunError, RunEvent, RunResult } from '../agent/events.js';

/** `agent` event payload (OpenClaw's AgentEventSchema). */
export interface AgentEventPayload {
  runId: string;
  seq: number;
  stream: 'lifecycle' | 'assistant' | 'tool' | 'usage';
  ts: number;
  data: Record<string, unknown>;
  sessionKey: string;
  agentId?: string;
}

/** `chat` event payload. */
export interface ChatEventPayload {
  runId: string;
  sessionKey: string;
  agentId?: string;
  seq: number;
  state: 'delta' | 'final' | 'aborted' | 'error';
  deltaText?: string;
  message?: { role: 'assistant'; content: { type: 'text'; text: string }[]; timestamp: number };
  stopReason?: string;
  usage?: { input: number; output: number; cacheRead: number; total: number };
  errorMessage?: string;
  errorKind?: RunError['code'];
}

export type RunBroadcast =
  | { event: 'agent'; payload: AgentEventPayload }
  | { event: 'chat'; payload: ChatEventPayload };

interface RunState {
  agentId?: string;
  text: string;
  pending: string;
  pendingSeq: number;
  pendingTs: number;
  lastFlushAt: number;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Turns runtime events into `agent` and `chat` events. Assistant deltas are coalesced to one
 * event per `flushMs` per run (the first goes at once), as OpenClaw does: every assistant event
 * repeats the accumulated text, so one event per token would make a long reply quadratic on the wire.
 */
export class RunEventPayloads {
  private readonly runs = new Map<string, RunState>();

  constructor(
    private readonly emit: (broadcast: RunBroadcast) => void,
    private readonly flushMs = 150,
    private readonly now: () => number = Date.now,
  ) {}

  handle(event: RunEvent): void {
    const state = this.stateOf(event);
    if (event.type === 'assistant.delta') {
      state.text += event.delta;
      state.pending += event.delta;
      state.pendingSeq = event.seq;
      state.pendingTs = event.ts;
      if (state.timer !== undefined) return;
      const wait = state.lastFlushAt + this.flushMs - this.now();
      if (wait <= 0) this.flush(event.runId, event.sessionKey, state);
      else state.timer = setTimeout(() => this.flush(event.runId, event.sessionKey, state), wait);
      return;
    }
    this.flush(event.runId, event.sessionKey, state);
    for (const broadcast of this.map(event, state)) this.emit(broadcast);
    if (event.type === 'lifecycle.end' || event.type === 'lifecycle.error') this.runs.delete(event.runId);
  }

  /** Runs with state held (for tests and status). */
  get activeRuns(): number {
    return this.runs.size;
  }

  private stateOf(event: RunEvent): RunState {
    let state = this.runs.get(event.runId);
    if (!state) {
      state = { text: '', pending: '', pendingSeq: 0, pendingTs: 0, lastFlushAt: 0 };
      this.runs.set(event.runId, state);
    }
    if (event.type === 'lifecycle.start') state.agentId = event.agentId;
    else if ((event.type === 'lifecycle.end' || event.type === 'lifecycle.error') && state.agentId === undefined) {
      state.agentId = event.result.agentId;
    }
    return state;
  }

  private flush(runId: string, sessionKey: string, state: RunState): void {
    if (state.timer !== undefined) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    if (state.pending === '') return;
    const delta = state.pending;
    state.pending = '';
    state.lastFlushAt = this.now();
    const agentId = state.agentId;
    const base = { runId, sessionKey, ...(agentId !== undefined ? { agentId } : {}) };
    this.emit({
      event: 'agent',
      payload: {
        ...base,
        seq: state.pendingSeq,
        stream: 'assistant',
        ts: state.pendingTs,
        data: { text: state.text, delta },
      },
    });
    this.emit({
      event: 'chat',
      payload: {
        ...base,
        seq: state.pendingSeq,
        state: 'delta',
        deltaText: delta,
        message: assistantMessage(state.text, state.pendingTs),
      },
    });
  }

  private map(event: RunEvent, state: RunState): RunBroadcast[] {
    const agentId = state.agentId;
    const base = { runId: event.runId, sessionKey: event.sessionKey, ...(agentId !== undefined ? { agentId } : {}) };
    const agent = (stream: AgentEventPayload['stream'], data: Record<string, unknown>): RunBroadcast => ({
      event: 'agent',
      payload: { ...base, seq: event.seq, stream, ts: event.ts, data },
    });
    switch (event.type) {
      case 'lifecycle.start':
        return [agent('lifecycle', { phase: 'start', startedAt: event.ts })];
      case 'assistant.delta':
        return [];
      case 'tool.start':
        return [
          agent('tool', {
            phase: 'start',
            toolCallId: event.callId,
            name: event.name,
            index: event.index,
            client: event.client,
          }),
        ];
      case 'tool.args':
        return [
          agent('tool', { phase: 'update', toolCallId: event.callId, index: event.index, argsDelta: event.delta }),
        ];
      case 'tool.result':
        return [
          agent('tool', {
            phase: 'result',
            toolCallId: event.callId,
            name: event.name,
            result: event.result,
            isError: event.isError,
          }),
        ];
      case 'usage':
        return [agent('usage', usageData(event.usage))];
      case 'lifecycle.end':
      case 'lifecycle.error':
        return this.terminal(
          event,
          event.result,
          event.type === 'lifecycle.error' ? event.error : event.result.error,
          agent,
          base,
        );
    }
  }

  private terminal(
    event: RunEvent,
    result: RunResult,
    error: RunError | undefined,
    agent: (stream: AgentEventPayload['stream'], data: Record<string, unknown>) => RunBroadcast,
    base: { runId: string; sessionKey: string; agentId?: string },
  ): RunBroadcast[] {
    const aborted = result.stopReason === 'aborted' || error?.code === 'aborted';
    const times = { startedAt: result.startedAt, endedAt: result.endedAt, aborted, stopReason: result.stopReason };
    const message = result.text !== '' ? { message: assistantMessage(result.text, event.ts) } : {};
    if (error !== undefined && !aborted) {
      return [
        agent('lifecycle', { phase: 'error', ...times, error: error.message, errorKind: error.code }),
        {
          event: 'chat',
          payload: {
            ...base,
            seq: event.seq,
            state: 'error',
            errorMessage: error.message,
            errorKind: error.code,
            ...message,
          },
        },
      ];
    }
    return [
      agent('lifecycle', { phase: 'end', ...times }),
      {
        event: 'chat',
        payload: {
          ...base,
          seq: event.seq,
          state: aborted ? 'aborted' : 'final',
          stopReason: result.stopReason,
          usage: chatUsage(result),
          ...message,
        },
      },
    ];
  }
}

function assistantMessage(text: string, timestamp: number): NonNullable<ChatEventPayload['message']> {
  return { role: 'assistant', content: [{ type: 'text', text }], timestamp };
}

function usageData(usage: RunResult['usage']): Record<string, unknown> {
  return {
    inputTokens: usage.promptTokens,
    outputTokens: usage.completionTokens,
    cachedTokens: usage.cachedTokens,
    totalTokens: usage.totalTokens,
  };
}

function chatUsage(result: RunResult): ChatEventPayload['usage'] {
  const u = result.usage;
  return { input: u.promptTokens, output: u.completionTokens, cacheRead: u.cachedTokens, total: u.totalTokens };
}
