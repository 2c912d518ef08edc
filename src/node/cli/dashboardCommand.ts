import type { Command } from 'commander';
import { controlUiLink } from '../../http/controlUi.js';
import { CONFIG_EXIT_CODE, ConfigError, loadConfig } from '../config/load.js';
import { gatewayAnswers, localHttpBase } from './localGateway.js';

export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('print the Control UI link, with the token, when the running gateway serves the UI')
    .option('--config <path>', 'config file (JSON5)')
    .option('--json', 'print as JSON', false)
    .action(async (opts: { config?: string; json: boolean }) => {
      process.exitCode = await runDashboard(opts);
    });
}

async function runDashboard(opts: { config?: string; json: boolean }): Promise<number> {
  let base: string;
  let basePath: string;
  let enabled: boolean;
  let token: string | undefined;
  try {
    const { config, env } = await loadConfig({ configPath: opts.config, env: process.env });
    base = localHttpBase(config);
    ({ basePath, enabled } = config.gateway.controlUi);
    token =
      config.gateway.auth.mode === 'password'
        ? undefined
        : (config.gateway.auth.token ?? (env.OPENCLAW_GATEWAY_TOKEN || undefined));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`openclaw: ${err.message}\n`);
    return CONFIG_EXIT_CODE;
  }
  const pageUrl = controlUiLink(base, basePath);
  const running = await gatewayAnswers(base);
  const ui = enabled && running && (await servesPage(pageUrl));
  // The same link the gateway prints at start: the page takes the token out of the address bar.
  const link = controlUiLink(base, basePath, token);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ running, controlUi: ui, url: ui ? link : null }, null, 2)}\n`);
  } else if (!running) {
    process.stderr.write(`openclaw dashboard: no gateway running at ${base}; start it with \`openclaw gateway\`\n`);
  } else if (!ui) {
    process.stderr.write(
      `openclaw dashboard: the gateway at ${base} does not serve a Control UI at ${basePath}${enabled ? '' : ' (gateway.controlUi.enabled is false)'}\n`,
    );
  } else {
    process.stdout.write(`${link}\n`);
    if (token === undefined)
      process.stdout.write('(no token in config or OPENCLAW_GATEWAY_TOKEN: the UI will ask for one)\n');
  }
  return ui ? 0 : 1;
}

async function servesPage(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000), headers: { accept: 'text/html' } });
    await res.body?.cancel();
    return res.ok && (res.headers.get('content-type') ?? '').includes('text/html');
  } catch {
    return false;
  }
}
