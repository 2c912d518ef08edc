import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { WorkspaceFiles } from '../agent/workspace.js';

/** Reads files inside a workspace folder only: `..`, absolute paths and symlinks out are refused. */
export const nodeWorkspaceFiles: WorkspaceFiles = {
  async readText(workspace, relativePath, maxBytes) {
    if (isAbsolute(relativePath)) throw new Error('path must be relative to the workspace');
    let root: string;
    try {
      root = await realpath(workspace);
    } catch (err) {
      // A workspace folder that does not exist yet holds no files.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    let target: string;
    try {
      target = await realpath(resolve(root, relativePath));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const rel = relative(root, target);
    if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..') || isAbsolute(rel)) {
      throw new Error('path is outside the workspace');
    }
    const handle = await open(target, 'r');
    try {
      const buffer = Buffer.alloc(maxBytes);
      const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  },
};
