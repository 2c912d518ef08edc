import { textOf, type ChatMessage, type Usage } from '../messages.js';
import { ProviderError, type ModelEvent, type ModelRequest, type StreamFunction } from './types.js';

/** The built-in model that answers with no provider and no network, through the same path as a real one. */
export const ECHO_MODEL_REF = 'local/echo';

export const streamEcho: StreamFunction = async function* (request: ModelRequest): AsyncGenerator<ModelEvent> {
  const said = lastText(request.messages);
  const reply = `Echo from the built-in local/echo model (no provider configured). You said: ${said || '(nothing)'}`;
  const words = reply.match(/\s*\S+/g) ?? [];
  for (const word of words) {
    if (request.signal.aborted) throw new ProviderError('aborted', `${ECHO_MODEL_REF}: request aborted`);
    yield { type: 'text_delta', delta: word };
    // A real turn of the event loop between words, so consumers see a stream and aborts land mid-reply.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  if (request.signal.aborted) throw new ProviderError('aborted', `${ECHO_MODEL_REF}: request aborted`);
  yield { type: 'done', reason: 'stop', usage: estimateUsage(request, words.length) };
};

function lastText(messages: ChatMessage[]): string {
  const last = messages.at(-1);
  if (!last) return '';
  if (last.role === 'tool') return last.content;
  return textOf(last.content).trim();
}

function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

function estimateUsage(request: ModelRequest, completionTokens: number): Usage {
  const promptTokens =
    countWords(request.system) +
    request.messages.reduce((n, m) => n + countWords(m.role === 'tool' ? m.content : textOf(m.content)), 0);
  return { promptTokens, completionTokens, cachedTokens: 0, totalTokens: promptTokens + completionTokens };
}
