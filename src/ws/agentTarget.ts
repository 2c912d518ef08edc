import { normalizeAgentId, type AgentRegistry } from '../agent/agents.js';
import { GatewayError, invalidRequest } from './errorCodes.js';

/** The same rule as the HTTP header `x-openclaw-session-key`. */
const SESSION_KEY = /^[A-Za-z0-9_:./-]{1,512}$/;
const AGENT_PREFIX = /^agent:([^:]+):/;

export interface AgentTarget {
  agentId: string;
  sessionKey: string;
}

/**
 * Which agent and session a WS or CLI turn runs on: an explicit `agentId`, else the one a
 * `agent:<id>:...` session key names, else the default; without a key, the agent's main session.
 */
export function resolveAgentTarget(
  agents: AgentRegistry,
  input: { agentId?: string; sessionKey?: string },
): AgentTarget {
  const { sessionKey } = input;
  if (sessionKey !== undefined && !SESSION_KEY.test(sessionKey)) {
    throw invalidRequest('sessionKey must be 1-512 characters of [A-Za-z0-9_:./-]', {
      code: 'INVALID_PARAMS',
      param: 'sessionKey',
    });
  }
  const fromKey = sessionKey === undefined ? undefined : AGENT_PREFIX.exec(sessionKey)?.[1];
  const requested =
    input.agentId !== undefined
      ? normalizeAgentId(input.agentId)
      : fromKey !== undefined
        ? normalizeAgentId(fromKey)
        : undefined;
  if (requested === undefined && agents.selectionRequired) {
    throw invalidRequest(
      `several agents are configured and none is the default: name one (agentId); configured: ${agents.list.map((a) => a.id).join(', ')}`,
      { code: 'INVALID_PARAMS', param: 'agentId' },
    );
  }
  const agentId = requested ?? agents.defaultId;
  if (agents.get(agentId) === undefined) {
    throw new GatewayError({
      code: 'INVALID_REQUEST',
      message: `unknown agent id "${agentId}"; configured: ${agents.list.map((a) => a.id).join(', ')}`,
      details: { code: 'UNKNOWN_AGENT' },
    });
  }
  if (fromKey !== undefined && input.agentId !== undefined && normalizeAgentId(fromKey) !== agentId) {
    throw invalidRequest(`sessionKey belongs to agent "${fromKey}", not "${agentId}"`, {
      code: 'INVALID_PARAMS',
      param: 'sessionKey',
    });
  }
  return { agentId, sessionKey: sessionKey ?? `agent:${agentId}:main` };
}
