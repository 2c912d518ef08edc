import type { AgentDefinition } from '../agents.js';
import type { ToolSpec } from '../../messages.js';
import type { WorkspaceFiles } from '../workspace.js';

export interface ToolContext {
  agent: AgentDefinition;
  workspace: WorkspaceFiles;
  signal: AbortSignal;
}

/** What the model gets back. A failure is a result too: tools report, never throw. */
export interface ToolOutcome {
  output: string;
  isError: boolean;
}

/** A server-side tool the gateway runs itself. None may run commands. */
export interface BuiltinTool {
  spec: ToolSpec;
  /** Whether this agent can use it at all (before its allow-list is applied). */
  availableTo(agent: AgentDefinition): boolean;
  run(args: Record<string, unknown>, context: ToolContext): Promise<ToolOutcome>;
}

export function toolError(output: string): ToolOutcome {
  return { output, isError: true };
}
