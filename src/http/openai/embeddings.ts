import { Hono, type Context } from 'hono';
import { zValidator } from '@hono/zod-validator';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import { z } from 'zod';
import { LOCAL_ECHO_MODEL, type AgentDefinition } from '../../agent/agents.js';
import type { GatewayContext } from '../../context.js';
import { embed } from '../../providers/embeddings.js';
import { ProviderError, type ResolvedModel } from '../../providers/types.js';
import type { AppEnv } from '../env.js';
import type { HttpEdge } from '../httpEdge.js';
import { resolveAgentId } from './agentTarget.js';
import { errorResponse, openAiException, type OpenAiError } from './errors.js';
import { limitedBody, rejectInvalidBody } from './invalidBody.js';

/** OpenAI's own limit on inputs per request. */
const MAX_INPUTS = 2048;

const embeddingsRequestSchema = z.looseObject({
  model: z.string().max(256).optional(),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1, 'must hold at least one string').max(MAX_INPUTS, `at most ${MAX_INPUTS} inputs`),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().max(65_536).optional(),
  user: z.unknown().optional(),
});

/**
 * `POST /v1/embeddings`: `model` picks the agent as everywhere; the agent's embedding model
 * (`agents.*.embeddingModel`, or the `x-openclaw-model` header) answers.
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */
export function embeddingsRoutes(ctx: GatewayContext, edge: HttpEdge): Hono<AppEnv> {
  const maxBodyBytes = ctx.config.gateway.http.endpoints.chatCompletions.maxBodyBytes;
  return new Hono<AppEnv>()
    .post(
      '/',
      limitedBody(maxBodyBytes, edge.readBody),
      zValidator('json', embeddingsRequestSchema, rejectInvalidBody),
      async (c) => {
        const body = c.req.valid('json');
        const agentId = resolveAgentId(
          ctx.agents,
          body.model,
          c.req.header('x-openclaw-agent-id') ?? c.req.header('x-openclaw-agent'),
        );
        const model = embeddingModelOf(ctx, ctx.agents.get(agentId)!, c);
        const input = typeof body.input === 'string' ? [body.input] : body.input;
        let result: Awaited<ReturnType<typeof embed>>;
        try {
          result = await embed({ model, input, dimensions: body.dimensions, signal: c.req.raw.signal });
        } catch (err) {
          if (err instanceof ProviderError) return errorResponse(providerErrorOf(err));
          throw err;
        }
        const base64 = body.encoding_format === 'base64';
        const response = {
          object: 'list',
          data: result.vectors.map((vector, index) => ({
            object: 'embedding',
            index,
            embedding: base64 ? toBase64(vector) : vector,
          })),
          model: body.model ?? 'openclaw',
          usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens },
        };
        return c.json(response as CreateEmbeddingResponse);
      },
    )
    .all('/', () => errorResponse({ kind: 'method_not_allowed', allow: 'POST' }));
}

/** The header names a model (`provider/model`, or a bare id on the agent's provider); else the agent's config. */
function embeddingModelOf(ctx: GatewayContext, agent: AgentDefinition, c: Context): ResolvedModel {
  const header = c.req.header('x-openclaw-model')?.trim();
  const primary = agent.models[0] ?? LOCAL_ECHO_MODEL;
  const ref = header
    ? header.includes('/')
      ? header
      : `${primary.slice(0, primary.indexOf('/'))}/${header}`
    : (agent.embeddingModel ?? (primary === LOCAL_ECHO_MODEL ? LOCAL_ECHO_MODEL : undefined));
  if (ref === undefined) {
    throw openAiException({
      kind: 'invalid_request',
      param: 'model',
      code: 'embedding_model_not_configured',
      message: `Agent '${agent.id}' has no embedding model: set agents.list[].embeddingModel (or agents.defaults.embeddingModel) to "<provider>/<model>", or send the x-openclaw-model header.`,
    });
  }
  const resolved = ctx.models.resolve(ref);
  if (resolved === undefined) {
    throw openAiException({
      kind: 'invalid_request',
      param: header ? null : 'model',
      code: 'model_not_found',
      message: `Invalid embedding model '${ref}': its provider is not configured.`,
    });
  }
  return resolved;
}

function providerErrorOf(err: ProviderError): OpenAiError {
  if (err.kind === 'client') return { kind: 'invalid_request', message: err.message, param: null };
  if (err.kind === 'rate_limited') return { kind: 'rate_limited', message: err.message, retryAfterMs: 1000 };
  return { kind: 'upstream', message: err.message };
}

/** OpenAI's base64 form: the float32 values, little-endian. */
function toBase64(vector: number[]): string {
  const bytes = new Uint8Array(Float32Array.from(vector).buffer);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
