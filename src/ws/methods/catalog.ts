import { z } from 'zod';
import { defineMethod } from './method.js';

const noParams = z.object({}).optional();

/** `agents.list` result. */
export interface AgentsListResult {
  defaultId: string;
  mainKey: string;
  scope: 'per-sender';
  agents: { id: string; name: string; model?: string; fallbacks?: string[] }[];
}

export const agentsListMethod = defineMethod({
  name: 'agents.list',
  scope: 'read',
  params: noParams,
  handle: (_params, { ctx }): AgentsListResult => ({
    defaultId: ctx.agents.defaultId,
    mainKey: 'main',
    scope: 'per-sender',
    agents: ctx.agents.list.map((a) => ({
      id: a.id,
      name: a.name,
      model: a.models[0],
      ...(a.models.length > 1 ? { fallbacks: a.models.slice(1) } : {}),
    })),
  }),
});

interface ModelEntry {
  id: string;
  name: string;
  provider: string;
  ref: string;
  contextWindow?: number;
  maxTokens?: number;
}

/** Models of configured providers, then any model an agent names that no provider lists. */
export const modelsListMethod = defineMethod({
  name: 'models.list',
  scope: 'read',
  params: noParams,
  handle(_params, { ctx }) {
    const models = new Map<string, ModelEntry>();
    for (const [provider, config] of Object.entries(ctx.config.models.providers)) {
      for (const m of config.models) {
        const ref = `${provider}/${m.id}`;
        models.set(ref, {
          id: m.id,
          name: m.name ?? m.id,
          provider,
          ref,
          ...(m.contextWindow !== undefined ? { contextWindow: m.contextWindow } : {}),
          ...(m.maxTokens !== undefined ? { maxTokens: m.maxTokens } : {}),
        });
      }
    }
    for (const agent of ctx.agents.list) {
      for (const ref of agent.models) {
        if (models.has(ref)) continue;
        const slash = ref.indexOf('/');
        const id = ref.slice(slash + 1);
        models.set(ref, { id, name: id, provider: ref.slice(0, slash), ref });
      }
    }
    return { models: [...models.values()] };
  },
});
