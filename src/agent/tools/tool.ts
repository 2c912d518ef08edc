import { z } from 'zod';
import type { ToolSpec } from '../../messages.js';
import type { AgentDefinition } from '../agents.js';
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

/**
 * A server-side tool the gateway runs itself. None may run commands. `run` only ever sees
 * arguments that passed `args`; the model is shown the same schema as JSON Schema in `spec`.
 */
export interface BuiltinTool<Args = unknown> {
  spec: ToolSpec;
  args: z.ZodType<Args>;
  /** Whether this agent can use it at all (before its allow-list is applied). */
  availableTo(agent: AgentDefinition): boolean;
  run(args: Args, context: ToolContext): Promise<ToolOutcome>;
}

export interface ToolDefinition<Args> {
  name: string;
  description: string;
  args: z.ZodType<Args>;
  availableTo(agent: AgentDefinition): boolean;
  run(args: Args, context: ToolContext): Promise<ToolOutcome>;
}

/** A built-in tool whose JSON Schema is derived from its argument schema, so the two cannot drift apart. */
export function defineTool<Args>(definition: ToolDefinition<Args>): BuiltinTool<Args> {
  const { $schema: _dialect, ...parameters } = z.toJSONSchema(definition.args, { io: 'input' });
  return {
    spec: { name: definition.name, description: definition.description, parameters },
    args: definition.args,
    availableTo: definition.availableTo,
    run: definition.run,
  };
}

export function toolError(output: string): ToolOutcome {
  return { output, isError: true };
}
