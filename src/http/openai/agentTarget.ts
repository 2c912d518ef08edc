import { type AgentRegistry, isValidAgentId, normalizeAgentId } from '../../agent/agents.js';
import { openAiException } from './errors.js';

export interface AgentTarget {
  agentId: string;
  sessionKey: string;
  stateless: boolean;
}

const SESSION_KEY = /^[A-Za-z0-9_:./-]{1,512}$/;
const MAX_USER = 256;

/** Contract point 4: the header wins, then the `model` forms; anything else is 404 listing valid ids. */
export function resolveAgentId(agents: AgentRegistry, model: string | undefined, header: string | undefined): string {
  const fromHeader = header?.trim();
  if (fromHeader) return known(agents, normalizeAgentId(fromHeader));
  const m = (model ?? 'openclaw').trim().toLowerCase();
  if (m === 'openclaw' || m === 'openclaw/default') {
    if (agents.selectionRequired) {
      throw openAiException({
        kind: 'invalid_request',
        param: 'model',
        code: 'agent_selection_required',
        message: `Several agents are configured and none is the default: name one with model "openclaw/<agentId>" or the x-openclaw-agent-id header. Agents: ${agents.list.map((a) => a.id).join(', ')}.`,
      });
    }
    return agents.defaultId;
  }
  const match = /^(?:openclaw[:/]|agent:)(.+)$/.exec(m);
  if (match?.[1] && isValidAgentId(match[1])) return known(agents, match[1]);
  throw unknownModel(agents, model ?? '');
}

function known(agents: AgentRegistry, id: string): string {
  if (agents.get(id)) return id;
  throw unknownModel(agents, id);
}

function unknownModel(agents: AgentRegistry, asked: string) {
  const valid = [
    ...(agents.selectionRequired ? [] : ['openclaw', 'openclaw/default']),
    ...agents.list.map((a) => `openclaw/${a.id}`),
  ];
  return openAiException({
    kind: 'not_found',
    code: 'model_not_found',
    message: `The model '${asked}' does not exist or names no configured agent. Valid models: ${valid.join(', ')} (or openclaw:<agentId>, agent:<agentId>).`,
  });
}

/**
 * Contract point 5: explicit key as is; else `user`-derived; else, given Open WebUI's chat id,
 * one session per chat; else a fresh stateless key.
 * `prefix` names the endpoint in derived keys: `openai` for chat completions, `openresponses` for responses.
 */
export function resolveSessionKey(
  agentId: string,
  header: string | undefined,
  user: unknown,
  newId: () => string,
  prefix: 'openai' | 'openresponses' = 'openai',
  chatId?: string,
): AgentTarget {
  const explicit = header?.trim();
  if (explicit) {
    if (!SESSION_KEY.test(explicit) || explicit.includes('..')) {
      throw openAiException({
        kind: 'invalid_request',
        param: null,
        code: 'invalid_session_key',
        message: 'Invalid x-openclaw-session-key: use at most 512 characters of A-Z a-z 0-9 _ : . / - (no "..").',
      });
    }
    return { agentId, sessionKey: explicit, stateless: false };
  }
  if (typeof user === 'string' && user.trim() !== '') {
    if (user.length > MAX_USER) {
      throw openAiException({
        kind: 'invalid_request',
        param: 'user',
        code: 'invalid_value',
        message: `Invalid value for 'user': at most ${MAX_USER} characters (it names the session).`,
      });
    }
    return { agentId, sessionKey: `agent:${agentId}:${prefix}-user:${user.trim().toLowerCase()}`, stateless: false };
  }
  if (chatId !== undefined) return { agentId, sessionKey: `agent:${agentId}:openwebui:${chatId}`, stateless: false };
  return statelessTarget(agentId, newId, prefix);
}

export function statelessTarget(
  agentId: string,
  newId: () => string,
  prefix: 'openai' | 'openresponses' = 'openai',
): AgentTarget {
  return { agentId, sessionKey: `agent:${agentId}:${prefix}:${newId()}`, stateless: true };
}
