import { z } from 'zod';
import { defineTool, toolError } from './tool.js';

export const READ_FILE_MAX_BYTES = 64 * 1024;

/** Reads a text file inside the agent's own workspace; anything outside it is refused. */
export const readFile = defineTool({
  name: 'read_file',
  description: `Reads a UTF-8 text file from the agent workspace (path relative to it). At most ${READ_FILE_MAX_BYTES} bytes are returned.`,
  args: z.strictObject({ path: z.string().describe('File path relative to the workspace root.') }),
  availableTo: (agent) => agent.workspace !== undefined,
  async run({ path }, { agent, workspace }) {
    if (path.trim() === '') return toolError('path must be a non-empty string');
    if (agent.workspace === undefined) return toolError('this agent has no workspace');
    if (/^([/\\]|[A-Za-z]:)/.test(path) || path.split(/[/\\]/).includes('..')) {
      return toolError('path must stay inside the workspace (relative, no "..")');
    }
    let text: string | null;
    try {
      // One byte more than the cap tells a file that is exactly the cap from one cut short.
      text = await workspace.readText(agent.workspace, path, READ_FILE_MAX_BYTES + 1);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // Node's fs messages carry absolute paths; the model gets the code only.
      return toolError(
        typeof code === 'string'
          ? `could not read ${path}: ${code}`
          : `could not read ${path}: ${(err as Error).message}`,
      );
    }
    if (text === null) return toolError(`file not found: ${path}`);
    if (new TextEncoder().encode(text).length > READ_FILE_MAX_BYTES) {
      return {
        output: `${text.slice(0, READ_FILE_MAX_BYTES)}\n[truncated at ${READ_FILE_MAX_BYTES} bytes]`,
        isError: false,
      };
    }
    return { output: text, isError: false };
  },
});
