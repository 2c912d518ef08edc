import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildAgentRegistry } from '../../agent/agents.js';
import { createModelRegistry } from '../../providers/registry.js';
import { CONFIG_EXIT_CODE, ConfigError, loadConfig, type LoadedConfig } from '../config/load.js';
import { gatewayAnswers, localHttpBase } from './localGateway.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
}

const PROBE_TIMEOUT_MS = 3000;

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the config, the port, each provider and the state dir (exit 1 on any problem, 78 on a bad config)',
    )
    .option('--config <path>', 'config file (JSON5)')
    .option('--json', 'print as JSON', false)
    .action(async (opts: { config?: string; json: boolean }) => {
      process.exitCode = await runDoctor(opts);
    });
}

async function runDoctor(opts: { config?: string; json: boolean }): Promise<number> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({ configPath: opts.config, env: process.env });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const check: DoctorCheck = { name: 'config', ok: false, detail: err.problems.join('; ') };
    report(opts.json, [check], err.file);
    return CONFIG_EXIT_CODE;
  }
  const checks: DoctorCheck[] = [configCheck(loaded)];
  checks.push(...(await Promise.all([portCheck(loaded), stateDirCheck(loaded.stateDir), ...providerChecks(loaded)])));
  report(opts.json, checks, loaded.path);
  return checks.every((c) => c.ok) ? 0 : 1;
}

function report(json: boolean, checks: DoctorCheck[], path: string | undefined): void {
  const ok = checks.every((c) => c.ok);
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok, config: path ?? null, checks }, null, 2)}\n`);
    return;
  }
  const lines = checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  lines.push(ok ? 'No problems found.' : `${checks.filter((c) => !c.ok).length} problem(s) found.`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function configCheck(loaded: LoadedConfig): DoctorCheck {
  const parts = [loaded.path ?? 'no config file; built-in defaults'];
  if (loaded.ignoredSections.length > 0) parts.push(`ignored (not served): ${loaded.ignoredSections.join(', ')}`);
  for (const warning of loaded.warnings) parts.push(`warning: ${warning}`);
  return { name: 'config', ok: true, detail: parts.join('; ') };
}

/** Free, or held by a gateway that answers: both fine. Held by anything else: the gateway could not start. */
async function portCheck(loaded: LoadedConfig): Promise<DoctorCheck> {
  const { port } = loaded.config.gateway;
  const name = `port ${port}`;
  let host: string;
  try {
    // The server module is heavy: loaded only when a check needs it, as `gateway` does.
    const { bindHost } = await import('../server.js');
    host = bindHost(loaded.config, loaded.config.gateway.bind);
  } catch (err) {
    return { name, ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
  const free = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
  if (free === undefined) return { name, ok: true, detail: `free on ${host}` };
  if (free.code === 'EADDRINUSE' && (await gatewayAnswers(localHttpBase(loaded.config)))) {
    return { name, ok: true, detail: `in use by a running gateway (${localHttpBase(loaded.config)})` };
  }
  return { name, ok: false, detail: `cannot listen on ${host}:${port}: ${free.code ?? free.message}` };
}

async function stateDirCheck(stateDir: string): Promise<DoctorCheck> {
  const probe = join(stateDir, `.doctor-${process.pid}`);
  try {
    await mkdir(stateDir, { recursive: true });
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
    return { name: 'state dir', ok: true, detail: `${stateDir} is writable` };
  } catch (err) {
    return {
      name: 'state dir',
      ok: false,
      detail: `${stateDir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    };
  }
}

/** Every provider an agent uses or the file configures: its key is set and its base URL answers HTTP at all. */
function providerChecks(loaded: LoadedConfig): Promise<DoctorCheck>[] {
  const { config, env } = loaded;
  const registry = createModelRegistry(config, env);
  const used = new Set(Object.keys(config.models.providers));
  for (const agent of buildAgentRegistry(config).list) {
    for (const ref of agent.models) if (ref !== 'local/echo') used.add(ref.slice(0, ref.indexOf('/')));
  }
  return [...used].map(async (id) => {
    const name = `provider ${id}`;
    const model = registry.resolve(`${id}/doctor-probe`);
    if (model === undefined) return { name, ok: false, detail: 'used by an agent but not configured' };
    const key = config.models.providers[id]?.apiKey ?? model.config.apiKey;
    const missing =
      key === undefined ? [] : [...key.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!).filter((v) => !env[v]);
    if (missing.length > 0) return { name, ok: false, detail: `no API key (set ${missing.join(', ')})` };
    const base = model.config.baseUrl;
    if (base === undefined)
      return { name, ok: true, detail: `api ${model.config.api ?? 'openai-completions'}, default endpoint` };
    try {
      const res = await fetch(`${base.replace(/\/$/, '')}/models`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await res.body?.cancel();
      return {
        name,
        ok: true,
        detail: `${base} answers (HTTP ${res.status}; api ${model.config.api ?? 'openai-completions'})`,
      };
    } catch (err) {
      const cause =
        (err as { cause?: { code?: string } }).cause?.code ?? (err instanceof Error ? err.name : String(err));
      return { name, ok: false, detail: `${base} unreachable (${cause})` };
    }
  });
}
