import { Hono } from 'hono';
import type { GatewayContext } from '../../context.js';
import type { HttpEdge } from '../httpEdge.js';
import type { AppEnv } from '../env.js';
import { chatCompletionsRoutes } from './chatCompletions.js';
import { modelsRoutes } from './models.js';

/** The OpenAI-compatible surface under `/v1`, behind the gateway's auth. */
export function openAiRoutes(ctx: GatewayContext, edge: HttpEdge): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .route('/models', modelsRoutes(ctx.agents))
    .route('/chat/completions', chatCompletionsRoutes(ctx, edge));
}
