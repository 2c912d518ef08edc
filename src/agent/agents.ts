import type { GatewayConfig, ModelRef } from '../config/schema.js';

export const LOCAL_ECHO_MODEL = 'local/echo';
const AGENT_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface AgentDefinition {
  id: string;
  name: string;
  /** `provider/model` refs, primary first. */
  models: string[];
  systemPrompt?: string;
  workspace?: string;
  timeoutSeconds: number;
  /** Allow-list of built-in tool names; undefined means all built-ins. */
  tools?: string[];
  /** `provider/model` for embeddings; unset means none, unless the agent runs on local/echo. */
  embeddingModel?: string;
}

export interface AgentRegistry {
  defaultId: string;
  list: AgentDefinition[];
  get(id: string): AgentDefinition | undefined;
}

/** OpenClaw's normalisation: trim, lowercase, invalid runs to `-`, trim dashes, cap 64, empty to `main`. */
export function normalizeAgentId(raw: string): string {
  const id = raw
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return id === '' ? 'main' : id;
}

export function isValidAgentId(id: string): boolean {
  return AGENT_ID.test(id);
}

function refs(model: ModelRef | undefined): string[] | undefined {
  if (model === undefined) return undefined;
  return typeof model === 'string' ? [model] : [model.primary, ...model.fallbacks];
}

/** Built once from config at startup; never on the request path. */
export function buildAgentRegistry(config: GatewayConfig): AgentRegistry {
  const defaults = config.agents.defaults;
  const defaultModels = refs(defaults.model) ?? [LOCAL_ECHO_MODEL];
  const entries = config.agents.list.length > 0 ? config.agents.list : [{ id: 'main' }];
  const list: AgentDefinition[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = normalizeAgentId(entry.id);
    if (seen.has(id)) continue;
    seen.add(id);
    const e = entry as Partial<(typeof config.agents.list)[number]>;
    list.push({
      id,
      name: e.name ?? id,
      models: refs(e.model) ?? defaultModels,
      systemPrompt: e.systemPrompt ?? defaults.systemPrompt,
      workspace: e.workspace ?? defaults.workspace,
      timeoutSeconds: e.timeoutSeconds ?? defaults.timeoutSeconds,
      tools: e.tools ?? defaults.tools,
      embeddingModel: e.embeddingModel ?? defaults.embeddingModel,
    });
  }
  const marked = config.agents.list.find((a) => a.default === true);
  const defaultId = marked ? normalizeAgentId(marked.id) : (list[0]?.id ?? 'main');
  const byId = new Map(list.map((a) => [a.id, a]));
  return { defaultId, list, get: (id) => byId.get(id) };
}
