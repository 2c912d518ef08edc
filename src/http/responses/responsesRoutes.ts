import { Hono, type Context } from 'hono';
import { zValidator } from '@hono/zod-validator';
import { RunFailure } from '../../agent/events.js';
import type { ChatMessage } from '../../messages.js';
import type { RunHandle, RunInput } from '../../agent/runtime.js';
import type { GatewayContext } from '../../context.js';
import type { HttpEdge } from '../httpEdge.js';
import type { AppEnv } from '../env.js';
import { sseKeepalive } from '../sseKeepalive.js';
import { serverTiming } from '../serverTiming.js';
import { resolveAgentId, resolveSessionKey, type AgentTarget } from '../openai/agentTarget.js';
import { errorResponse, openAiException } from '../openai/errors.js';
import { limitedBody, rejectInvalidBody } from '../openai/invalidBody.js';
import { httpErrorOf } from '../openai/runErrors.js';
import { toClientTools } from './clientTools.js';
import { createResponseEventAdapter } from './eventAdapter.js';
import { toRunInput } from './inputItems.js';
import { responsesRequestSchema, type ResponsesRequest } from './requestSchema.js';
import { newItemId, responseShell, type WireEvent } from './responseObject.js';
import { ResponseStore } from './responseStore.js';

/**
 * `POST /v1/responses` (OpenResponses), `GET` and `DELETE /v1/responses/{id}`: one agent run
 * per request, the same run as chat completions, adapted to OpenAI's Responses wire.
 * @see https://platform.openai.com/docs/api-reference/responses
 */
export function responsesRoutes(ctx: GatewayContext, edge: HttpEdge): Hono<AppEnv> {
  const settings = ctx.config.gateway.http.endpoints.responses;
  const store = new ResponseStore({
    maxCount: settings.storedResponses.maxCount,
    maxBytes: settings.storedResponses.maxBytes,
    ttlMs: settings.storedResponses.ttlSeconds * 1000,
  });

  /** Which agent and session the request runs on: `previous_response_id` continues its conversation. */
  function targetOf(c: Context, body: ResponsesRequest) {
    const agentId = resolveAgentId(
      ctx.agents,
      body.model,
      c.req.header('x-openclaw-agent-id') ?? c.req.header('x-openclaw-agent'),
    );
    if (!body.previous_response_id) {
      const target = resolveSessionKey(
        agentId,
        c.req.header('x-openclaw-session-key'),
        body.user,
        newId,
        'openresponses',
      );
      return { target, previous: undefined };
    }
    const previous = store.get(body.previous_response_id);
    if (previous === undefined || previous.agentId !== agentId) {
      throw openAiException({
        kind: 'invalid_request',
        param: 'previous_response_id',
        code: 'previous_response_not_found',
        message:
          previous === undefined
            ? `Previous response with id '${body.previous_response_id}' not found.`
            : `Previous response with id '${body.previous_response_id}' belongs to another agent ('${previous.agentId}').`,
      });
    }
    const target: AgentTarget = { agentId, sessionKey: previous.sessionKey, stateless: previous.stateless };
    return { target, previous };
  }

  return new Hono<AppEnv>()
    .post(
      '/',
      limitedBody(settings.maxBodyBytes, edge.readBody),
      zValidator('json', responsesRequestSchema, rejectInvalidBody),
      async (c) => {
        const body = c.req.valid('json');
        const { target, previous } = targetOf(c, body);
        const tools = toClientTools(body.tools, body.tool_choice);
        const converted = toRunInput(body, {
          images: settings.images,
          files: settings.files,
          tools,
          storedItem: (id) => store.item(id),
        });
        const messages = previous?.history ? [...previous.history, ...converted.messages] : converted.messages;
        const id = newItemId('resp');
        const input: RunInput = {
          ...target,
          runId: id,
          messages,
          extraSystemPrompt: converted.extraSystemPrompt,
          clientTools: tools.specs.length > 0 ? tools.specs : undefined,
          toolChoice: tools.specs.length > 0 ? tools.toolChoice : undefined,
          sampling: {
            temperature: body.temperature ?? undefined,
            topP: body.top_p ?? undefined,
            maxTokens: body.max_output_tokens ?? undefined,
          },
          signal: edge.requestSignal(c),
        };
        let handle: RunHandle;
        try {
          handle = ctx.runtime.start(input);
        } catch (err) {
          if (err instanceof RunFailure) return errorResponse(httpErrorOf(err.error));
          throw err;
        }
        const adapter = createResponseEventAdapter(responseShell(id, Math.floor(Date.now() / 1000), body), tools);
        const bodyBytes = body.store === false ? 0 : (await c.req.text()).length;
        const keep = (): void => {
          if (body.store === false) return;
          const items = adapter.outputMessages();
          const outputBytes = items.reduce((n, i) => n + textLength(i.message), 0);
          store.put({
            response: adapter.response,
            ...target,
            history: target.stateless ? [...messages, ...items.map((i) => i.message)] : undefined,
            items,
            approxBytes: (previous?.approxBytes ?? 0) + bodyBytes + 2 * outputBytes,
          });
        };

        if (body.stream !== true) {
          for await (const event of handle.events) adapter.onEvent(event);
          const result = await handle.result;
          c.set('providerMs', result.providerMs);
          keep();
          if (result.error) return errorResponse(httpErrorOf(result.error));
          c.header('server-timing', serverTiming(c.get('startedAt'), result.providerMs));
          return c.json(adapter.response);
        }

        c.header('x-accel-buffering', 'no');
        c.header('server-timing', serverTiming(c.get('startedAt')));
        return edge.sse(c, async (stream) => {
          stream.onAbort(() => handle.abort('client disconnected'));
          let sequence = 0;
          const send = (events: WireEvent[]): Promise<void> => {
            let text = '';
            for (const event of events) {
              // The number goes last, appended to the serialised event rather than copied into it.
              const json = JSON.stringify(event);
              text += `event: ${event.type}\ndata: ${json.slice(0, -1)},"sequence_number":${sequence++}}\n\n`;
            }
            return stream.write(text);
          };
          await send(adapter.start());
          const keepalive = sseKeepalive(stream, settings.keepaliveMs);
          try {
            for await (const event of handle.events) {
              const events = adapter.onEvent(event);
              if (events.length === 0 || stream.aborted) continue;
              await send(events);
              keepalive.touch();
            }
          } finally {
            keepalive.stop();
            keep();
          }
        });
      },
    )
    .all('/', () => errorResponse({ kind: 'method_not_allowed', allow: 'POST' }))
    .get('/:id', (c) => c.json(storedOrThrow(store, c.req.param('id')).response))
    .delete('/:id', (c) => {
      const id = c.req.param('id');
      storedOrThrow(store, id);
      store.delete(id);
      return c.json({ id, object: 'response', deleted: true });
    })
    .all('/:id', () => errorResponse({ kind: 'method_not_allowed', allow: 'GET, DELETE' }));
}

const newId = () => crypto.randomUUID().replaceAll('-', '');

function textLength(message: ChatMessage): number {
  if (message.role !== 'assistant') return 0;
  return (message.content?.length ?? 0) + (message.toolCalls?.reduce((n, c) => n + c.arguments.length, 0) ?? 0);
}

function storedOrThrow(store: ResponseStore, id: string) {
  const stored = store.get(id);
  if (stored === undefined) {
    throw openAiException({ kind: 'not_found', message: `Response with id '${id}' not found.` });
  }
  return stored;
}
