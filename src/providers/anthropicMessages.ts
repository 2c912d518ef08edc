import Anthropic, { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  ImageBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
  RawMessageStreamEvent,
  StopReason,
  Tool,
  ToolChoice as AnthropicToolChoice,
  ToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/messages/messages';
import {
  ZERO_USAGE,
  type ChatMessage,
  type ContentPart,
  type FinishReason,
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

/** Anthropic requires `max_tokens`; used when neither the request nor the model's metadata sets one. */
const DEFAULT_MAX_TOKENS = 4096;

/** The Anthropic Messages protocol. One client per provider. */
export function anthropicMessages(settings: ProviderSettings): StreamFunction {
  const client = new Anthropic({
    // The SDK appends `/v1/messages`; accept base URLs written either way.
    baseURL: settings.baseUrl.replace(/\/v1\/?$/, ''),
    apiKey: settings.apiKey ?? null,
    authToken: null,
    // Keyless (a local proxy): tell the SDK to send no credentials rather than hunt for some.
    defaultHeaders: { ...settings.headers, ...(settings.apiKey === undefined ? { Authorization: null } : {}) },
    maxRetries: 0,
    timeout: SDK_TIMEOUT_MS,
  });

  return async function* streamAnthropicMessages(request: ModelRequest): AsyncGenerator<ModelEvent> {
    const watchdog = new IdleWatchdog(request.signal, settings.idleTimeoutMs);
    const attempt: ProviderAttempt = {
      ref: request.model.ref,
      apiKey: settings.apiKey,
      signal: request.signal,
      watchdog,
    };
    try {
      const stream = await client.messages.create(toParams(request), { signal: watchdog.signal });
      const turn = new TurnState();
      for await (const event of stream) {
        watchdog.pause();
        for (const out of turn.accept(event)) yield out;
        watchdog.kick();
      }
      const stopped = interruption(attempt);
      if (stopped) throw stopped;
      if (!turn.stopReason) throw connectionFailure(attempt, 'stream ended before the model finished');
      yield { type: 'done', reason: toReason(turn.stopReason), usage: turn.usage() };
    } catch (error) {
      throw toProviderError(error, attempt);
    } finally {
      watchdog.dispose();
    }
  };
}

function toParams(request: ModelRequest): MessageCreateParamsStreaming {
  const { sampling } = request;
  // This API version has no temperature/top_p/seed/penalties; those sampling fields are not sent.
  const params: MessageCreateParamsStreaming = {
    model: request.model.model,
    max_tokens: sampling.maxTokens ?? request.model.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: toMessages(request.messages),
    stream: true,
  };
  if (request.system) params.system = request.system;
  if (request.tools.length > 0) {
    params.tools = request.tools.map(toTool);
    if (request.toolChoice !== undefined) params.tool_choice = toToolChoice(request.toolChoice);
  }
  if (sampling.stop !== undefined && sampling.stop.length > 0) params.stop_sequences = sampling.stop;
  return params;
}

function toMessages(messages: ChatMessage[]): MessageParam[] {
  const out: MessageParam[] = [];
  let pendingResults: ToolResultBlockParam[] | undefined;
  for (const message of messages) {
    if (message.role === 'tool') {
      // Anthropic wants every result of one assistant turn inside a single user message.
      if (!pendingResults) {
        pendingResults = [];
        out.push({ role: 'user', content: pendingResults });
      }
      pendingResults.push({ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content });
      continue;
    }
    pendingResults = undefined;
    if (message.role === 'user') {
      out.push({
        role: 'user',
        content: typeof message.content === 'string' ? message.content : message.content.map(toBlock),
      });
      continue;
    }
    const blocks: ContentBlockParam[] = [];
    if (message.content) blocks.push({ type: 'text', text: message.content });
    for (const call of message.toolCalls ?? []) {
      blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: parseArguments(call.arguments) });
    }
    // Anthropic rejects empty assistant turns; an empty one carries nothing anyway.
    if (blocks.length > 0) out.push({ role: 'assistant', content: blocks });
  }
  return out;
}

function parseArguments(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text || '{}');
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

function toBlock(part: ContentPart): ContentBlockParam {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image':
      return {
        type: 'image',
        source: { type: 'base64', media_type: part.mimeType as ImageMediaType, data: part.data },
      };
    case 'image_url':
      return { type: 'image', source: { type: 'url', url: part.url } };
  }
}

type ImageMediaType = Extract<ImageBlockParam['source'], { type: 'base64' }>['media_type'];

function toTool(tool: ToolSpec): Tool {
  return {
    name: tool.name,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    input_schema: (tool.parameters ?? { type: 'object', properties: {} }) as Tool.InputSchema,
  };
}

function toToolChoice(choice: ToolChoice): AnthropicToolChoice {
  switch (choice) {
    case 'auto':
      return { type: 'auto' };
    case 'required':
      return { type: 'any' };
    case 'none':
      return { type: 'none' };
    default:
      return { type: 'tool', name: choice.name };
  }
}

/** Folds the event stream of one turn: tool blocks get our own indices, usage adds up across events. */
class TurnState {
  stopReason: StopReason | undefined;
  #toolIndexByBlock = new Map<number, number>();
  #inputTokens = 0;
  #cacheRead = 0;
  #cacheCreation = 0;
  #outputTokens = 0;

  accept(event: RawMessageStreamEvent): ModelEvent[] {
    switch (event.type) {
      case 'message_start': {
        const usage = event.message.usage;
        this.#inputTokens = usage.input_tokens ?? 0;
        this.#cacheRead = usage.cache_read_input_tokens ?? 0;
        this.#cacheCreation = usage.cache_creation_input_tokens ?? 0;
        this.#outputTokens = usage.output_tokens ?? 0;
        return [];
      }
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'tool_use') {
          const index = this.#toolIndexByBlock.size;
          this.#toolIndexByBlock.set(event.index, index);
          return [{ type: 'toolcall_start', index, id: block.id, name: block.name }];
        }
        if (block.type === 'text' && block.text) return [{ type: 'text_delta', delta: block.text }];
        return [];
      }
      case 'content_block_delta': {
        const { delta } = event;
        if (delta.type === 'text_delta') return delta.text ? [{ type: 'text_delta', delta: delta.text }] : [];
        if (delta.type === 'input_json_delta') {
          const index = this.#toolIndexByBlock.get(event.index);
          if (index === undefined || !delta.partial_json) return [];
          return [{ type: 'toolcall_delta', index, delta: delta.partial_json }];
        }
        return [];
      }
      case 'message_delta': {
        if (event.delta.stop_reason) this.stopReason = event.delta.stop_reason;
        const usage = event.usage;
        // message_delta usage is cumulative; input counts appear here only on some turns.
        if (usage.input_tokens != null) this.#inputTokens = usage.input_tokens;
        if (usage.cache_read_input_tokens != null) this.#cacheRead = usage.cache_read_input_tokens;
        if (usage.cache_creation_input_tokens != null) this.#cacheCreation = usage.cache_creation_input_tokens;
        if (usage.output_tokens != null) this.#outputTokens = usage.output_tokens;
        return [];
      }
      case 'content_block_stop':
      case 'message_stop':
        return [];
    }
  }

  usage(): Usage {
    const promptTokens = this.#inputTokens + this.#cacheRead + this.#cacheCreation;
    return {
      ...ZERO_USAGE,
      promptTokens,
      completionTokens: this.#outputTokens,
      cachedTokens: this.#cacheRead,
      totalTokens: promptTokens + this.#outputTokens,
    };
  }
}

function toReason(reason: StopReason): FinishReason {
  switch (reason) {
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    default:
      return 'stop';
  }
}

function toProviderError(error: unknown, attempt: ProviderAttempt): ProviderError {
  if (error instanceof ProviderError) return error;
  const stopped = interruption(attempt);
  if (stopped) return stopped;
  if (error instanceof APIConnectionError) return connectionFailure(attempt, errorText(error));
  if (error instanceof APIError)
    return statusFailure(attempt, error.status, errorBodyMessage(error.error, error.message), error.headers);
  return connectionFailure(attempt, errorText(error));
}
