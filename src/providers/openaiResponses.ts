import OpenAI from 'openai';
import type {
  FunctionTool,
  ResponseCreateParamsStreaming,
  ResponseInputItem,
  ResponseInputMessageContentList,
  ResponseStreamEvent,
  ResponseUsage,
  ToolChoiceFunction,
  ToolChoiceOptions,
} from 'openai/resources/responses/responses';
import {
  ZERO_USAGE,
  type ChatMessage,
  type ContentPart,
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
 * OpenAI's Responses API (`POST /responses`), through the official SDK's `responses.create`:
 * OpenAI itself, LM Studio and others that speak it. Stateless: every turn sends the whole
 * conversation with `store: false`, as the run owns the transcript.
 */
export function openAIResponses(settings: ProviderSettings): StreamFunction {
  const client = new OpenAI({
    baseURL: settings.baseUrl,
    apiKey: settings.apiKey ?? 'unused',
    organization: null,
    project: null,
    defaultHeaders: { ...settings.headers, ...(settings.apiKey === undefined ? { Authorization: null } : {}) },
    maxRetries: 0,
    timeout: SDK_TIMEOUT_MS,
    ...(settings.fetch !== undefined ? { fetch: settings.fetch } : {}),
  });

  return async function* streamOpenAIResponses(request: ModelRequest): AsyncGenerator<ModelEvent> {
    const watchdog = new IdleWatchdog(request.signal, settings.idleTimeoutMs);
    const ctx: ProviderAttempt = { ref: request.model.ref, apiKey: settings.apiKey, signal: request.signal, watchdog };
    try {
      const stream = await client.responses.create(toParams(request), { signal: watchdog.signal });
      const calls = new CallIndex();
      let finished: { reason: 'stop' | 'length'; usage: Usage } | undefined;
      for await (const event of stream) {
        watchdog.pause();
        const out = eventToModelEvents(event, calls, ctx);
        if (out.finished) finished = out.finished;
        for (const e of out.events) yield e;
        watchdog.kick();
      }
      const stopped = interruption(ctx);
      if (stopped) throw stopped;
      if (finished === undefined) throw connectionFailure(ctx, 'stream ended before the response completed');
      const reason = calls.count > 0 ? 'tool_calls' : finished.reason;
      yield { type: 'done', reason, usage: finished.usage };
    } catch (error) {
      throw toProviderError(error, ctx);
    } finally {
      watchdog.dispose();
    }
  };
}

export function toParams(request: ModelRequest): ResponseCreateParamsStreaming {
  const { sampling, model } = request;
  const params: ResponseCreateParamsStreaming = {
    model: model.model,
    input: toInput(request.messages),
    stream: true,
    store: false,
  };
  if (request.system) params.instructions = request.system;
  if (request.tools.length > 0) {
    params.tools = request.tools.map(toTool);
    if (request.toolChoice !== undefined) params.tool_choice = toToolChoice(request.toolChoice);
  }
  if (sampling.temperature !== undefined) params.temperature = sampling.temperature;
  if (sampling.topP !== undefined) params.top_p = sampling.topP;
  if (sampling.maxTokens !== undefined) params.max_output_tokens = sampling.maxTokens;
  if (model.reasoning === true) params.reasoning = { effort: 'medium' };
  return params;
}

function toInput(messages: ChatMessage[]): ResponseInputItem[] {
  const items: ResponseInputItem[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        items.push({
          type: 'message',
          role: 'user',
          content:
            typeof message.content === 'string'
              ? [{ type: 'input_text', text: message.content }]
              : message.content.map(toInputPart),
        });
        break;
      case 'assistant':
        if (message.content) items.push({ type: 'message', role: 'assistant', content: message.content });
        for (const call of message.toolCalls ?? []) {
          items.push({ type: 'function_call', call_id: call.id, name: call.name, arguments: call.arguments });
        }
        break;
      case 'tool':
        items.push({ type: 'function_call_output', call_id: message.toolCallId, output: message.content });
        break;
    }
  }
  return items;
}

function toInputPart(part: ContentPart): ResponseInputMessageContentList[number] {
  switch (part.type) {
    case 'text':
      return { type: 'input_text', text: part.text };
    case 'image':
      return { type: 'input_image', detail: 'auto', image_url: `data:${part.mimeType};base64,${part.data}` };
    case 'image_url':
      return { type: 'input_image', detail: 'auto', image_url: part.url };
  }
}

function toTool(tool: ToolSpec): FunctionTool {
  return {
    type: 'function',
    name: tool.name,
    description: tool.description ?? null,
    parameters: tool.parameters ?? { type: 'object', properties: {} },
    strict: false,
  };
}

function toToolChoice(choice: ToolChoice): ToolChoiceOptions | ToolChoiceFunction {
  return typeof choice === 'string' ? choice : { type: 'function', name: choice.name };
}

/** Our tool-call indices, by the output item that carries each call. */
class CallIndex {
  #byItem = new Map<string, number>();
  count = 0;

  add(itemId: string): number {
    const index = this.count++;
    this.#byItem.set(itemId, index);
    return index;
  }

  of(itemId: string): number | undefined {
    return this.#byItem.get(itemId);
  }
}

function eventToModelEvents(
  event: ResponseStreamEvent,
  calls: CallIndex,
  ctx: ProviderAttempt,
): { events: ModelEvent[]; finished?: { reason: 'stop' | 'length'; usage: Usage } } {
  switch (event.type) {
    case 'response.output_text.delta':
      return { events: event.delta ? [{ type: 'text_delta', delta: event.delta }] : [] };
    case 'response.output_item.added': {
      const item = event.item;
      if (item.type !== 'function_call') return { events: [] };
      const index = calls.add(item.id ?? item.call_id);
      const events: ModelEvent[] = [{ type: 'toolcall_start', index, id: item.call_id, name: item.name }];
      if (item.arguments) events.push({ type: 'toolcall_delta', index, delta: item.arguments });
      return { events };
    }
    case 'response.function_call_arguments.delta': {
      const index = calls.of(event.item_id);
      return {
        events: index === undefined || !event.delta ? [] : [{ type: 'toolcall_delta', index, delta: event.delta }],
      };
    }
    case 'response.completed':
      return { events: [], finished: { reason: 'stop', usage: toUsage(event.response.usage) } };
    case 'response.incomplete':
      return { events: [], finished: { reason: 'length', usage: toUsage(event.response.usage) } };
    case 'response.failed':
      throw statusFailure(ctx, undefined, event.response.error?.message ?? 'response failed');
    case 'error':
      throw statusFailure(ctx, undefined, event.message);
    default:
      return { events: [] };
  }
}

function toUsage(usage: ResponseUsage | null | undefined): Usage {
  if (!usage) return { ...ZERO_USAGE };
  return {
    promptTokens: usage.input_tokens,
    completionTokens: usage.output_tokens,
    cachedTokens: usage.input_tokens_details?.cached_tokens ?? 0,
    totalTokens: usage.total_tokens ?? usage.input_tokens + usage.output_tokens,
  };
}

function toProviderError(error: unknown, ctx: ProviderAttempt): ProviderError {
  if (error instanceof ProviderError) return error;
  const stopped = interruption(ctx);
  if (stopped) return stopped;
  if (error instanceof OpenAI.APIConnectionError) return connectionFailure(ctx, errorText(error));
  if (error instanceof OpenAI.APIError)
    return statusFailure(ctx, error.status, errorBodyMessage(error.error, error.message));
  return connectionFailure(ctx, errorText(error));
}
