import type { ChatMessage } from '../messages.js';
import type { ModelRequest } from './types.js';

/** A rough token count: about four characters a token, plus a little per message; images at a flat rate. */
const CHARS_PER_TOKEN = 4;
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_IMAGE = 1000;
/** Room kept for the answer when neither the request nor the model's metadata sets it. */
const DEFAULT_ANSWER_TOKENS = 4096;

export function estimateTokens(message: ChatMessage): number {
  let chars = 0;
  let images = 0;
  if (message.role === 'user' && typeof message.content !== 'string') {
    for (const part of message.content) {
      if (part.type === 'text') chars += part.text.length;
      else images++;
    }
  } else {
    chars += (message.content ?? '').length;
  }
  if (message.role === 'assistant') {
    for (const call of message.toolCalls ?? []) chars += call.name.length + call.arguments.length;
  }
  return Math.ceil(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE + images * TOKENS_PER_IMAGE;
}

/**
 * Applies the model's metadata to one call: `maxTokens` caps the answer (and is asked for when the
 * client set nothing), and `contextWindow` drops the oldest turns that would not fit beside the system
 * prompt and the answer. History is cut at a user message so no tool result loses its call; the newest
 * message is always sent.
 */
export function fitToModel(request: ModelRequest): ModelRequest {
  const { maxTokens, contextWindow } = request.model;
  if (maxTokens === undefined && contextWindow === undefined) return request;
  let fitted = request;
  if (maxTokens !== undefined) {
    const asked = request.sampling.maxTokens;
    if (asked === undefined || asked > maxTokens) {
      fitted = { ...fitted, sampling: { ...fitted.sampling, maxTokens } };
    }
  }
  if (contextWindow !== undefined) {
    const answer = fitted.sampling.maxTokens ?? Math.min(DEFAULT_ANSWER_TOKENS, Math.floor(contextWindow / 4));
    const budget = contextWindow - answer - Math.ceil(request.system.length / CHARS_PER_TOKEN);
    const messages = trimHistory(request.messages, budget);
    if (messages !== request.messages) fitted = { ...fitted, messages };
  }
  return fitted;
}

export function trimHistory(messages: ChatMessage[], budget: number): ChatMessage[] {
  let total = 0;
  for (const m of messages) total += estimateTokens(m);
  if (total <= budget || messages.length <= 1) return messages;
  let start = 0;
  while (start < messages.length - 1 && total > budget) {
    total -= estimateTokens(messages[start]!);
    start++;
  }
  // Start on a user turn, so no tool result or tool call is left without its other half.
  while (start < messages.length - 1 && messages[start]!.role !== 'user') start++;
  return messages.slice(start);
}
