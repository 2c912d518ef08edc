import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionContentPart,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import {
  ZERO_USAGE,
  type ChatMessage,
  type ContentPart,
  type FinishReason,
  newToolCallId,
  type ToolChoice,
  type ToolSpec,
  type Usage,
} from '../messages.js';
import { IdleWatchdog } from './idleWatchdog.js';
import {
  connectionFailure,
  errorText,
  errorBodyMessage,
  interruption,
  statusFailure,
  type ProviderAttempt,
} from './providerFailure.js';
import { SDK_TIMEOUT_MS, type ProviderSettings } from './providerSettings.js';
import { ProviderError, type ModelEvent, type ModelRequest, type StreamFunction } from './types.js';

/**
 * The OpenAI chat-completions protocol, for the whole OpenAI-compatible family
 * (OpenAI, Ollama, vLLM, llama.cpp, LM Studio, OpenRouter). One client per provider.
 */
export function openAICompletions(settings: ProviderSettings): StreamFunction {
  const client = new OpenAI({
    baseURL: settings.baseUrl,
    // The SDK refuses to start without a key; keyless servers get a placeholder that is never sent.
    apiKey: settings.apiKey ?? 'unused',
    organization: null,
    project: null,
    defaultHeaders: { ...settings.headers, ...(settings.apiKey === undefined ? { Authorization: null } : {}) },
    maxRetries: 0,
    timeout: SDK_TIMEOUT_MS,
    ...(settings.fetch !== undefined ? { fetch: settings.fetch } : {}),
  });
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
    try {
      const stream = await client.chat.completions.create(toParams(request, maxTokensField), {
        signal: watchdog.signal,
      });
      const toolIndex = new ToolIndex();
      let finish: ChatCompletionChunk.Choice['finish_reason'] = null;
      let usage: Usage | undefined;
      for await (const chunk of stream) {
        watchdog.pause();
        if (chunk.usage) usage = toUsage(chunk.usage);
        const choice = chunk.choices[0];
        if (choice) {
          const events = choiceEvents(choice, toolIndex);
          if (choice.finish_reason) finish = choice.finish_reason;
          for (const event of events) yield event;
        }
        watchdog.kick();
      }
      // The SDK ends the iteration quietly when its signal aborts; that is not a finished turn.
      const stopped = interruption(attempt);
      if (stopped) throw stopped;
      if (finish === null) throw connectionFailure(attempt, 'stream ended before the model finished');
      yield { type: 'done', reason: toReason(finish, toolIndex.count), usage: usage ?? { ...ZERO_USAGE } };
    } catch (error) {
      throw toProviderError(error, attempt);
    } finally {
      watchdog.dispose();
    }
  };
}

function isOpenAIHost(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

function toParams(
  request: ModelRequest,
  maxTokensField: 'max_tokens' | 'max_completion_tokens',
): ChatCompletionCreateParamsStreaming {
  const { sampling } = request;
  const params: ChatCompletionCreateParamsStreaming = {
    model: request.model.model,
    messages: toMessages(request.system, request.messages),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (request.tools.length > 0) {
    params.tools = request.tools.map(toTool);
    if (request.toolChoice !== undefined) params.tool_choice = toToolChoice(request.toolChoice);
  }
  if (sampling.temperature !== undefined) params.temperature = sampling.temperature;
  if (sampling.topP !== undefined) params.top_p = sampling.topP;
  if (sampling.maxTokens !== undefined) params[maxTokensField] = sampling.maxTokens;
  // The model's metadata says it reasons: ask for it the way the chat-completions wire can.
  if (request.model.reasoning === true) params.reasoning_effort = 'medium';
  if (sampling.stop !== undefined && sampling.stop.length > 0) params.stop = sampling.stop;
  if (sampling.seed !== undefined) params.seed = sampling.seed;
  if (sampling.presencePenalty !== undefined) params.presence_penalty = sampling.presencePenalty;
  if (sampling.frequencyPenalty !== undefined) params.frequency_penalty = sampling.frequencyPenalty;
  return params;
}

function toMessages(system: string, messages: ChatMessage[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (system) out.push({ role: 'system', content: system });
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        out.push({
          role: 'user',
          content: typeof message.content === 'string' ? message.content : message.content.map(toContentPart),
        });
        break;
      case 'assistant':
        out.push({
          role: 'assistant',
          content: message.content,
          ...(message.toolCalls && message.toolCalls.length > 0
            ? {
                tool_calls: message.toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function' as const,
                  function: { name: call.name, arguments: call.arguments },
                })),
              }
            : {}),
        });
        break;
      case 'tool':
        out.push({ role: 'tool', tool_call_id: message.toolCallId, content: message.content });
        break;
    }
  }
  return out;
}

function toContentPart(part: ContentPart): ChatCompletionContentPart {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image':
      return { type: 'image_url', image_url: { url: `data:${part.mimeType};base64,${part.data}` } };
    case 'image_url':
      return { type: 'image_url', image_url: { url: part.url } };
  }
}

function toTool(tool: ToolSpec): ChatCompletionFunctionTool {
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      parameters: tool.parameters ?? { type: 'object', properties: {} },
    },
  };
}

function toToolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
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

function choiceEvents(choice: ChatCompletionChunk.Choice, tools: ToolIndex): ModelEvent[] {
  const events: ModelEvent[] = [];
  const { delta } = choice;
  if (delta?.content) events.push({ type: 'text_delta', delta: delta.content });
  for (const call of delta?.tool_calls ?? []) {
    const { index, isNew } = tools.start(call.index, call.id ?? undefined);
    if (isNew) {
      events.push({ type: 'toolcall_start', index, id: tools.idOf(call.index), name: call.function?.name ?? '' });
    }
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
  if (error instanceof OpenAI.APIConnectionError) return connectionFailure(attempt, errorText(error));
  if (error instanceof OpenAI.APIError)
    return statusFailure(attempt, error.status, errorBodyMessage(error.error, error.message), error.headers);
  // Anything else mid-stream (a cut socket surfaces as undici's `TypeError: terminated`) is a broken connection.
  return connectionFailure(attempt, errorText(error));
}
