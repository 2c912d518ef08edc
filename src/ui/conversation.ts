import type { AgentEventPayload, ChatEventPayload, HistoryMessage, HistoryPart } from './protocol.js';

/** A tool the agent called during a turn, as a collapsible step. */
export interface ToolStep {
  id: string;
  name: string;
  args: string;
  result?: string;
  isError?: boolean;
}

export type ChatItem =
  | { kind: 'user'; id: string; text: string }
  | {
      kind: 'assistant';
      id: string;
      runId?: string;
      text: string;
      steps: ToolStep[];
      /** `streaming` while the run goes on; `stopped` when Stop (or a reset) aborted it. */
      phase: 'streaming' | 'done' | 'stopped';
    }
  | { kind: 'error'; id: string; message: string };

type AssistantItem = Extract<ChatItem, { kind: 'assistant' }>;

function textOf(parts: HistoryPart[]): string {
  return parts
    .map((p) => (p.type === 'text' ? p.text : p.type === 'image' || p.type === 'image_url' ? '[image]' : ''))
    .filter((t) => t !== '')
    .join('\n\n');
}

/**
 * Stored history as chat items: an assistant message that called tools, the tool results and the
 * answer that followed them make one assistant item, its calls shown as steps.
 */
export function itemsFromHistory(messages: HistoryMessage[]): ChatItem[] {
  const items: ChatItem[] = [];
  let turn: AssistantItem | undefined;
  messages.forEach((message, i) => {
    const id = `h${i}`;
    if (message.role === 'user') {
      turn = undefined;
      items.push({ kind: 'user', id, text: textOf(message.content) });
      return;
    }
    if (message.role === 'toolResult') {
      const step = turn?.steps.find((s) => s.id === message.toolCallId);
      if (step) step.result = textOf(message.content);
      return;
    }
    if (turn === undefined) {
      turn = { kind: 'assistant', id, text: '', steps: [], phase: 'done' };
      items.push(turn);
    }
    const text = textOf(message.content);
    if (text !== '') turn.text = turn.text === '' ? text : `${turn.text}\n\n${text}`;
    for (const part of message.content) {
      if (part.type === 'toolCall') turn.steps.push({ id: part.id, name: part.name, args: part.arguments });
    }
  });
  return items;
}

/**
 * The conversation on one session: its history, then the live turns. Pure state; the view
 * re-renders after each change.
 */
export class Conversation {
  items: ChatItem[] = [];
  /** The run this page started and is still streaming, for Stop. */
  activeRunId: string | undefined;
  private nextId = 0;

  constructor(readonly sessionKey: string) {}

  load(messages: HistoryMessage[]): void {
    const live = this.items.filter((i) => i.kind === 'error' || (i.kind === 'assistant' && i.phase === 'streaming'));
    this.items = [...itemsFromHistory(messages), ...(this.activeRunId !== undefined ? live : [])];
  }

  /**
   * The link dropped: events of a run in flight may be lost, so stop waiting for them. The stored
   * history (reloaded next) shows how it ended; events that still come start a fresh item.
   */
  forgetLiveRun(): void {
    this.activeRunId = undefined;
    this.items = this.items.filter((i) => !(i.kind === 'assistant' && i.phase === 'streaming'));
  }

  addUser(text: string, runId: string): void {
    this.items.push({ kind: 'user', id: this.id(), text });
    this.items.push({ kind: 'assistant', id: this.id(), runId, text: '', steps: [], phase: 'streaming' });
    this.activeRunId = runId;
  }

  addError(message: string): void {
    this.items.push({ kind: 'error', id: this.id(), message });
  }

  /** The send failed before any run started: drop its empty placeholder. */
  failRun(runId: string, message: string): void {
    this.items = this.items.filter((i) => !(i.kind === 'assistant' && i.runId === runId && i.text === ''));
    if (this.activeRunId === runId) this.activeRunId = undefined;
    this.addError(message);
  }

  /** Applies a `chat` event of this session; reports whether anything changed. */
  applyChat(payload: ChatEventPayload): boolean {
    if (payload.sessionKey !== this.sessionKey) return false;
    const item = this.assistantFor(payload.runId);
    const full = payload.message?.content.map((c) => c.text).join('');
    switch (payload.state) {
      case 'delta':
        item.text = full ?? item.text + (payload.deltaText ?? '');
        item.phase = 'streaming';
        return true;
      case 'final':
        if (full !== undefined) item.text = full;
        item.phase = 'done';
        break;
      case 'aborted':
        if (full !== undefined) item.text = full;
        item.phase = 'stopped';
        break;
      case 'error':
        if (full !== undefined) item.text = full;
        item.phase = 'done';
        this.addError(payload.errorMessage ?? 'the run failed');
        break;
    }
    if (this.activeRunId === payload.runId) this.activeRunId = undefined;
    if (item.text === '' && item.steps.length === 0 && payload.state !== 'aborted') {
      this.items = this.items.filter((i) => i !== item);
    }
    return true;
  }

  /** Applies an `agent` event's tool steps; text arrives through `chat` events. */
  applyAgent(payload: AgentEventPayload): boolean {
    if (payload.sessionKey !== this.sessionKey || payload.stream !== 'tool') return false;
    const item = this.assistantFor(payload.runId);
    const data = payload.data as {
      phase?: string;
      toolCallId?: string;
      name?: string;
      argsDelta?: string;
      result?: string;
      isError?: boolean;
    };
    if (data.toolCallId === undefined) return false;
    let step = item.steps.find((s) => s.id === data.toolCallId);
    if (!step) {
      step = { id: data.toolCallId, name: data.name ?? 'tool', args: '' };
      item.steps.push(step);
    }
    if (data.phase === 'update' && data.argsDelta) step.args += data.argsDelta;
    if (data.phase === 'result') {
      step.result = data.result ?? '';
      step.isError = data.isError === true;
    }
    return true;
  }

  get streaming(): boolean {
    return this.activeRunId !== undefined;
  }

  private assistantFor(runId: string): AssistantItem {
    const found = this.items.find((i): i is AssistantItem => i.kind === 'assistant' && i.runId === runId);
    if (found) return found;
    // A run started elsewhere (another tab, the CLI) on the session being watched.
    const item: AssistantItem = { kind: 'assistant', id: this.id(), runId, text: '', steps: [], phase: 'streaming' };
    this.items.push(item);
    return item;
  }

  private id(): string {
    return `l${this.nextId++}`;
  }
}
