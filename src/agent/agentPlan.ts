import type { Logger } from '../log.js';
import type { ChatMessage, ToolSpec } from '../messages.js';
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
  /** For plain runs: the utility model first, when configured, then the agent's own. */
  plainModels: ResolvedModel[];
}

export function planAgent(
  agent: AgentDefinition,
  models: ModelRegistry,
  log: Logger,
  utilityModel: string | undefined,
): AgentPlan {
  const tools = toolsForAgent(agent);
  const agentModels = resolveModels(models, agent.models, log, agent.id);
  return {
    agent,
    tools,
    toolSpecs: [...tools.values()].map((t) => t.spec),
    models: agentModels,
    plainModels:
      utilityModel === undefined
        ? agentModels
        : [...resolveModels(models, [utilityModel], log, agent.id), ...agentModels],
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
  // The model's metadata lists its input modalities: a text-only model is never sent an image.
  const model = plan.models[0];
  if (model?.input !== undefined && !model.input.includes('image') && hasImage(input.messages)) {
    invalid(
      `model ${model.ref} accepts ${model.input.join(', ') || 'no'} input, not images; remove the image parts or use an agent whose model lists "image" in its input`,
      'messages',
    );
  }
}

function hasImage(messages: readonly ChatMessage[]): boolean {
  return messages.some(
    (m) => m.role === 'user' && typeof m.content !== 'string' && m.content.some((p) => p.type !== 'text'),
  );
}

export function invalid(message: string, param: string): never {
  throw new RunFailure({ code: 'invalid_request', message, param });
}
