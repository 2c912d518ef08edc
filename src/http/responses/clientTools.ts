import type { ToolChoice, ToolSpec } from '../../messages.js';
import type { ResponsesRequest } from './requestSchema.js';

/** How a tool the model calls is named back to the client: namespaced functions carry their namespace. */
export interface ClientToolName {
  name: string;
  namespace?: string;
}

export interface ClientTools {
  /** What the model is offered. */
  specs: ToolSpec[];
  toolChoice: ToolChoice | undefined;
  /** The client's name for a model-facing tool name (identity for plain functions). */
  clientName(modelName: string): ClientToolName;
  /** The model-facing name of a call the client sends back in its history. */
  modelName(name: string, namespace?: string | null): string;
}

/** A namespaced function reaches the model as `<namespace>__<name>`, so two namespaces may share a name. */
const SEPARATOR = '__';

/**
 * The request's `tools` in the run's terms: function tools as they are, the functions of
 * `namespace` tools flattened, hosted tools the gateway cannot run (web_search, file_search,
 * code_interpreter, image_generation, local_shell, custom, mcp...) left out.
 */
export function toClientTools(tools: ResponsesRequest['tools'], choice: ResponsesRequest['tool_choice']): ClientTools {
  const specs: ToolSpec[] = [];
  const namespaced = new Map<string, ClientToolName>();
  const spec = (name: string, t: Record<string, unknown>): ToolSpec => ({
    name,
    ...(typeof t.description === 'string' ? { description: t.description } : {}),
    ...(isRecord(t.parameters) ? { parameters: t.parameters } : {}),
  });

  for (const tool of tools ?? []) {
    if (tool.type === 'function') specs.push(spec(tool.name as string, tool));
    else if (tool.type === 'namespace') {
      const namespace = tool.name as string;
      for (const inner of tool.tools as Array<Record<string, unknown>>) {
        if (inner.type !== 'function' || typeof inner.name !== 'string') continue;
        const modelName = `${namespace}${SEPARATOR}${inner.name}`.slice(0, 64);
        namespaced.set(modelName, { name: inner.name, namespace });
        specs.push(spec(modelName, inner));
      }
    }
  }

  return {
    specs,
    toolChoice: toolChoiceOf(choice, specs),
    clientName: (modelName) => namespaced.get(modelName) ?? { name: modelName },
    modelName: (name, namespace) => (namespace ? `${namespace}${SEPARATOR}${name}`.slice(0, 64) : name),
  };
}

function toolChoiceOf(choice: ResponsesRequest['tool_choice'], specs: ToolSpec[]): ToolChoice | undefined {
  if (choice == null) return undefined;
  if (typeof choice === 'string') return choice;
  if (choice.type !== 'function' || typeof choice.name !== 'string') return 'auto';
  const name = choice.name;
  if (specs.some((s) => s.name === name)) return { name };
  // A pinned function inside a namespace, named as the client knows it.
  const inner = specs.find((s) => s.name.endsWith(`${SEPARATOR}${name}`));
  return { name: inner?.name ?? name };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
