import type { Logger } from '../log.js';
import type { ToolSpec } from '../messages.js';
import type { ModelRegistry, ResolvedModel } from '../providers/types.js';
import type { AgentDefinition } from './agents.js';
import { RunFailure } from './events.js';
import { resolveModels } from './modelCall.js';
import type { RunInput } from './runtime.js';
import { toolsForAgent } from './tools/builtinTools.js';
import type { BuiltinTool } from './tools/tool.js';

/** What one agent needs on every run, worked out on its first run and kept. */
export interface AgentPlan {
  agent: AgentDefinition;
  tools: Map<string, BuiltinTool>;
  toolSpecs: ToolSpec[];
  models: ResolvedModel[];
}

export function planAgent(agent: AgentDefinition, models: ModelRegistry, log: Logger): AgentPlan {
  const tools = toolsForAgent(agent);
  return {
    agent,
    tools,
    toolSpecs: [...tools.values()].map((t) => t.spec),
    models: resolveModels(models, agent.models, log, agent.id),
  };
}

/** Refuses input no run could serve, before anything is admitted; throws `RunFailure` invalid_request. */
export function checkRunInput(input: RunInput, plan: AgentPlan): void {
  if (input.sessionKey === '') invalid('sessionKey must not be empty', 'sessionKey');
  if (input.messages.length === 0) invalid('messages must hold at least one message', 'messages');
  const names = new Set<string>();
  for (const tool of input.clientTools ?? []) {
    if (plan.tools.has(tool.name))
      invalid(`tool name "${tool.name}" is taken by a built-in tool of this agent`, 'tools');
    if (names.has(tool.name)) invalid(`tool name "${tool.name}" is declared twice`, 'tools');
    names.add(tool.name);
  }
  const choice = input.toolChoice;
  if (typeof choice === 'object' && !names.has(choice.name) && !plan.tools.has(choice.name)) {
    invalid(`tool_choice names an unknown tool "${choice.name}"`, 'tool_choice');
  }
}

export function invalid(message: string, param: string): never {
  throw new RunFailure({ code: 'invalid_request', message, param });
}
