/**
 * File access for an agent's workspace, injected by the Node edge so the core
 * stays free of `node:` imports. Paths are relative to the workspace root.
 */
export interface WorkspaceFiles {
  /** Resolves to the file's UTF-8 text, or null when it does not exist. Rejects paths escaping the root. */
  readText(workspace: string, relativePath: string, maxBytes: number): Promise<string | null>;
}
