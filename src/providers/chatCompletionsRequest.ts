import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import type { ChatMessage, ContentPart, ToolChoice, ToolSpec } from '../messages.js';
import type { ModelRequest } from './types.js';

/** The chat-completions request body, as the OpenAI wire (and its compatible servers) expect it. */

export function isOpenAIHost(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

export function toParams(
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
