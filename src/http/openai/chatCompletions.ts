import { Hono } from 'hono';
import { zValidator } from '@hono/zod-validator';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { RunFailure, type RunResult } from '../../agent/events.js';
import type { RunHandle, RunInput } from '../../agent/runtime.js';
import type { ToolChoice } from '../../messages.js';
import type { GatewayContext } from '../../context.js';
import type { HttpEdge } from '../httpEdge.js';
import type { AppEnv } from '../env.js';
import { bufferedBody } from '../bufferedBody.js';
import { honoSseStreamer } from '../sseStream.js';
import { resolveAgentId, resolveSessionKey } from './agentTarget.js';
import { createChunkAdapter, finishReasonOf, usageBody } from './chunkAdapter.js';
import { errorResponse, openAiException } from './errors.js';
import { chatCompletionRequestSchema, paramOf, type ChatCompletionRequest } from './requestSchema.js';
import { rejectInvalidBody } from './invalidBody.js';
import { httpErrorOf } from './runErrors.js';
import { toRunMessages } from './runMessages.js';

const newId = () => crypto.randomUUID().replaceAll('-', '');

/**
 * `POST /v1/chat/completions`: one agent run per request, adapted to OpenAI's wire format.
 * @see docs/chat-completions-contract.md (what the endpoint promises; "contract point N" refers to its list)
 */
export function chatCompletionsRoutes(
  ctx: GatewayContext,
  edge: Pick<HttpEdge, 'sse' | 'requestSignal' | 'readBody'> = {},
): Hono<AppEnv> {
  const settings = ctx.config.gateway.http.endpoints.chatCompletions;
  const streamEvents = edge.sse ?? honoSseStreamer;
  const requestSignal = edge.requestSignal ?? ((c: { req: { raw: Request } }) => c.req.raw.signal);

  return new Hono<AppEnv>()
    .post(
      '/',
      bufferedBody({
        maxSize: settings.maxBodyBytes,
        read: edge.readBody,
        onError: () => {
          throw openAiException({ kind: 'payload_too_large', limit: settings.maxBodyBytes });
        },
      }),
      zValidator('json', chatCompletionRequestSchema, rejectInvalidBody),
      async (c) => {
        const body = c.req.valid('json');
        const agentId = resolveAgentId(
          ctx.agents,
          body.model,
          c.req.header('x-openclaw-agent-id') ?? c.req.header('x-openclaw-agent'),
        );
        const target = resolveSessionKey(agentId, c.req.header('x-openclaw-session-key'), body.user, newId);
        const { messages, extraSystemPrompt } = toRunMessages(body.messages, settings.images);
        const runId = `chatcmpl-${newId()}`;
        const model = body.model ?? 'openclaw';
        const created = Math.floor(Date.now() / 1000);

        const input: RunInput = {
          ...target,
          runId,
          messages,
          extraSystemPrompt,
          clientTools: body.tools?.map((t) => ({
            name: t.function.name,
            description: t.function.description,
            parameters: t.function.parameters,
          })),
          toolChoice: toolChoiceOf(body.tool_choice),
          sampling: samplingOf(body),
          signal: requestSignal(c),
        };
        let handle: RunHandle;
        try {
          handle = ctx.runtime.start(input);
        } catch (err) {
          if (err instanceof RunFailure) return errorResponse(httpErrorOf(err.error));
          throw err;
        }

        if (body.stream !== true) {
          const result = await handle.result;
          if (result.error) return errorResponse(httpErrorOf(result.error));
          return c.json(completionOf(result, runId, created, model));
        }

        const adapter = createChunkAdapter({
          id: runId,
          created,
          model,
          includeUsage: body.stream_options?.include_usage === true,
        });
        c.header('x-accel-buffering', 'no');
        return streamEvents(c, async (stream) => {
          stream.onAbort(() => handle.abort('client disconnected'));
          await stream.data(adapter.start());
          let lastWrite = Date.now();
          const keepalive = setInterval(
            () => {
              if (Date.now() - lastWrite < settings.keepaliveMs) return;
              lastWrite = Date.now();
              // A comment line: SDKs skip it, unlike an empty event which they would try to parse.
              void stream.write(': keepalive\n\n');
            },
            Math.min(settings.keepaliveMs, 1000),
          );
          try {
            for await (const event of handle.events) {
              for (const data of adapter.onEvent(event)) await stream.data(data);
              lastWrite = Date.now();
            }
            if (!stream.aborted) await stream.data('[DONE]');
          } finally {
            clearInterval(keepalive);
          }
        });
      },
    )
    .all('/', () => errorResponse({ kind: 'method_not_allowed', allow: 'POST' }));
}

function toolChoiceOf(choice: ChatCompletionRequest['tool_choice']): ToolChoice | undefined {
  if (choice == null) return undefined;
  return typeof choice === 'string' ? choice : { name: choice.function.name };
}

function samplingOf(body: ChatCompletionRequest): RunInput['sampling'] {
  return {
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    stop: body.stop == null ? undefined : typeof body.stop === 'string' ? [body.stop] : body.stop,
    seed: body.seed ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
  };
}

function completionOf(result: RunResult, id: string, created: number, model: string): ChatCompletion {
  const toolCalls = result.toolCalls.map((tc) => ({
    id: tc.id,
    type: 'function' as const,
    function: { name: tc.name, arguments: tc.arguments },
  }));
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: toolCalls.length > 0 && result.text === '' ? null : result.text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: finishReasonOf(result.stopReason),
      },
    ],
    usage: usageBody(result.usage),
  };
}
