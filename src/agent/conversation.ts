import { textOf, type ChatMessage } from '../messages.js';

export interface MergedConversation {
  /** What the model sees: stored history, then the new messages. */
  context: ChatMessage[];
  /** The client's messages that are not yet in the transcript; they open the turn to store. */
  fresh: ChatMessage[];
}

/**
 * Contract point 6: a client that resends the stored transcript has only its tail
 * counted as new; a client that sends anything else (say, just its newest message)
 * gets the stored transcript as history in front of what it sent.
 * `clientToolNames` are the tools the client declares: calls to anything else were run
 * by the gateway, and the client never saw them.
 */
export function mergeConversation(
  stored: readonly ChatMessage[],
  incoming: ChatMessage[],
  clientToolNames: ReadonlySet<string> = NO_NAMES,
): MergedConversation {
  if (stored.length === 0) return { context: incoming, fresh: incoming };
  const freshFrom = resentPrefixEnd(stored, incoming, clientToolNames);
  const fresh = freshFrom === 0 ? incoming : incoming.slice(freshFrom);
  return { context: pairToolCalls([...stored, ...fresh]), fresh };
}

const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * Where the client's copy of the stored transcript ends in `incoming`, or 0 when it
 * does not start with it. The client never saw the server-side tool steps, and it may
 * hold a multi-step answer as one message, so both sides are compared as "turns":
 * server-side calls and their results are left out, consecutive assistant messages
 * are joined, and text is compared without whitespace.
 */
function resentPrefixEnd(
  stored: readonly ChatMessage[],
  incoming: readonly ChatMessage[],
  clientToolNames: ReadonlySet<string>,
): number {
  const clientIds = new Set<string>();
  for (const m of incoming) {
    if (m.role === 'tool') clientIds.add(m.toolCallId);
    else if (m.role === 'assistant' && m.toolCalls) for (const c of m.toolCalls) clientIds.add(c.id);
  }
  const serverIds = new Set<string>();
  for (const m of stored) {
    if (m.role !== 'assistant' || !m.toolCalls) continue;
    for (const c of m.toolCalls) if (!clientIds.has(c.id) && !clientToolNames.has(c.name)) serverIds.add(c.id);
  }
  const storedTurns = turnsOf(stored, serverIds);
  if (storedTurns.length === 0) return 0;
  const incomingTurns = turnsOf(incoming, NO_NAMES);
  if (incomingTurns.length < storedTurns.length) return 0;
  for (let i = 0; i < storedTurns.length; i++) {
    if (storedTurns[i]!.key !== incomingTurns[i]!.key) return 0;
  }
  // An assistant turn ends where the client's assistant messages end, not where the stored ones did.
  return incomingTurns[storedTurns.length - 1]!.end;
}

interface Turn {
  key: string;
  /** Index just past the turn's last message. */
  end: number;
}

function turnsOf(messages: readonly ChatMessage[], serverIds: ReadonlySet<string>): Turn[] {
  const turns: Turn[] = [];
  let inAssistant = false;
  let text = '';
  let ids: string[] = [];
  let end = 0;
  const closeAssistant = (): void => {
    if (inAssistant && (text !== '' || ids.length > 0))
      turns.push({ key: `assistant\u0000${text}\u0000${ids.join(',')}`, end });
    inAssistant = false;
    text = '';
    ids = [];
  };
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.role === 'assistant') {
      inAssistant = true;
      text += squash(textOf(m.content));
      for (const call of m.toolCalls ?? []) if (!serverIds.has(call.id)) ids.push(call.id);
      end = i + 1;
      continue;
    }
    // A server-side tool result: the client never saw it, and the assistant's answer goes on around it.
    if (m.role === 'tool' && serverIds.has(m.toolCallId)) continue;
    closeAssistant();
    turns.push(
      m.role === 'user'
        ? { key: `user\u0000${squash(textOf(m.content))}`, end: i + 1 }
        : { key: `tool\u0000${m.toolCallId}`, end: i + 1 },
    );
  }
  closeAssistant();
  return turns;
}

function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

/**
 * Providers refuse a tool call without a result and a result without a call. A stored
 * turn that ended on client tool calls the client then never answered leaves such a
 * call behind; it is dropped from what the model sees (the transcript keeps it).
 */
export function pairToolCalls(messages: ChatMessage[]): ChatMessage[] {
  const called = new Set<string>();
  const answered = new Set<string>();
  for (const m of messages) {
    if (m.role === 'tool') answered.add(m.toolCallId);
    else if (m.role === 'assistant' && m.toolCalls) for (const c of m.toolCalls) called.add(c.id);
  }
  let paired = called.size === answered.size;
  if (paired) for (const id of called) if (!answered.has(id)) paired = false;
  if (paired) return messages;
  const out: ChatMessage[] = [];
  for (const m of messages) {
    if (m.role === 'tool') {
      if (called.has(m.toolCallId)) out.push(m);
    } else if (m.role === 'assistant' && m.toolCalls?.some((c) => !answered.has(c.id))) {
      const toolCalls = m.toolCalls.filter((c) => answered.has(c.id));
      if (toolCalls.length > 0) out.push({ role: 'assistant', content: m.content, toolCalls });
      else if (textOf(m.content) !== '') out.push({ role: 'assistant', content: m.content });
    } else {
      out.push(m);
    }
  }
  return out;
}
