import type { AgentDefinition } from '../agents.js';
import { currentTime } from './currentTime.js';
import { readFile } from './readFile.js';
import type { BuiltinTool } from './tool.js';

export const BUILTIN_TOOLS: readonly BuiltinTool[] = [currentTime, readFile];

/** The built-in tools one agent is offered: available to it and on its allow-list (none = all). */
export function toolsForAgent(agent: AgentDefinition): Map<string, BuiltinTool> {
  const allowed = agent.tools === undefined ? undefined : new Set(agent.tools);
  const tools = new Map<string, BuiltinTool>();
  for (const tool of BUILTIN_TOOLS) {
    if (tool.availableTo(agent) && (allowed === undefined || allowed.has(tool.spec.name)))
      tools.set(tool.spec.name, tool);
  }
  return tools;
}
