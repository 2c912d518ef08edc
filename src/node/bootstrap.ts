import { randomBytes } from 'node:crypto';
import type { GatewayConfig } from '../config/schema.js';
import type { GatewayContext } from '../context.js';
import { assembleGateway, type ContextControls } from '../gatewayAssembly.js';
import type { Logger } from '../log.js';
import { openGatewayStorage } from './storage.js';
import { nodeWorkspaceFiles } from './workspaceFiles.js';

export interface ContextOptions {
  config: GatewayConfig;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** undici's fetch for the provider SDKs, loaded with the first model call rather than at start-up. */
function providerFetch(): typeof fetch {
  let loaded: typeof fetch | undefined;
  let loading: Promise<typeof fetch> | undefined;
  return (input, init) => {
    if (loaded !== undefined) return loaded(input, init);
    loading ??= import('./undiciFetch.js').then((m) => (loaded = m.createUndiciFetch()));
    return loading.then((f) => f(input, init));
  };
}

/** The context alone, for a run of the CLI without a listener. */
export async function createGatewayContext(options: ContextOptions): Promise<GatewayContext> {
  return (await createContextControls(options)).ctx;
}

/** The gateway on Node: SQLite or PostgreSQL storage, workspace files on disk, undici for the providers. */
export async function createContextControls({ config, stateDir, env, log }: ContextOptions): Promise<ContextControls> {
  return assembleGateway({
    config,
    stateDir,
    env,
    log,
    openStorage: (metrics) => openGatewayStorage(config, stateDir, env, log, metrics),
    workspace: nodeWorkspaceFiles,
    fetch: providerFetch(),
    generateToken,
  });
}
