import type { Command } from 'commander';
import { VERSION } from '../../version.js';
import type { HealthSnapshot } from '../../ws/methods/health.js';
import { CONFIG_EXIT_CODE, ConfigError, loadConfig } from '../config/load.js';
import { connectGateway, type GatewayEndpoint, localGatewayEndpoint } from './gatewayClient.js';

export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .description("print the running gateway's health over WebSocket (exit 1 when unreachable or unhealthy)")
    .option('--config <path>', 'config file (JSON5)')
    .option('--json', 'print the health payload as JSON', false)
    .action(async (opts: { config?: string; json: boolean }) => {
      process.exitCode = await runHealthCommand(opts);
    });
}

export async function runHealthCommand(opts: { config?: string; json: boolean }): Promise<number> {
  let url: string;
  let endpoint: GatewayEndpoint;
  try {
    const { config } = await loadConfig({ configPath: opts.config, env: process.env });
    endpoint = localGatewayEndpoint(config, process.env);
    url = endpoint.url;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`openclaw: ${err.message}\n`);
      return CONFIG_EXIT_CODE;
    }
    throw err;
  }
  let health: HealthSnapshot;
  try {
    const client = await connectGateway({ ...endpoint, clientVersion: VERSION });
    try {
      health = await client.request<HealthSnapshot>('health');
    } finally {
      client.close();
    }
  } catch (err) {
    process.stderr.write(
      `openclaw health: gateway at ${url} is not reachable: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
  process.stdout.write(opts.json ? `${JSON.stringify(health, null, 2)}\n` : healthReport(health, url));
  return health.ok ? 0 : 1;
}

function healthReport(h: HealthSnapshot, url: string): string {
  const agents = h.agents
    .map(
      (a) =>
        `${a.agentId}${a.isDefault ? ' (default)' : ''}: ${a.sessions.count} session${a.sessions.count === 1 ? '' : 's'}`,
    )
    .join('; ');
  const lines = [
    `Gateway ${h.ok ? 'OK' : 'NOT OK'} at ${url} (version ${h.version}, up ${Math.round(h.uptimeMs / 1000)}s${h.shuttingDown ? ', shutting down' : ''})`,
    `Agents: ${agents}`,
    `Sessions: ${h.sessions.count}${h.sessions.recent.length > 0 ? ` (recent: ${h.sessions.recent.map((s) => s.key).join(', ')})` : ''}`,
    `Active runs: ${h.activeRuns}`,
  ];
  return `${lines.join('\n')}\n`;
}
