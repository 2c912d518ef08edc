import type { ChatMessage, ContentPart } from '../../messages.js';
import type { GatewayConfig } from '../../config/schema.js';
import { openAiException } from '../openai/errors.js';
import { imagePart } from '../openai/runMessages.js';
import { readInputFile } from './inputFiles.js';
import type { ClientTools } from './clientTools.js';
import type { InputItem, ResponsesRequest } from './requestSchema.js';

type Endpoint = GatewayConfig['gateway']['http']['endpoints']['responses'];
type ImageLimits = Endpoint['images'];

export interface ConvertedInput {
  messages: ChatMessage[];
  /** `instructions`, system/developer text, then inline files: appended to the agent's own prompt. */
  extraSystemPrompt: string | undefined;
}

export interface InputContext {
  images: ImageLimits;
  files: Endpoint['files'];
  tools: ClientTools;
  /** An output item of a stored response, for `item_reference`; undefined when not kept. */
  storedItem(id: string): ChatMessage | undefined;
}

type Part = { type: string; [k: string]: unknown };
/** Counted across the request: images against their limits, file texts collected for the prompt. */
type Budget = { parts: number; bytes: number; files: string[] };

function invalid(message: string, param: string): never {
  throw openAiException({ kind: 'invalid_request', message, param, code: 'invalid_value' });
}

/**
 * The request's `input` (and `instructions`) as structured run messages. A `function_call`
 * joins the assistant message before it, as the chat wire carries calls on that message.
 */
export function toRunInput(body: ResponsesRequest, ctx: InputContext): ConvertedInput {
  const system: string[] = [];
  if (body.instructions?.trim()) system.push(body.instructions.trim());
  const messages: ChatMessage[] = [];
  const budget: Budget = { parts: 0, bytes: 0, files: [] };

  const add = (message: ChatMessage): void => {
    const last = messages.at(-1);
    if (message.role === 'assistant' && message.toolCalls && last?.role === 'assistant') {
      last.toolCalls = [...(last.toolCalls ?? []), ...message.toolCalls];
      return;
    }
    messages.push(message);
  };

  if (typeof body.input === 'string') messages.push({ role: 'user', content: body.input });
  else {
    body.input.forEach((item, i) => {
      const converted = convertItem(item, `input[${i}]`, ctx, budget, system);
      if (converted) add(converted);
    });
  }

  if (!messages.some((m) => m.role === 'user' || m.role === 'tool')) {
    invalid(
      'Missing user input: send `input` as a string or with at least one user message or function_call_output.',
      'input',
    );
  }
  system.push(...budget.files);
  return { messages, extraSystemPrompt: system.length ? system.join('\n\n') : undefined };
}

function convertItem(
  item: InputItem,
  param: string,
  ctx: InputContext,
  budget: Budget,
  system: string[],
): ChatMessage | undefined {
  if (!('type' in item) || item.type === undefined || item.type === 'message') {
    const m = item as { role: 'user' | 'assistant' | 'system' | 'developer'; content: string | Part[] };
    switch (m.role) {
      case 'system':
      case 'developer': {
        const text = textOf(m.content, `${param}.content`).trim();
        if (text) system.push(text);
        return undefined;
      }
      case 'assistant':
        return { role: 'assistant', content: textOf(m.content, `${param}.content`) };
      case 'user':
        return { role: 'user', content: userContent(m.content, `${param}.content`, ctx, budget) };
    }
  }
  switch (item.type) {
    case 'function_call': {
      const call = item as { call_id: string; name: string; arguments: string; namespace?: string | null };
      const name = ctx.tools.modelName(call.name, call.namespace);
      return { role: 'assistant', content: null, toolCalls: [{ id: call.call_id, name, arguments: call.arguments }] };
    }
    case 'function_call_output': {
      const out = item as { call_id: string; output: string | Part[] };
      return { role: 'tool', toolCallId: out.call_id, content: textOf(out.output, `${param}.output`) };
    }
    case 'item_reference': {
      // Resolved from the responses we keep; one we no longer hold is left out, as OpenClaw does.
      const found = ctx.storedItem((item as { id: string }).id);
      return found === undefined ? undefined : structuredClone(found);
    }
    default:
      return undefined;
  }
}

function textOf(content: string | Part[], param: string): string {
  if (typeof content === 'string') return content;
  const texts: string[] = [];
  content.forEach((part, j) => {
    if (typeof part.text === 'string' && ['input_text', 'output_text', 'text'].includes(part.type))
      texts.push(part.text);
    else if (part.type === 'refusal' && typeof part.refusal === 'string') texts.push(part.refusal);
    else if (part.type !== 'input_image' && part.type !== 'input_file')
      invalid(`Unsupported content part type "${part.type}" here.`, `${param}[${j}].type`);
  });
  return texts.join('\n');
}

function userContent(
  content: string | Part[],
  param: string,
  ctx: InputContext,
  budget: Budget,
): string | ContentPart[] {
  if (typeof content === 'string') return content;
  const parts: ContentPart[] = [];
  content.forEach((part, j) => {
    const at = `${param}[${j}]`;
    if ((part.type === 'input_text' || part.type === 'text') && typeof part.text === 'string') {
      parts.push({ type: 'text', text: part.text });
    } else if (part.type === 'input_image') {
      if (typeof part.file_id === 'string' && part.image_url == null)
        invalid('input_image by file_id is not supported; send image_url as a data URL.', `${at}.file_id`);
      parts.push(imagePart(part.image_url, `${at}.image_url`, ctx.images, budget, 'responses'));
    } else if (part.type === 'input_file') {
      const file = readInputFile(part, at, ctx.files, budget.files.length + 1);
      budget.files.push(file.block);
      // The text goes to the system prompt (kept out of the transcript); the turn says where it was attached.
      parts.push({ type: 'text', text: `[attached file ${file.name} (${file.id})]` });
    } else {
      invalid(`Unsupported content part type "${part.type}"; use "input_text" or "input_image".`, `${at}.type`);
    }
  });
  return parts;
}
