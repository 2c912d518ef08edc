import { z } from 'zod';
import { boundedJson, checkBodyBounds } from './jsonLimits.js';

/**
 * `POST /v1/chat/completions` body. Objects are loose: unknown fields are accepted and
 * ignored (clients send many we do not use); a known field of the wrong type or range is a 400.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */

/** OpenAI's own cap on `tools`. */
export const MAX_TOOLS = 128;
export const MAX_CONTENT_PARTS = 1024;

const jsonSchema = boundedJson();

const contentPart = z.looseObject({ type: z.string() });
const content = z.union([
  z.string(),
  z.array(contentPart).max(MAX_CONTENT_PARTS, `at most ${MAX_CONTENT_PARTS} content parts`),
]);

const toolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('system'), content }),
  z.looseObject({ role: z.literal('developer'), content }),
  z.looseObject({ role: z.literal('user'), content }),
  z.looseObject({
    role: z.literal('assistant'),
    content: content.nullable().optional(),
    tool_calls: z.array(toolCall).nullable().optional(),
  }),
  z.looseObject({ role: z.literal('tool'), content, tool_call_id: z.string().min(1) }),
  z.looseObject({ role: z.literal('function'), content: content.nullable(), name: z.string().min(1) }),
]);

const tool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of a-z, A-Z, 0-9, _ or -'),
    description: z.string().optional(),
    parameters: jsonSchema.optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const toolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of a-z, A-Z, 0-9, _ or -'),
      description: z.string().optional(),
      schema: jsonSchema.optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const penalty = z.number().min(-2).max(2).nullable().optional();
const tokenCap = z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable().optional();

export const chatCompletionRequestSchema = z
  .looseObject({
    model: z.string().max(256).optional(),
    messages: z.array(message).min(1, 'must contain at least one message'),
    stream: z.boolean().nullable().optional(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    max_tokens: tokenCap,
    max_completion_tokens: tokenCap,
    stop: z
      .union([z.string().min(1), z.array(z.string().min(1)).max(4, 'at most 4 stop sequences')])
      .nullable()
      .optional(),
    seed: z.number().int().nullable().optional(),
    presence_penalty: penalty,
    frequency_penalty: penalty,
    n: z
      .number()
      .refine((n) => n === 1, 'only n = 1 is supported')
      .nullable()
      .optional(),
    tools: z.array(tool).max(MAX_TOOLS, `at most ${MAX_TOOLS} tools`).nullable().optional(),
    tool_choice: toolChoice.nullable().optional(),
    /** Only a string selects a session; Open WebUI may send an object, which is ignored. */
    user: z.unknown().optional(),
    response_format: responseFormat.nullable().optional(),
  })
  .superRefine(checkBodyBounds);

export type ChatCompletionRequest = z.output<typeof chatCompletionRequestSchema>;
export type RequestMessage = ChatCompletionRequest['messages'][number];

/** `messages[0].content` style, as OpenAI names a parameter in its errors. */
export function paramOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? String(seg) : `.${String(seg)}`;
  return out;
}
