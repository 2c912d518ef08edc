import { z } from 'zod';
import { boundedJson, checkBodyBounds } from '../openai/jsonLimits.js';
import { MAX_CONTENT_PARTS, MAX_TOOLS } from '../openai/requestSchema.js';

/**
 * `POST /v1/responses` body. Objects are loose and unknown item or tool types pass: real
 * clients (coding agents, the AI SDK) send many we do not use, and a request must not fail
 * for them. A known field of the wrong type or range is a 400 naming it.
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */

const part = z.looseObject({ type: z.string() });
const parts = z.array(part).max(MAX_CONTENT_PARTS, `at most ${MAX_CONTENT_PARTS} content parts`);
const messageContent = z.union([z.string(), parts]);

/** One `input` item; the `type` of a message item may be left out, as OpenAI allows. */
const inputItem = z.union([
  z.looseObject({
    type: z.literal('message').optional(),
    role: z.enum(['user', 'assistant', 'system', 'developer']),
    content: messageContent,
  }),
  z.looseObject({
    type: z.literal('function_call'),
    call_id: z.string().min(1),
    name: z.string().min(1),
    arguments: z.string(),
    namespace: z.string().nullish(),
  }),
  z.looseObject({
    type: z.literal('function_call_output'),
    call_id: z.string().min(1),
    output: z.union([z.string(), parts]),
  }),
  z.looseObject({ type: z.literal('item_reference'), id: z.string().min(1) }),
  // reasoning, web_search_call, local_shell_call...: accepted and left out.
  z.looseObject({
    type: z.string().refine((t) => !['message', 'function_call', 'function_call_output', 'item_reference'].includes(t)),
  }),
]);

const functionName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of a-z, A-Z, 0-9, _ or -');

const functionTool = z.looseObject({
  type: z.literal('function'),
  name: functionName,
  description: z.string().nullish(),
  parameters: boundedJson().nullish(),
  strict: z.boolean().nullish(),
});

const namespaceTool = z.looseObject({
  type: z.literal('namespace'),
  name: functionName,
  description: z.string().nullish(),
  tools: z.array(part).max(MAX_TOOLS, `at most ${MAX_TOOLS} tools`),
});

/** Function and namespace tools are offered to the model; hosted tools (web_search, ...) are left out. */
const tool = z.union([
  functionTool,
  namespaceTool,
  z.looseObject({ type: z.string().refine((t) => t !== 'function' && t !== 'namespace') }),
]);

const toolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.looseObject({ type: z.literal('function'), name: z.string().min(1) }),
  // allowed_tools, hosted tool types, mcp, custom: treated as "auto".
  z.looseObject({ type: z.string().refine((t) => t !== 'function') }),
]);

/** `text.format`: a JSON schema the output must follow is bounded like a tool's parameters. */
const textConfig = z.looseObject({
  format: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('text') }),
      z.looseObject({ type: z.literal('json_object') }),
      z.looseObject({
        type: z.literal('json_schema'),
        name: functionName,
        schema: boundedJson(),
        strict: z.boolean().nullish(),
      }),
    ])
    .nullish(),
});

export const responsesRequestSchema = z
  .looseObject({
    model: z.string().max(256).optional(),
    input: z.union([z.string(), z.array(inputItem)]),
    instructions: z.string().nullish(),
    tools: z.array(tool).max(MAX_TOOLS, `at most ${MAX_TOOLS} tools`).nullish(),
    tool_choice: toolChoice.nullish(),
    text: textConfig.nullish(),
    stream: z.boolean().nullish(),
    store: z.boolean().nullish(),
    previous_response_id: z.string().min(1).nullish(),
    max_output_tokens: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
    /** Only a string selects a session. */
    user: z.unknown().optional(),
  })
  .superRefine(checkBodyBounds);

export type ResponsesRequest = z.output<typeof responsesRequestSchema>;
export type InputItem = Extract<ResponsesRequest['input'], unknown[]>[number];
export type RequestTool = NonNullable<ResponsesRequest['tools']>[number];
