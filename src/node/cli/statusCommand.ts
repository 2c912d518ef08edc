import type { Command } from 'commander';
import { VERSION } from '../../version.js';
import { CONFIG_EXIT_CODE, ConfigError, loadConfig } from '../config/load.js';
import type { StatusResult } from '../../ws/methods/health.js';
import { connectGateway, type GatewayEndpoint, localGatewayEndpoint } from './gatewayClient.js';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('the running gateway: agents, sessions, active runs (exit 1 when unreachable)')
    .option('--config <path>', 'config file (JSON5)')
    .option('--json', 'print as JSON', false)
    .action(async (opts: { config?: string; json: boolean }) => {
      process.exitCode = await runStatus(opts);
    });
}

async function runStatus(opts: { config?: string; json: boolean }): Promise<number> {
  let endpoint: GatewayEndpoint;
  try {
    const loaded = await loadConfig({ configPath: opts.config, env: process.env });
    endpoint = localGatewayEndpoint(loaded.config, loaded.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`openclaw: ${err.message}\n`);
    return CONFIG_EXIT_CODE;
  }
  let status: StatusResult;
  try {
    const client = await connectGateway({ ...endpoint, clientVersion: VERSION });
    try {
      status = await client.request<StatusResult>('status');
    } finally {
      client.close();
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (opts.json)
      process.stdout.write(`${JSON.stringify({ running: false, url: endpoint.url, error: reason }, null, 2)}\n`);
    else process.stderr.write(`openclaw status: no gateway reachable at ${endpoint.url}: ${reason}\n`);
    return 1;
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ running: true, url: endpoint.url, ...status }, null, 2)}\n`);
    return 0;
  }
  const now = Date.now();
  const lines = [
    `Gateway running at ${endpoint.url} (version ${status.version}, up ${Math.round(status.uptimeMs / 1000)} s${status.shuttingDown ? ', shutting down' : ''}; bind ${status.gateway.bind}, auth ${status.gateway.authMode}; ${status.connections} WebSocket client${status.connections === 1 ? '' : 's'})`,
    `Agents: ${status.agents.map((id) => (id === status.defaultAgentId ? `${id} (default)` : id)).join(', ')}`,
    `Sessions: ${status.sessions.count}`,
    `Active runs: ${status.activeRuns.length}`,
    ...status.activeRuns.map(
      (r) => `  ${r.runId} agent ${r.agentId} session ${r.sessionKey}, ${Math.round((now - r.startedAt) / 1000)} s`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
