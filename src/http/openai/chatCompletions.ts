import { Hono } from 'hono';
import { zValidator } from '@hono/zod-validator';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { RunFailure, type RunResult } from '../../agent/events.js';
import type { RunHandle, RunInput } from '../../agent/runtime.js';
import type { ToolChoice } from '../../messages.js';
import type { GatewayContext } from '../../context.js';
import type { HttpEdge } from '../httpEdge.js';
import type { AppEnv } from '../env.js';
import { serverTiming } from '../serverTiming.js';
import { sseKeepalive } from '../sseKeepalive.js';
import type { SseSink } from '../sseStream.js';
import { resolveAgentId, resolveSessionKey, statelessTarget } from './agentTarget.js';
import { createChunkAdapter, finishReasonOf, usageBody } from './chunkAdapter.js';
import { errorResponse } from './errors.js';
import { chatCompletionRequestSchema, type ChatCompletionRequest } from './requestSchema.js';
import { limitedBody, rejectInvalidBody } from './invalidBody.js';
import { httpErrorOf } from './runErrors.js';
import { toRunMessages } from './runMessages.js';
import { openWebUiChatId, taskPromptMatcher } from './openWebUi.js';
import { idempotencyGate } from './idempotentAnswer.js';

const newId = () => crypto.randomUUID().replaceAll('-', '');

/**
 * `POST /v1/chat/completions`: one agent run per request, adapted to OpenAI's wire format.
 * @see docs/chat-completions-contract.md (what the endpoint promises; "contract point N" refers to its list)
 */
export function chatCompletionsRoutes(ctx: GatewayContext, edge: HttpEdge): Hono<AppEnv> {
  const settings = ctx.config.gateway.http.endpoints.chatCompletions;
  const isTaskPrompt = taskPromptMatcher(settings.openWebUi.taskPatterns);
  const sessionPerChat = settings.openWebUi.sessionPerChat;

  return new Hono<AppEnv>()
    .post(
      '/',
      limitedBody(settings.maxBodyBytes, edge.readBody),
      zValidator('json', chatCompletionRequestSchema, rejectInvalidBody),
      async (c) => {
        const body = c.req.valid('json');
        const agentId = resolveAgentId(
          ctx.agents,
          body.model,
          c.req.header('x-openclaw-agent-id') ?? c.req.header('x-openclaw-agent'),
        );
        // A housekeeping prompt is one plain model call on a throwaway key: the user's session never sees it.
        const plain = isTaskPrompt(body.messages);
        const target = plain
          ? statelessTarget(agentId, newId)
          : resolveSessionKey(
              agentId,
              c.req.header('x-openclaw-session-key'),
              body.user,
              newId,
              'openai',
              sessionPerChat ? openWebUiChatId(c.req.header('x-openwebui-chat-id')) : undefined,
            );
        const { messages, extraSystemPrompt } = toRunMessages(body.messages, settings.images);
        const runId = `chatcmpl-${newId()}`;
        const model = body.model ?? 'openclaw';
        const created = Math.floor(Date.now() / 1000);

        const stream = body.stream === true;
        const gate = await idempotencyGate(
          c,
          ctx.idempotency,
          async () => [target.stateless ? '' : target.sessionKey, agentId, await c.req.text()],
          stream,
          edge.sse,
        );
        if ('respond' in gate) return gate.respond;
        const { recorder } = gate;

        const input: RunInput = {
          ...target,
          runId,
          messages,
          extraSystemPrompt,
          plain,
          clientTools: plain
            ? undefined
            : body.tools?.map((t) => ({
                name: t.function.name,
                description: t.function.description,
                parameters: t.function.parameters,
              })),
          toolChoice: plain ? undefined : toolChoiceOf(body.tool_choice),
          sampling: samplingOf(body),
          // A keyed request outlives its connection: the client's retry picks the answer up.
          signal: recorder === undefined ? edge.requestSignal(c) : undefined,
        };
        let handle: RunHandle;
        try {
          handle = ctx.runtime.start(input);
        } catch (err) {
          const failed =
            err instanceof RunFailure ? errorResponse(httpErrorOf(err.error)) : errorResponse({ kind: 'internal' });
          recorder?.json({ status: failed.status, body: await failed.clone().text(), headers: {} });
          if (err instanceof RunFailure) return failed;
          throw err;
        }

        c.set('run', { agentId: handle.agentId, model, stream, result: handle.result });

        if (!stream) {
          const result = await handle.result;
          c.set('providerMs', result.providerMs);
          if (result.error) {
            const failed = errorResponse(httpErrorOf(result.error));
            recorder?.json({ status: failed.status, body: await failed.clone().text(), headers: {} });
            return failed;
          }
          const json = JSON.stringify(completionOf(result, runId, created, model));
          recorder?.json({ status: 200, body: json, headers: {} });
          c.header('server-timing', serverTiming(c.get('startedAt'), result.providerMs));
          return c.body(json, 200, { 'content-type': 'application/json' });
        }

        const adapter = createChunkAdapter({
          id: runId,
          created,
          model,
          includeUsage: body.stream_options?.include_usage === true,
          toolProgress: settings.toolProgress,
        });
        c.header('x-accel-buffering', 'no');
        c.header('server-timing', serverTiming(c.get('startedAt')));
        const send = (sink: SseSink, payload: string): Promise<void> => {
          recorder?.frame(payload);
          return sink.data(payload);
        };
        return edge.sse(c, async (stream) => {
          if (recorder === undefined) stream.onAbort(() => handle.abort('client disconnected'));
          await send(stream, adapter.start());
          const keepalive = sseKeepalive(stream, settings.keepaliveMs);
          try {
            for await (const event of handle.events) {
              for (const data of adapter.onEvent(event)) await send(stream, data);
              keepalive.touch();
            }
            if (!stream.aborted || recorder !== undefined) await send(stream, '[DONE]');
          } finally {
            keepalive.stop();
            recorder?.endStream((await handle.result).error === undefined);
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
