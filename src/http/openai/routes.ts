import { Hono } from 'hono';
import type { GatewayContext } from '../../context.js';
import type { HttpEdge } from '../httpEdge.js';
import type { AppEnv } from '../env.js';
import { responsesRoutes } from '../responses/responsesRoutes.js';
import { chatCompletionsRoutes } from './chatCompletions.js';
import { embeddingsRoutes } from './embeddings.js';
import { modelsRoutes } from './models.js';

/** The OpenAI-compatible surface under `/v1`, behind the gateway's auth: models and embeddings with either endpoint. */
export function openAiRoutes(ctx: GatewayContext, edge: HttpEdge): Hono<AppEnv> {
  const { chatCompletions, responses } = ctx.config.gateway.http.endpoints;
  const app = new Hono<AppEnv>()
    .route('/models', modelsRoutes(ctx.agents))
    .route('/embeddings', embeddingsRoutes(ctx, edge));
  if (chatCompletions.enabled) app.route('/chat/completions', chatCompletionsRoutes(ctx, edge));
  if (responses.enabled) app.route('/responses', responsesRoutes(ctx, edge));
  return app;
}
