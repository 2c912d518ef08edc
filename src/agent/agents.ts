import type { AgentMapEntry, GatewayConfig, ModelRef } from '../config/schema.js';

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
  /** The default agent; when `selectionRequired`, only the first agent, shown where one must be named. */
  defaultId: string;
  /** Several `agents.entries` and none marked default: a request must name its agent. */
  selectionRequired?: boolean;
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

/** OpenClaw's default provider for a bare model id. */
const DEFAULT_PROVIDER = 'anthropic';

/** A model ref as written: `provider/model`, an alias from `agents.defaults.models`, or a bare id. */
function resolveRef(ref: string, aliases: ReadonlyMap<string, string>): string {
  if (ref.includes('/')) return ref;
  return aliases.get(ref.toLowerCase()) ?? `${DEFAULT_PROVIDER}/${ref}`;
}

function refs(model: ModelRef | undefined, aliases: ReadonlyMap<string, string>): string[] | undefined {
  if (model === undefined) return undefined;
  const written = typeof model === 'string' ? [model] : [model.primary, ...model.fallbacks];
  return written.map((ref) => resolveRef(ref, aliases));
}

type AgentSource = Partial<AgentMapEntry> & { id: string; tools?: string[] };

/**
 * Built once from config at startup; never on the request path. `agents.entries` (OpenClaw's current
 * map form) wins over `agents.list` (the older array); `agents.defaults` fills what an agent leaves unset.
 */
export function buildAgentRegistry(config: GatewayConfig): AgentRegistry {
  const defaults = config.agents.defaults;
  const aliases = new Map<string, string>();
  for (const [ref, settings] of Object.entries(defaults.models)) {
    if (settings.alias) aliases.set(settings.alias.toLowerCase(), ref);
  }
  const defaultModels = refs(defaults.model, aliases) ?? [LOCAL_ECHO_MODEL];
  const mapForm = Object.entries(config.agents.entries);
  const sources: AgentSource[] =
    mapForm.length > 0
      ? mapForm.map(([id, entry]) => ({ ...entry, id }))
      : config.agents.list.length > 0
        ? config.agents.list
        : [{ id: 'main' }];
  const list: AgentDefinition[] = [];
  const seen = new Set<string>();
  for (const entry of sources) {
    const id = normalizeAgentId(entry.id);
    if (seen.has(id)) continue;
    seen.add(id);
    list.push({
      id,
      name: entry.identity?.name ?? entry.name ?? id,
      models: refs(entry.model, aliases) ?? defaultModels,
      systemPrompt: entry.systemPrompt ?? defaults.systemPrompt,
      workspace: entry.workspace ?? defaults.workspace,
      timeoutSeconds: entry.timeoutSeconds ?? defaults.timeoutSeconds,
      tools: entry.tools ?? defaults.tools,
      embeddingModel: entry.embeddingModel ?? defaults.embeddingModel,
    });
  }
  const marked = sources.find((a) => a.default === true);
  let defaultId: string | undefined;
  if (marked) defaultId = normalizeAgentId(marked.id);
  else if (list.length === 1) defaultId = list[0]!.id;
  else if (mapForm.length === 0) {
    // agents.list: `main` when present, else the first entry (OpenClaw's rule for the array form).
    defaultId = seen.has('main') ? 'main' : list[0]!.id;
  }
  // agents.entries with several agents and none marked: OpenClaw requires the caller to pick one.
  const byId = new Map(list.map((a) => [a.id, a]));
  return {
    defaultId: defaultId ?? list[0]!.id,
    ...(defaultId === undefined ? { selectionRequired: true } : {}),
    list,
    get: (id) => byId.get(id),
  };
}
