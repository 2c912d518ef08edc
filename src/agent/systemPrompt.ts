import type { Logger } from '../log.js';
import type { AgentDefinition } from './agents.js';
import type { WorkspaceFiles } from './workspace.js';

/** Workspace files that, when present, make up an agent's own system prompt, in this order. */
export const PROMPT_FILES = ['AGENTS.md', 'SOUL.md'] as const;
const MAX_PROMPT_FILE_BYTES = 256 * 1024;

export interface SystemPrompts {
  /** The agent's own prompt: read once per agent, then served from memory. */
  base(agent: AgentDefinition): Promise<string>;
}

export function createSystemPrompts(workspace: WorkspaceFiles, log: Logger): SystemPrompts {
  const cache = new Map<string, Promise<string>>();
  return {
    base(agent) {
      let prompt = cache.get(agent.id);
      if (prompt === undefined) {
        prompt = loadBase(agent, workspace, log);
        cache.set(agent.id, prompt);
      }
      return prompt;
    },
  };
}

async function loadBase(agent: AgentDefinition, workspace: WorkspaceFiles, log: Logger): Promise<string> {
  if (agent.systemPrompt !== undefined) return agent.systemPrompt;
  if (agent.workspace === undefined) return '';
  const root = agent.workspace;
  const texts = await Promise.all(
    PROMPT_FILES.map(async (name) => {
      try {
        return ((await workspace.readText(root, name, MAX_PROMPT_FILE_BYTES)) ?? '').trim();
      } catch (err) {
        log.log('warn', 'could not read workspace prompt file', { agentId: agent.id, file: name, error: String(err) });
        return '';
      }
    }),
  );
  return texts.filter((t) => t !== '').join('\n\n');
}

/** The client's system text goes after the agent's own, never in its place. */
export function composeSystemPrompt(base: string, extra: string | undefined): string {
  if (extra === undefined || extra === '') return base;
  return base === '' ? extra : `${base}\n\n${extra}`;
}
