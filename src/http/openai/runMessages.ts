import type { ChatMessage, ContentPart, ToolCall } from '../../messages.js';
import type { GatewayConfig } from '../../config/schema.js';
import { openAiException } from './errors.js';
import type { RequestMessage } from './requestSchema.js';

type ImageLimits = GatewayConfig['gateway']['http']['endpoints']['chatCompletions']['images'];

export interface ConvertedMessages {
  messages: ChatMessage[];
  /** system/developer text, appended to the agent's own prompt (never replacing it). */
  extraSystemPrompt: string | undefined;
}

const DATA_URI = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s;

function invalid(message: string, param: string): never {
  throw openAiException({ kind: 'invalid_request', message, param, code: 'invalid_value' });
}

/** Contract point 6: the client's messages become structured run messages. */
export function toRunMessages(input: RequestMessage[], images: ImageLimits): ConvertedMessages {
  const messages: ChatMessage[] = [];
  const system: string[] = [];
  const budget = { parts: 0, bytes: 0 };

  input.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer': {
        const text = textContent(m.content, `messages[${i}].content`).trim();
        if (text) system.push(text);
        return;
      }
      case 'user':
        messages.push({ role: 'user', content: userContent(m.content, i, images, budget) });
        return;
      case 'assistant': {
        const toolCalls: ToolCall[] | undefined = m.tool_calls?.map((tc) => ({
          id: tc.id,
          name: tc.function.name,
          arguments: tc.function.arguments,
        }));
        const text = m.content == null ? null : textContent(m.content, `messages[${i}].content`);
        messages.push(
          toolCalls?.length
            ? { role: 'assistant', content: text, toolCalls }
            : { role: 'assistant', content: text ?? '' },
        );
        return;
      }
      case 'tool':
        messages.push({
          role: 'tool',
          toolCallId: m.tool_call_id,
          content: textContent(m.content, `messages[${i}].content`),
        });
        return;
      case 'function':
        messages.push({
          role: 'tool',
          toolCallId: m.name,
          name: m.name,
          content: m.content == null ? '' : textContent(m.content, `messages[${i}].content`),
        });
        return;
    }
  });

  if (!messages.some((m) => m.role === 'user' || m.role === 'tool')) {
    invalid('Missing user message in `messages`: send at least one message with role "user" (or "tool").', 'messages');
  }
  return { messages, extraSystemPrompt: system.length ? system.join('\n\n') : undefined };
}

function textContent(content: string | Array<{ type: string; [k: string]: unknown }>, param: string): string {
  if (typeof content === 'string') return content;
  const texts: string[] = [];
  content.forEach((part, j) => {
    if ((part.type === 'text' || part.type === 'input_text') && typeof part.text === 'string') texts.push(part.text);
    else invalid(`Only text content parts are supported here, got "${part.type}".`, `${param}[${j}]`);
  });
  return texts.join('\n');
}

function userContent(
  content: string | Array<{ type: string; [k: string]: unknown }>,
  i: number,
  limits: ImageLimits,
  budget: { parts: number; bytes: number },
): string | ContentPart[] {
  if (typeof content === 'string') return content;
  const parts: ContentPart[] = [];
  content.forEach((part, j) => {
    const param = `messages[${i}].content[${j}]`;
    if ((part.type === 'text' || part.type === 'input_text') && typeof part.text === 'string') {
      parts.push({ type: 'text', text: part.text });
    } else if (part.type === 'image_url') {
      parts.push(imagePart(part.image_url, `${param}.image_url`, limits, budget));
    } else {
      invalid(`Unsupported content part type "${part.type}"; use "text" or "image_url".`, `${param}.type`);
    }
  });
  return parts;
}

/** One image part checked against the endpoint's limits; `budget` counts across the request. */
export function imagePart(
  raw: unknown,
  param: string,
  limits: ImageLimits,
  budget: { parts: number; bytes: number },
  endpoint: 'chatCompletions' | 'responses' = 'chatCompletions',
): ContentPart {
  const url =
    typeof raw === 'string'
      ? raw
      : typeof raw === 'object' && raw !== null && typeof (raw as { url?: unknown }).url === 'string'
        ? (raw as { url: string }).url
        : undefined;
  if (url === undefined) invalid('Invalid image_url: expected a string or {"url": "..."}.', param);
  if (++budget.parts > limits.maxParts) invalid(`Too many images: at most ${limits.maxParts} per request.`, param);

  const data = DATA_URI.exec(url);
  if (!data) {
    if (!/^https?:\/\//i.test(url))
      invalid('Invalid image_url: expected a base64 data URI (data:<mime>;base64,...) or an http(s) URL.', param);
    if (!limits.allowUrl) {
      invalid(
        `Remote image URLs are not allowed by this gateway (gateway.http.endpoints.${endpoint}.images.allowUrl); send the image as a base64 data URI.`,
        param,
      );
    }
    return { type: 'image_url', url };
  }
  const mimeType = data[1]!.toLowerCase();
  const base64 = data[2]!;
  if (!limits.allowedMimes.includes(mimeType))
    invalid(`Image type ${mimeType} is not allowed; allowed: ${limits.allowedMimes.join(', ')}.`, param);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0 || base64.length === 0)
    invalid('Invalid image_url: the data URI is not valid base64.', param);
  const bytes = (base64.length / 4) * 3 - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0);
  if (bytes > limits.maxBytes) invalid(`Image too large: ${bytes} bytes, at most ${limits.maxBytes} per image.`, param);
  budget.bytes += bytes;
  if (budget.bytes > limits.maxTotalBytes)
    invalid(`Images too large: at most ${limits.maxTotalBytes} bytes in all.`, param);
  return { type: 'image', mimeType, data: base64 };
}
