import { Hono } from 'hono';
import type { AgentRegistry } from '../../agent/agents.js';
import type { AppEnv } from '../env.js';
import { errorResponse, openAiException } from './errors.js';

interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  /** Display name; Open WebUI shows it instead of the id. */
  name: string;
}

/** `openclaw`, `openclaw/default`, then `openclaw/<id>` per agent: computed once at startup. */
export function agentModels(agents: AgentRegistry): ModelObject[] {
  const def = agents.get(agents.defaultId);
  const model = (id: string, name: string): ModelObject => ({
    id,
    object: 'model',
    created: 0,
    owned_by: 'openclaw',
    name,
  });
  const perAgent = agents.list.map((a) => model(`openclaw/${a.id}`, a.name));
  // Without a default agent, `openclaw` names nothing: only the agents themselves are listed.
  if (agents.selectionRequired) return perAgent;
  return [
    model('openclaw', `OpenClaw (${def?.name ?? agents.defaultId})`),
    model('openclaw/default', `OpenClaw default agent (${def?.name ?? agents.defaultId})`),
    ...perAgent,
  ];
}

export function modelsRoutes(agents: AgentRegistry): Hono<AppEnv> {
  const models = agentModels(agents);
  const byId = new Map(models.map((m) => [m.id, m]));
  const listBody = JSON.stringify({ object: 'list', data: models });

  return new Hono<AppEnv>()
    .get('/', (c) => c.body(listBody, 200, { 'content-type': 'application/json' }))
    .get('/:id{.+}', (c) => {
      const id = c.req.param('id');
      const found = byId.get(id);
      if (!found) {
        throw openAiException({
          kind: 'not_found',
          code: 'model_not_found',
          message: `The model '${id}' does not exist. Valid models: ${models.map((m) => m.id).join(', ')}.`,
        });
      }
      return c.json(found);
    })
    .all('/', () => errorResponse({ kind: 'method_not_allowed', allow: 'GET' }))
    .all('/:id{.+}', () => errorResponse({ kind: 'method_not_allowed', allow: 'GET' }));
}
