import type { z } from 'zod';
import type { Logger } from '../../log.js';
import type { ToolCall } from '../../messages.js';
import { type BuiltinTool, type ToolContext, type ToolOutcome, toolError } from './tool.js';

/**
 * Runs one call the model made to a built-in tool. Arguments are checked at the door: text that
 * is not a JSON object, or an object the tool's schema refuses, goes back to the model as a tool
 * error and the tool never runs. A tool that throws becomes a tool error too; the run goes on.
 */
export async function executeToolCall(
  tools: ReadonlyMap<string, BuiltinTool>,
  call: Pick<ToolCall, 'name' | 'arguments'>,
  context: ToolContext,
  log: Logger,
  runId: string,
): Promise<ToolOutcome> {
  const tool = tools.get(call.name);
  if (tool === undefined) return toolError(`unknown tool: ${call.name}`);
  let raw: unknown;
  try {
    raw = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    return toolError('arguments are not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return toolError('arguments must be a JSON object');
  const args = tool.args.safeParse(raw);
  if (!args.success) return toolError(`invalid arguments for ${call.name}: ${issuesText(args.error.issues)}`);
  try {
    return await tool.run(args.data, context);
  } catch (err) {
    log.log('warn', 'tool failed', { runId, tool: call.name, error: String(err) });
    return toolError(`${call.name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** One line the model can act on: each problem with the argument it concerns. */
function issuesText(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((i) => (i.path.length === 0 ? i.message : `${i.path.join('.')}: ${i.message}`)).join('; ');
}
