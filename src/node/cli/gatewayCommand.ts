import cluster from 'node:cluster';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { AuthConfigError, resolveAuth } from '../../auth/resolve.js';
import { LOCAL_ECHO_MODEL } from '../../agent/agents.js';
import { controlUiLink } from '../../http/controlUi.js';
import { CONFIG_EXIT_CODE, ConfigError, loadConfig, type LoadedConfig } from '../config/load.js';
import type { RunningGateway } from '../server.js';
import type { Logger } from '../../log.js';
import { stderrLogger } from '../stderrLogger.js';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number (0-65535)');
  return n;
}

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description('run the gateway in the foreground (HTTP and WebSocket on one port)')
    .option(
      '--port <port>',
      'port to listen on (wins over OPENCLAW_GATEWAY_PORT and gateway.port; 0 = any free port)',
      parsePort,
    )
    .addOption(new Option('--bind <mode>', 'interface to bind').choices(['loopback', 'lan']))
    .option('--config <path>', 'config file (JSON5)')
    .option('--verbose', 'log every request and more to stderr', false)
    .action(async (opts: { port?: number; bind?: 'loopback' | 'lan'; config?: string; verbose: boolean }) => {
      process.exitCode = await runGateway(opts);
    });
}

async function runGateway(opts: {
  port?: number;
  bind?: 'loopback' | 'lan';
  config?: string;
  verbose: boolean;
}): Promise<number | undefined> {
  // Loaded here, not at the top, so `--help` and other commands do not pay for the server's imports.
  const { startGateway, StartupError } = await import('../server.js');
  const workerRole = cluster.isWorker;
  let running: RunningGateway;
  try {
    const loaded = await loadConfig({ configPath: opts.config, env: process.env });
    const { level, consoleLevel, file } = loaded.config.logging;
    const log = stderrLogger(opts.verbose, {
      level,
      consoleLevel,
      file,
      requests: loaded.config.gateway.logging.requests,
    });
    const workers = loaded.config.gateway.workers;
    if (workers > 1 && loaded.config.storage.driver !== 'postgres') {
      throw new StartupError(
        `gateway.workers is ${workers} but storage.driver is "sqlite": several workers need storage.driver "postgres" (SQLite and in-process coordination serve one process)`,
      );
    }
    if (workers > 1 && !workerRole) return await runPrimary(loaded, log);
    running = await startGateway({
      config: loaded.config,
      stateDir: loaded.stateDir,
      env: loaded.env,
      log,
      port: opts.port,
      bind: opts.bind,
    });
    const lines = startupLines(running, loaded, opts.verbose);
    if (workerRole) process.send?.({ type: 'openclaw:listening', url: running.url, lines });
    else process.stdout.write(`${lines.join('\n')}\n`);
  } catch (err) {
    if (
      err instanceof ConfigError ||
      err instanceof AuthConfigError ||
      err instanceof StartupError ||
      (err as Error).name === 'StorageConfigError'
    ) {
      process.stderr.write(`openclaw: ${(err as Error).message}\n`);
      return CONFIG_EXIT_CODE;
    }
    if ((err as Error).name === 'PostgresStartError') {
      process.stderr.write(`openclaw: ${(err as Error).message}\n`);
      return 1;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      process.stderr.write(`openclaw: cannot listen: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stderr.write(
        `openclaw: ${signal} received, stopping (grace ${running.ctx.config.gateway.shutdownGraceMs} ms)\n`,
      );
      running.close(signal).then(resolve, (err) => {
        process.stderr.write(`openclaw: error while stopping: ${String(err)}\n`);
        resolve();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // A worker whose primary is gone stops too, rather than serve on unsupervised.
    if (workerRole) process.once('disconnect', () => stop('SIGTERM'));
  });
  // The IPC channel to the primary would keep a stopped worker alive.
  if (workerRole && process.connected) process.disconnect();
  return 0;
}

/**
 * The primary of several workers: checks PostgreSQL once (so a server that is down is one clear
 * line, not one per worker) and shares one generated token among the workers.
 */
async function runPrimary(loaded: LoadedConfig, log: Logger): Promise<number> {
  const { openSessionStoreOnly } = await import('../storage.js');
  const store = await openSessionStoreOnly(loaded.config, loaded.stateDir, process.env, log);
  await store.close();
  const { generateToken } = await import('../bootstrap.js');
  const env = { ...process.env };
  const auth = resolveAuth(loaded.config, env, generateToken);
  if (auth.mode === 'token' && auth.generated) {
    env.OPENCLAW_GATEWAY_TOKEN = auth.secret;
    process.stdout.write(`  auth: token, generated for this run: ${auth.secret}\n`);
  }
  const { runWorkers } = await import('./gatewayWorkers.js');
  return runWorkers(loaded, env);
}

function startupLines(running: RunningGateway, loaded: LoadedConfig, verbose: boolean): string[] {
  const { ctx } = running;
  const configPath = loaded.path;
  const chat = ctx.config.gateway.http.endpoints.chatCompletions.enabled;
  const responses = ctx.config.gateway.http.endpoints.responses.enabled;
  const agent = ctx.agents.get(ctx.agents.defaultId);
  const model = agent?.models[0] ?? LOCAL_ECHO_MODEL;
  const lines = [
    `openclaw gateway ${ctx.version} listening on ${running.url} (WebSocket ${running.url.replace(/^http/, 'ws')}/)`,
    `  config: ${configPath ?? 'none found, using built-in defaults'}`,
    `  chat completions: ${chat ? `enabled at ${running.url}/v1/chat/completions` : 'disabled (gateway.http.endpoints.chatCompletions.enabled)'}`,
    `  responses: ${responses ? `enabled at ${running.url}/v1/responses` : 'disabled (gateway.http.endpoints.responses.enabled)'}`,
    ctx.agents.selectionRequired
      ? `  agents: ${ctx.agents.list.map((a) => a.id).join(', ')} (no default: requests name their agent)`
      : `  default agent: ${ctx.agents.defaultId}, model ${model}${model === LOCAL_ECHO_MODEL ? ' (the built-in echo model: no model provider is configured)' : ''}`,
  ];
  if (loaded.ignoredSections.length > 0) {
    lines.push(`  ignored (not served by this gateway): ${loaded.ignoredSections.join(', ')}`);
    if (verbose) for (const path of loaded.ignoredLeaves) lines.push(`    ${path}`);
  }
  for (const warning of loaded.warnings) lines.push(`  warning: ${warning}`);
  const ui = ctx.config.gateway.controlUi;
  // The generated token goes to the terminal once, never to the logs on stderr.
  const generated = ctx.auth.mode === 'token' && ctx.auth.generated ? ctx.auth.secret : undefined;
  // A configured token is the operator's to paste; a generated one is already on this screen, so the link carries it.
  lines.splice(
    1,
    0,
    `  control ui: ${ui.enabled ? controlUiLink(running.url, ui.basePath, generated) : 'disabled (gateway.controlUi.enabled)'}`,
  );
  if (ctx.auth.mode === 'token' && ctx.auth.generated) {
    lines.push(`  auth: token, generated for this run: ${ctx.auth.secret}`);
  } else {
    lines.push(`  auth: ${ctx.auth.mode}`);
  }
  lines.push(`  browser pages: ${browserAccessSummary(ctx.config.gateway)}`);
  const storage = ctx.config.storage.driver === 'postgres' ? 'PostgreSQL (shared with other replicas)' : 'SQLite';
  lines.push(`  storage: ${storage}`);
  return lines;
}

function browserAccessSummary(gateway: RunningGateway['ctx']['config']['gateway']): string {
  const cors = gateway.http.cors.allowedOrigins;
  const socket = gateway.controlUi.allowedOrigins;
  if (cors.length === 0 && socket.length === 0) return 'same origin only (gateway.http.cors.allowedOrigins)';
  const parts: string[] = [];
  if (cors.length > 0) parts.push(`CORS for ${cors.includes('*') ? 'ANY origin ("*")' : cors.join(', ')}`);
  if (socket.length > 0) parts.push(`WebSocket for ${socket.includes('*') ? 'ANY origin ("*")' : socket.join(', ')}`);
  return parts.join('; ');
}
