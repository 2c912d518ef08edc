import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { ZERO_USAGE, type FinishReason, newToolCallId, type Usage } from '../messages.js';
import { isOpenAIHost, toParams } from './chatCompletionsRequest.js';
import { IdleWatchdog } from './idleWatchdog.js';
import {
  connectionFailure,
  errorText,
  errorBodyMessage,
  interruption,
  statusFailure,
  type ProviderAttempt,
} from './providerFailure.js';
import type { ProviderSettings } from './providerSettings.js';
import { ProviderError, type ModelEvent, type ModelRequest, type StreamFunction } from './types.js';

/**
 * The OpenAI chat-completions protocol, for the whole OpenAI-compatible family
 * (OpenAI, Ollama, vLLM, llama.cpp, LM Studio, OpenRouter).
 *
 * Spoken over `fetch` with `eventsource-parser` rather than through the `openai` SDK: on the gateway's
 * hot path the SDK's request building and SSE decoding (a buffer copy per event) were a fifth of its CPU.
 * The SDK's types still describe the wire, and its failure semantics are kept: a status error is read
 * from the body, an `error` object inside a 200 stream is a server error, `[DONE]` ends the stream.
 */
export function openAICompletions(settings: ProviderSettings): StreamFunction {
  const send = settings.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const headers = requestHeaders(settings);
  // OpenAI's own API rejects `max_tokens` for reasoning models; the compatible servers mostly know only `max_tokens`.
  const maxTokensField = isOpenAIHost(settings.baseUrl) ? 'max_completion_tokens' : 'max_tokens';

  return async function* streamOpenAICompletions(request: ModelRequest): AsyncGenerator<ModelEvent> {
    const watchdog = new IdleWatchdog(request.signal, settings.idleTimeoutMs);
    const attempt: ProviderAttempt = {
      ref: request.model.ref,
      apiKey: settings.apiKey,
      signal: request.signal,
      watchdog,
    };
    let body: AsyncIterator<Uint8Array> | undefined;
    let sawDone = false;
    try {
      const response = await send(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(toParams(request, maxTokensField)),
        signal: watchdog.signal,
      });
      if (!response.ok) throw await responseFailure(response, attempt);
      if (response.body === null) throw connectionFailure(attempt, 'the provider sent no body');
      const toolIndex = new ToolIndex();
      const frames: string[] = [];
      const parser = createParser({ onEvent: (message: EventSourceMessage) => frames.push(message.data) });
      const decoder = new TextDecoder();
      let finish: ChatCompletionChunk.Choice['finish_reason'] = null;
      let usage: Usage | undefined;
      body = chunksOf(response.body)[Symbol.asyncIterator]();
      reading: for (;;) {
        const step = await body.next();
        if (step.done) {
          body = undefined;
          break;
        }
        watchdog.pause();
        parser.feed(decoder.decode(step.value, { stream: true }));
        for (let i = 0; i < frames.length; i++) {
          const data = frames[i]!;
          if (data.startsWith('[DONE]')) {
            sawDone = true;
            break reading;
          }
          // A malformed frame throws here and becomes a connection failure, as the SDK's JSON.parse did.
          const chunk = JSON.parse(data) as ChatCompletionChunk & { error?: unknown };
          if (chunk.error) throw statusFailure(attempt, undefined, errorBodyMessage(chunk.error, String(chunk.error)));
          if (chunk.usage) usage = toUsage(chunk.usage);
          const choice = chunk.choices?.[0];
          if (choice) {
            if (choice.finish_reason) finish = choice.finish_reason;
            // Plain yields: `yield*` of a sync generator in an async one costs extra promises per event.
            const { delta } = choice;
            if (delta?.content) yield { type: 'text_delta', delta: delta.content };
            if (delta?.tool_calls) for (const event of toolCallEvents(delta.tool_calls, toolIndex)) yield event;
            if (watchdog.signal.aborted) break reading;
          }
        }
        frames.length = 0;
        if (watchdog.signal.aborted) break;
        watchdog.kick();
      }
      // Stopped on our side (idle timeout or the run's signal): that is not a finished turn.
      const stopped = interruption(attempt);
      if (stopped) throw stopped;
      if (finish === null) throw connectionFailure(attempt, 'stream ended before the model finished');
      // Said at `[DONE]`, not at the body's end: the last deltas and the finish then leave in the same write.
      yield { type: 'done', reason: toReason(finish, toolIndex.count), usage: usage ?? { ...ZERO_USAGE } };
    } catch (error) {
      throw toProviderError(error, attempt);
    } finally {
      // After `[DONE]` the rest of the body is read, unparsed, so the connection is reused; still under the watchdog.
      if (body !== undefined && sawDone) void drain(body, watchdog);
      else {
        void body?.return?.()?.catch(() => {});
        watchdog.dispose();
      }
    }
  };
}

async function drain(body: AsyncIterator<Uint8Array>, watchdog: IdleWatchdog): Promise<void> {
  try {
    while (!(await body.next()).done) watchdog.kick();
  } catch {
    // The turn is over: a body that breaks after `[DONE]` costs only its connection.
  } finally {
    watchdog.dispose();
  }
}

/** Built once per provider: the same object goes with every request. */
function requestHeaders(settings: ProviderSettings): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (settings.apiKey !== undefined) headers.authorization = `Bearer ${settings.apiKey}`;
  // Configured headers win over ours, whatever their case (as the SDK's defaultHeaders did).
  for (const [name, value] of Object.entries(settings.headers ?? {})) {
    delete headers[name.toLowerCase()];
    headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** A status error: the provider's message from its JSON body (either wire shape), or the body's text. */
async function responseFailure(response: Response, attempt: ProviderAttempt): Promise<ProviderError> {
  let text = '';
  try {
    text = await response.text();
  } catch (error) {
    // The body broke while being read: the status still says what happened.
    const stopped = interruption(attempt);
    if (stopped) return stopped;
    text = errorText(error);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const fallback = text.trim() || 'status code (no body)';
  return statusFailure(attempt, response.status, errorBodyMessage(body, fallback), response.headers);
}

/** A fetch body's chunks: web streams and the Node edge's bodies are both async-iterable. */
function chunksOf(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  if (Symbol.asyncIterator in body) return body;
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
      return: async () => {
        await reader.cancel();
        return { done: true, value: undefined };
      },
    }),
  };
}

/**
 * Our tool-call indices, one per call. OpenAI streams an index per call, but some compatible
 * servers reuse index 0 for every call and tell them apart only by id.
 */
class ToolIndex {
  #byWire = new Map<number, { index: number; id: string }>();
  count = 0;

  start(wireIndex: number, id: string | undefined): { index: number; isNew: boolean } {
    const current = this.#byWire.get(wireIndex);
    if (current && (id === undefined || id === current.id)) return { index: current.index, isNew: false };
    const entry = { index: this.count++, id: id ?? newToolCallId() };
    this.#byWire.set(wireIndex, entry);
    return { index: entry.index, isNew: true };
  }

  idOf(wireIndex: number): string {
    return this.#byWire.get(wireIndex)?.id ?? '';
  }
}

function toolCallEvents(
  calls: NonNullable<ChatCompletionChunk.Choice.Delta['tool_calls']>,
  tools: ToolIndex,
): ModelEvent[] {
  const events: ModelEvent[] = [];
  for (const call of calls) {
    const { index, isNew } = tools.start(call.index, call.id ?? undefined);
    if (isNew)
      events.push({ type: 'toolcall_start', index, id: tools.idOf(call.index), name: call.function?.name ?? '' });
    if (call.function?.arguments) events.push({ type: 'toolcall_delta', index, delta: call.function.arguments });
  }
  return events;
}

function toReason(finish: NonNullable<ChatCompletionChunk.Choice['finish_reason']>, toolCalls: number): FinishReason {
  if (finish === 'length') return 'length';
  // Some compatible servers say `stop` after streaming tool calls.
  if (finish === 'tool_calls' || finish === 'function_call' || toolCalls > 0) return 'tool_calls';
  return 'stop';
}

function toUsage(usage: NonNullable<ChatCompletionChunk['usage']>): Usage {
  const promptTokens = usage.prompt_tokens ?? 0;
  const completionTokens = usage.completion_tokens ?? 0;
  return {
    promptTokens,
    completionTokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    totalTokens: usage.total_tokens ?? promptTokens + completionTokens,
  };
}

function toProviderError(error: unknown, attempt: ProviderAttempt): ProviderError {
  if (error instanceof ProviderError) return error;
  const stopped = interruption(attempt);
  if (stopped) return stopped;
  // Anything else (`fetch failed`, a cut socket's `TypeError: terminated`, a malformed frame) is a broken connection.
  return connectionFailure(attempt, errorText(error));
}
