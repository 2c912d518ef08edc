import type { Response, ResponseError, ResponseStreamEvent, ResponseUsage } from 'openai/resources/responses/responses';
import type { RunError } from '../../agent/events.js';
import type { Usage } from '../../messages.js';
import type { ResponsesRequest } from './requestSchema.js';

/** The `response` object as OpenAI sends it (`output_text` is added by the SDK, not the wire). */
export type WireResponse = Omit<Response, 'output_text'>;

/** A stream event before the adapter numbers it, with the wire form of any `response` it carries. */
export type WireEvent = ResponseStreamEvent extends infer E
  ? E extends ResponseStreamEvent
    ? E extends { response: Response }
      ? Omit<E, 'sequence_number' | 'response'> & { response: WireResponse }
      : Omit<E, 'sequence_number'>
    : never
  : never;

/** `<prefix>_` + 32 hex digits, as OpenAI's `resp_`, `msg_`, `fc_` ids. */
export function newItemId(prefix: 'resp' | 'msg' | 'fc'): string {
  return `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`;
}

/** The request's settings echoed on every snapshot of one response. */
export function responseShell(id: string, createdAt: number, body: ResponsesRequest): WireResponse {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: body.model ?? 'openclaw',
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: body.store !== false,
    temperature: body.temperature ?? 1,
    text: { format: { type: 'text' } },
    tool_choice: (body.tool_choice ?? 'auto') as Response['tool_choice'],
    tools: (body.tools ?? []) as Response['tools'],
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    metadata: body.metadata ?? {},
    ...(typeof body.user === 'string' ? { user: body.user } : {}),
  } as WireResponse;
}

export function usageOf(u: Usage): ResponseUsage {
  return {
    input_tokens: u.promptTokens,
    input_tokens_details: { cached_tokens: u.cachedTokens, cache_write_tokens: 0 },
    output_tokens: u.completionTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.totalTokens,
  };
}

/** `response.error` for a run that failed after it started. */
export function responseErrorOf(error: RunError): ResponseError {
  return { code: error.code === 'busy' ? 'rate_limit_exceeded' : 'server_error', message: error.message };
}
